"""evaluation.scale_corpus: deterministic, extends with size, text that does not repeat, planted signal."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from itertools import islice

import pytest

from evaluation.scale_corpus import SCALE_THEMES, distinct_share, generate_scale
from evaluation.synthetic import SLOTS, SyntheticCall

N = 200


def _texts(calls: Iterable[SyntheticCall]) -> list[tuple]:
    return [(c.call_id, c.deal_id, c.rep, c.started_at,
             [(s.speaker, s.start, s.end, s.text) for s in c.segments]) for c in calls]


@pytest.fixture(scope="module")
def calls() -> list[SyntheticCall]:
    return list(generate_scale(N, seed=0).iter_calls())


def test_same_seed_same_texts(calls: list[SyntheticCall]) -> None:
    assert _texts(generate_scale(N, seed=0).iter_calls()) == _texts(calls)
    assert _texts(islice(generate_scale(N, seed=1).iter_calls(), 5)) != _texts(calls[:5])


def test_bigger_corpus_extends_smaller(calls: list[SyntheticCall]) -> None:
    bigger = generate_scale(300, seed=0)
    assert _texts(islice(bigger.iter_calls(), N)) == _texts(calls)
    small = generate_scale(N, seed=0)
    assert all(bigger.deals[d] == deal for d, deal in small.deals.items())
    assert [p.call_id for p in bigger.plans[:N]] == [p.call_id for p in small.plans]


def test_calls_have_the_benchmark_interface(calls: list[SyntheticCall]) -> None:
    corpus = generate_scale(N, seed=0)
    assert len(corpus.plans) == N and len(calls) == N
    for c in calls:
        assert c.deal_id in corpus.deals
        assert c.as_call().call_id == c.call_id and c.as_call().rep == c.rep
        assert {s.speaker for s in c.segments} == {"rep", "customer"}
        assert all(0 <= s.start < s.end for s in c.segments)
        assert all(a.end <= b.start for a, b in zip(c.segments, c.segments[1:], strict=False))
        assert c.n_words == sum(len(s.text.split()) for s in c.segments)
        for t in c.truth:  # every generated customer sentence is in its segment
            assert c.segments[t.segment_idx].speaker == "customer"
            assert t.text in c.segments[t.segment_idx].text


def test_text_is_distinct_and_call_sized() -> None:
    share = distinct_share(generate_scale(N, seed=0))
    assert share["calls"] == N
    assert share["share"] >= 0.9
    assert 800 <= share["mean_words"] <= 1200
    assert 10 <= share["mean_sentence_words"] <= 16
    assert share["backchannel_share"] < 0.05


def test_no_person_names(calls: list[SyntheticCall]) -> None:
    names = re.compile(r"\b(" + "|".join(SLOTS["name"]) + r")\b")
    assert not any(names.search(s.text) for c in calls for s in c.segments)


def test_planted_themes_follow_outcomes(calls: list[SyntheticCall]) -> None:
    outcomes = {d: deal.outcome for d, deal in generate_scale(N, seed=0).deals.items()}
    mentioned: dict[str, set[str]] = defaultdict(set)
    for c in calls:
        for t in c.truth:
            if t.theme is not None:
                mentioned[t.theme].add(c.deal_id)
    won = {d for d, o in outcomes.items() if o == "won"}
    lost = {d for d, o in outcomes.items() if o == "lost"}
    assert len(won) >= 20 and len(lost) >= 20
    for theme in SCALE_THEMES:
        rate_won = len(mentioned[theme.name] & won) / len(won)
        rate_lost = len(mentioned[theme.name] & lost) / len(lost)
        if theme.direction == "win":
            assert rate_won > rate_lost + 0.2, (theme.name, rate_won, rate_lost)
        else:
            assert rate_lost > rate_won + 0.2, (theme.name, rate_won, rate_lost)
