"""End-to-end quality on a synthetic corpus with known ground truth.

Runs the real stages (spaCy + sentence encoder extraction -> SQLite store ->
build_insights) on ~120 deals from :mod:`evaluation.synthetic` and checks that the
planted themes, phrases and objections come out, and that nothing else does.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from callinsight.settings import Settings  # noqa: E402
from callinsight.stages.analyse.insights import build_insights  # noqa: E402
from callinsight.stages.analyse.themes import ThemeOptions, build_themes  # noqa: E402
from callinsight.stages.embed import get_embedder  # noqa: E402
from callinsight.stages.extract import ExtractOptions, Extractor, ObjectionDetector, load_taxonomy  # noqa: E402
from callinsight.store import Store, embeddings_matrix  # noqa: E402
from evaluation.synthetic import REP_LOST, REP_WON, evaluate_themes, generate, load_into_store  # noqa: E402

N_DEALS = 120
SEED = 0


def _extractor(settings: Settings) -> Extractor:
    embedder = get_embedder(settings.embedding_model)
    detector = ObjectionDetector(
        load_taxonomy(settings.objections_file), embedder, settings.objection_threshold
    ).fit()
    return Extractor(embedder, detector, ExtractOptions(spacy_model=settings.spacy_model,
                                                        phrase_max_words=settings.phrase_max_words))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    settings = Settings()
    corpus = generate(N_DEALS, seed=SEED)
    store = Store(tmp_path_factory.mktemp("eval") / "insights.db")
    load_into_store(corpus, store, _extractor(settings))
    utterances = store.utterances()
    segments = store.segments_frame()
    insights = build_insights(utterances, segments, corpus.deals, settings)
    return corpus, settings, utterances, segments, insights


def _customer(utterances: pd.DataFrame) -> pd.DataFrame:
    return utterances[utterances["speaker"] == "customer"]


def _theme_sentences(insights, utterances):
    cust = _customer(utterances)
    key = {(r.call_id, r.start, r.text): (r.call_id, int(r.segment_idx), r.text)
           for r in cust.itertuples()}
    out: dict[str, set] = defaultdict(set)
    for r in insights.quotes.itertuples():
        out[r.theme_id].add(key[(r.call_id, r.start, r.text)])
    return out


def _pool(utterances, settings):
    cust = _customer(utterances)
    ok = (cust["text"].str.split().str.len() >= settings.theme_min_words) & cust["embedding"].notna()
    return set(zip(cust.loc[ok, "call_id"], cust.loc[ok, "segment_idx"].astype(int),
                   cust.loc[ok, "text"], strict=True))


def test_planted_themes_recovered_with_direction(run):
    corpus, settings, utterances, _, insights = run
    themes = insights.themes
    result = evaluate_themes(
        corpus, _theme_sentences(insights, utterances),
        dict(zip(themes["theme_id"], themes["direction"], strict=True)),
        dict(zip(themes["theme_id"], themes["q_value"], strict=True)),
        _pool(utterances, settings), alpha=settings.alpha,
    )
    # defaults are chosen on every corpus (BENCHMARKS.md), not on this generator: one planted
    # theme may be split over two sub-themes (F1 >= 0.45), every verdict must be right
    f1s = sorted(r["f1"] for r in result["planted"].values())
    assert f1s[0] >= 0.45 and f1s[1] >= 0.6, result["planted"]
    for name, r in result["planted"].items():
        assert r["direction"] == r["expected"], (name, r)
        if r["expected"] != "none":
            assert r["q_value"] < 0.05, (name, r)
    # balanced objection themes (security review...) must not be significant
    assert result["planted"]["security_review"]["direction"] == "none"
    # nothing significant beyond the planted themes (incl. no small-talk theme); a broad theme
    # is significant through its sub-themes, so one whose significant sub-theme of the same
    # direction is a planted theme is not a false discovery
    false = [t for t in result["false_significant"] if not _explained(themes, t, result["false_significant"])]
    assert false == [], {t: result["composition"].get(t) for t in false}


def _explained(themes: pd.DataFrame, theme_id: str, false: list[str]) -> bool:
    """A significant broad theme with a significant sub-theme of its direction that is right."""
    row = themes[themes["theme_id"] == theme_id].iloc[0]
    subs = themes[(themes["parent_id"] == theme_id) & (themes["direction"] == row["direction"])]
    return any(t not in false for t in subs["theme_id"])


def test_top_significant_phrases_are_planted(run):
    corpus, _, utterances, _, insights = run
    cust = _customer(utterances)
    direction_of = {t.name: t.direction for t in corpus.themes}
    # per phrase: the directions of the planted themes of the sentences containing it
    seen: dict[str, Counter] = defaultdict(Counter)
    for r in cust.itertuples():
        tr = corpus.truth_of(r.call_id, r.segment_idx, r.text)
        label = direction_of.get(tr.theme) if tr is not None and tr.theme else "other"
        for p in r.phrases:
            seen[p][label] += 1
    phrases = insights.phrases
    n_sig = 0
    for direction in ("win", "loss"):
        top = phrases[phrases["direction"] == direction].sort_values("q_value").head(15)
        n_sig += len(top)
        if not len(top):
            continue
        planted = [p for p in top["phrase"] if seen[p][direction] >= 0.5 * sum(seen[p].values())]
        precision = len(planted) / len(top)
        assert precision >= 0.9, (direction, list(top["phrase"]), planted)
    assert n_sig >= 3, phrases.head(10)


def test_objection_detection(run):
    corpus, _, utterances, _, insights = run
    cust = _customer(utterances)
    planted = total_small = fp_small = hits = 0
    for r in cust.itertuples():
        tr = corpus.truth_of(r.call_id, r.segment_idx, r.text)
        got = r.objection if isinstance(r.objection, str) else None
        if tr is None:
            continue
        if tr.objection:
            planted += 1
            hits += got == tr.objection
        elif tr.kind == "small_talk":
            total_small += 1
            fp_small += got is not None
    assert planted > 100 and total_small > 100
    assert hits / planted >= 0.9, hits / planted
    assert fp_small / total_small <= 0.05, fp_small / total_small
    stats = insights.objection_stats.set_index("item")
    assert stats.loc["budget", "direction"] == "loss"
    for balanced in ("security", "timing", "authority"):
        assert stats.loc[balanced, "direction"] == "none", stats.loc[balanced]


def test_rep_lines_are_not_analysed(run):
    corpus, _, utterances, _, insights = run
    rep = utterances[utterances["speaker"] == "rep"]
    assert len(rep) and all(len(p) == 0 for p in rep["phrases"])
    assert rep["embedding"].isna().all()
    rep_only = {"order form", "kickoff date", "implementation team", "trial", "action plan"}
    assert not rep_only & set(insights.phrases["phrase"])
    quoted = " ".join(insights.quotes["text"])
    assert not any(line in quoted for line in REP_WON + REP_LOST)


def _pool_frame(utterances, settings, deal_ids=None):
    cust = _customer(utterances)
    if deal_ids is not None:
        cust = cust[cust["deal_id"].isin(deal_ids)]
    ok = (cust["text"].str.split().str.len() >= settings.theme_min_words) & cust["embedding"].notna()
    return cust[ok].reset_index(drop=True)


def test_theme_stability(run):
    corpus, settings, utterances, segments, _ = run
    pool = _pool_frame(utterances, settings)
    vectors = embeddings_matrix(list(pool["embedding"]))
    opts = ThemeOptions(min_size=settings.theme_min_size, distance_threshold=settings.theme_distance,
                        match_similarity=settings.theme_match_similarity, seed=settings.seed)
    a = build_themes(vectors, list(pool["phrases"]), options=opts)
    b = build_themes(vectors, list(pool["phrases"]), options=opts)
    assert [(t.theme_id, t.label) for t in a.themes] == [(t.theme_id, t.label) for t in b.themes]
    assert np.array_equal(a.assignment, b.assignment)

    # nightly growth: the first run sees ~91% of the deals, the second all of them (+10%)
    deal_ids = sorted(corpus.deals)
    first = set(deal_ids[: int(len(deal_ids) / 1.1)])
    ins1 = build_insights(utterances[utterances["deal_id"].isin(first)],
                          segments[segments["deal_id"].isin(first)],
                          {d: corpus.deals[d] for d in first}, settings)
    ins2 = build_insights(utterances, segments, corpus.deals, settings,
                          previous_themes=ins1.theme_records,
                          used_theme_ids={r["theme_id"] for r in ins1.theme_records})
    ids1 = {r["theme_id"] for r in ins1.theme_records}
    ids2 = {r["theme_id"] for r in ins2.theme_records}
    kept = ids1 & ids2
    assert len(kept) >= 0.8 * len(ids1), (sorted(ids1), sorted(ids2))
    trends = dict(zip(ins2.themes["theme_id"], ins2.themes["trend"], strict=True))
    assert all(trends[t] in ("growing", "stable", "shrinking") for t in kept)
    assert all(trends[t] == "new" for t in ids2 - ids1)
    # the planted themes keep their ids
    pool1 = _pool(utterances[utterances["deal_id"].isin(first)], settings)
    pool2 = _pool(utterances, settings)
    ev1 = evaluate_themes(corpus, _theme_sentences(ins1, utterances), {}, {}, pool1)
    ev2 = evaluate_themes(corpus, _theme_sentences(ins2, utterances), {}, {}, pool2)
    # the best match may be a broad theme one night and its sub-theme the next: the theme or
    # its broad theme keeps its id. Broad groups of plain statements can regroup as the corpus
    # grows (known limitation, see BENCHMARKS.md), so one of the four may move.
    moved = []
    for name in ("crm_integration", "admin_time_savings", "onboarding_speed", "pricing_budget"):
        a, b = ev1["planted"][name]["theme_id"], ev2["planted"][name]["theme_id"]
        if not {a, _parent(ins1, a)} & {b, _parent(ins2, b)} - {""}:
            moved.append((name, a, b))
    assert len(moved) <= 1, moved


def _parent(insights, theme_id: str) -> str:
    rows = insights.themes[insights.themes["theme_id"] == theme_id]
    parent = rows["parent_id"].iloc[0] if len(rows) else ""
    return parent if isinstance(parent, str) else ""


def test_small_talk_themes_are_kept_apart(run):
    """Most planted small talk lands in themes flagged small_talk; no theme made mostly of
    planted themes or product questions is flagged."""
    corpus, _, utterances, _, insights = run
    flagged = dict(zip(insights.themes["theme_id"], insights.themes["small_talk"], strict=True))
    kinds: dict[str, Counter] = defaultdict(Counter)
    for theme_id, sentences in _theme_sentences(insights, utterances).items():
        for call_id, segment_idx, text in sentences:
            tr = corpus.truth_of(call_id, segment_idx, text)
            kinds[theme_id]["planted" if tr is not None and tr.theme else
                            tr.kind if tr is not None else "other"] += 1
    chat = sum(k["small_talk"] for k in kinds.values())
    chat_flagged = sum(k["small_talk"] for t, k in kinds.items() if flagged[t])
    assert chat > 100 and chat_flagged / chat >= 0.8, (chat_flagged, chat, kinds)
    content = [t for t, k in kinds.items() if k["planted"] + k["neutral"] >= 0.5 * sum(k.values())]
    assert len(content) >= 10
    assert not any(flagged[t] for t in content), {t: kinds[t] for t in content if flagged[t]}
