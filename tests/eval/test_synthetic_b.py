"""evaluation.synthetic_b: the independently written corpus is deterministic, valid and as planned."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from evaluation.synthetic_b import ANCHORS, CATEGORIES, OBJECTION_RATES, PILOT, THEMES, write_corpus

SPEAKERS = {"Rep", "Prospect"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict], dict[str, dict], dict]:
    out = write_corpus(tmp_path_factory.mktemp("synthetic-b"), seed=7, n_deals=90)
    with open(out / "calls.csv", newline="") as fh:
        calls = list(csv.DictReader(fh))
    with open(out / "deals.csv", newline="") as fh:
        deals = {d["deal_id"]: d for d in csv.DictReader(fh)}
    return out, calls, deals, json.loads((out / "truth.json").read_text())


def _is_post_close(call: dict, deals: dict[str, dict]) -> bool:
    closed = deals[call["deal_id"]]["closed_at"]
    return bool(closed) and call["started_at"][:10] > closed


def _deal_labels(calls: list[dict], deals: dict[str, dict], truth: dict) -> dict[str, set[str]]:
    """Labels of the customer turns of each deal's pre-decision calls."""
    deal_of = {c["call_id"]: c["deal_id"] for c in calls if not _is_post_close(c, deals)}
    out: dict[str, set[str]] = defaultdict(set)
    for u in truth["utterances"]:
        if u["call_id"] in deal_of:
            out[deal_of[u["call_id"]]].update(u["labels"])
    return out


def test_same_seed_same_files(tmp_path: Path) -> None:
    a, b, c = (
        write_corpus(tmp_path / name, seed=s, n_deals=30)
        for name, s in (("a", 3), ("b", 3), ("c", 4)))
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    assert (a / "truth.json").read_bytes() != (c / "truth.json").read_bytes()


def test_csv_files_are_valid(corpus) -> None:
    out, calls, deals, _ = corpus
    assert list(calls[0]) == ["call_id", "deal_id", "rep", "started_at", "transcript"]
    assert list(next(iter(deals.values()))) == ["deal_id", "stage", "amount", "created_at", "closed_at"]
    stages = Counter(d["stage"] for d in deals.values())
    assert set(stages) == {"closed_won", "closed_lost", "open"}
    assert 0.05 <= stages["open"] / len(deals) <= 0.15
    for d in deals.values():
        assert 5000 <= int(d["amount"]) <= 120000
        assert (d["closed_at"] == "") == (d["stage"] == "open")
        assert not d["closed_at"] or d["closed_at"] > d["created_at"]
    pre, post = Counter(), Counter()
    for c in calls:
        assert c["deal_id"] in deals and (out / c["transcript"]).is_file()
        assert c["transcript"] == f"transcripts/{c['call_id']}.json"
        assert len(c["started_at"]) in (10, 19) and c["started_at"][:10] >= deals[c["deal_id"]]["created_at"]
        (post if _is_post_close(c, deals) else pre)[c["deal_id"]] += 1
    assert all(1 <= pre[d] <= 3 for d in deals)
    won = [d for d, row in deals.items() if row["stage"] == "closed_won"]
    assert set(post) <= set(won) and 0.15 <= len(post) / len(won) <= 0.45
    assert all(len({c["rep"] for c in calls if c["deal_id"] == d}) == 1 for d in deals)
    rep_of = {c["deal_id"]: c["rep"] for c in calls}
    win_rate = {}
    for rep in set(rep_of.values()):
        closed = [d for d, r in rep_of.items() if r == rep and deals[d]["stage"] != "open"]
        win_rate[rep] = sum(deals[d]["stage"] == "closed_won" for d in closed) / len(closed)
    assert len(win_rate) == 3 and max(win_rate.values()) - min(win_rate.values()) >= 0.1


def test_transcripts_are_valid_and_match_truth(corpus) -> None:
    out, calls, _, truth = corpus
    prospect = []
    for c in calls:
        turns = json.loads((out / c["transcript"]).read_text())
        assert isinstance(turns, list) and turns
        for i, t in enumerate(turns):
            assert set(t) == {"speaker", "start", "end", "text"} and t["speaker"] in SPEAKERS
            assert 0 <= t["start"] < t["end"] and t["text"].strip()
            assert i == 0 or turns[i - 1]["end"] <= t["start"]
        customer = [t["text"] for t in turns if t["speaker"] == "Prospect"]
        assert 6 <= len(customer) <= 14
        switches = sum(a["speaker"] != b["speaker"] for a, b in zip(turns, turns[1:], strict=False))
        assert switches >= len(turns) - 3
        prospect += [(c["call_id"], text) for text in customer]
    assert prospect == [(u["call_id"], u["text"]) for u in truth["utterances"]]


def test_customer_sentences_are_distinct(corpus) -> None:
    texts = [u["text"] for u in corpus[3]["utterances"] if len(u["text"].split()) >= 5]
    assert len(texts) > 1000 and len(set(texts)) / len(texts) >= 0.9


def test_themes_and_objections_at_planned_rates(corpus) -> None:
    _, calls, deals, truth = corpus
    labels = _deal_labels(calls, deals, truth)
    groups = {s: [d for d, row in deals.items() if row["stage"] == s] for s in ("closed_won", "closed_lost")}

    def share(label: str, stage: str) -> float:
        return sum(label in labels[d] for d in groups[stage]) / len(groups[stage])

    for theme, (_, won, lost) in THEMES.items():
        assert abs(share(theme, "closed_won") - won) <= 1 / len(groups["closed_won"]), theme
        assert abs(share(theme, "closed_lost") - lost) <= 1 / len(groups["closed_lost"]), theme
    plain: dict[str, set[str]] = defaultdict(set)  # objections said outside a planted theme
    for u in truth["utterances"]:
        if len(u["labels"]) == 1 and u["labels"][0].startswith("objection:"):
            plain[u["call_id"]].add(u["labels"][0])
    deal_plain: dict[str, set[str]] = defaultdict(set)
    for c in calls:
        deal_plain[c["deal_id"]] |= plain[c["call_id"]]
    for cat, rate in OBJECTION_RATES.items():
        for group in groups.values():
            assert abs(sum(f"objection:{cat}" in deal_plain[d] for d in group) / len(group) - rate) <= 0.02
    assert not any(set(PILOT) <= labels[d] for d in deals)


def test_labels_are_consistent(corpus) -> None:
    out, calls, deals, truth = corpus
    assert truth["expect"] == {t: v[0] for t, v in THEMES.items()}
    assert sorted(truth["expect"].values()) == ["loss", "loss", "none", "none", "win", "win", "win"]
    allowed = set(THEMES) | {"small-talk", "post-close"} | {f"objection:{c}" for c in CATEGORIES}
    post_calls = {c["call_id"] for c in calls if _is_post_close(c, deals)}
    for u in truth["utterances"]:
        assert set(u["labels"]) <= allowed and len(set(u["labels"])) == len(u["labels"])
        assert ("post-close" in u["labels"]) == (u["call_id"] in post_calls)
        if "small-talk" in u["labels"] or "post-close" in u["labels"]:
            assert not set(u["labels"]) & (allowed - {"small-talk", "post-close"}), u
    small = [u["text"].lower() for u in truth["utterances"] if u["labels"] == ["small-talk"]]
    lookalike = ("expensive", "need a", "my boss", "pricey", "security", "timing", "competitors")
    decoys = [t for t in small if any(w in t for w in lookalike)]
    assert len(decoys) >= 10
    assert set(truth["objections"]) == set(CATEGORIES) and all(truth["objections"].values())
    for cat, texts in truth["objections"].items():
        assert set(texts) == {u["text"] for u in truth["utterances"] if f"objection:{cat}" in u["labels"]}


def test_phrases_are_planted_and_only_in_customer_theme_turns(corpus) -> None:
    out, calls, _, truth = corpus
    by_dir = {v: {t for t, (d, _, _) in THEMES.items() if d == v} for v in ("win", "loss")}
    for direction, phrases in truth["phrases"].items():
        assert 6 <= len(phrases) <= 20 and all(p == p.lower() and 2 <= len(p.split()) <= 4 for p in phrases)
        for p in phrases:
            assert any(p in a for t in by_dir[direction] for a in ANCHORS[t])
            hits = [u for u in truth["utterances"] if p in u["text"].lower()]
            assert len(hits) >= 3 and all(set(u["labels"]) & by_dir[direction] for u in hits), p
    anchors = [a for t in ANCHORS.values() for a in t]
    for c in calls:
        rep_text = " ".join(t["text"].lower() for t in json.loads((out / c["transcript"]).read_text())
                            if t["speaker"] == "Rep")
        assert not any(a in rep_text for a in anchors)
        assert not any(w in rep_text for w in ("pilot", "trial", "budget", "contract", "soc 2", "case study"))
