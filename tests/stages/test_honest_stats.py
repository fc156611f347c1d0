"""The statistics resist the known traps: post-close calls, rep confounding, talk volume, chance."""

from __future__ import annotations

import random
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from callinsight.contracts import Deal
from callinsight.settings import Settings
from callinsight.stages.analyse.insights import build_insights, pre_decision
from callinsight.stages.analyse.stats import association_table
from callinsight.stages.analyse.stats.stratified import cmh_pvalues

DIM = 24


def _topic_vectors(seed: int, n_topics: int = 6) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(n_topics, DIM))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


TOPICS = {  # topic -> sentences (the words matter for phrases, the topic for the vector)
    "pricing": ["what does the pricing look like for our team", "how is the price per seat set up"],
    "reports": ["the weekly reports are what our managers read", "we export the reports every friday"],
    "setup": ["how long does the setup usually take for a team", "who does the setup work on your side"],
    "onboarding": ["who should we add as admins for the rollout", "when does the admin training start"],
    "support": ["what hours is your support team available", "do you offer phone support for users"],
    "filler": ["we talked about this with the team last week", "it was on the list for the quarter"],
}


def _row(call_id, idx, text, vec, deal_id, rep, started):
    return {"call_id": call_id, "idx": idx, "segment_idx": idx, "speaker": "customer", "start": idx * 5.0,
            "end": idx * 5.0 + 4, "text": text, "phrases": [w for w in text.split() if len(w) > 4][:3],
            "objection": None, "objection_score": None, "embedding": vec.astype(np.float32).tobytes(),
            "deal_id": deal_id, "rep": rep, "started_at": started, "mono": 0}


def _corpus(outcomes: list[str], seed: int, *, kickoff: bool = True, volume: bool = True):
    """Deals whose pre-decision talk does not depend on the outcome; won deals also have a
    kick-off call after the close (as in real CRMs), and (with ``volume``) lost deals' customers
    say about half as much, as in one real corpus (unadjusted, 10 of 20 such corpora give a
    "significant" theme or phrase)."""
    rng = random.Random(seed)
    centres = _topic_vectors(seed)
    noise = np.random.default_rng(seed)
    rows, deals = [], {}
    for i, outcome in enumerate(outcomes):
        deal_id, rep = f"D{i:03d}", ("ann", "bob")[i % 2]
        deals[deal_id] = Deal(deal_id, outcome, 1000.0 * (i + 1), datetime(2026, 1, 1),
                              datetime(2026, 3, 1))
        n = rng.randint(5, 11) if (outcome == "won" or not volume) else rng.randint(2, 6)
        for j in range(n):
            topic = rng.choice(["pricing", "reports", "setup", "support", "filler"])
            vec = centres[list(TOPICS).index(topic)] + 0.15 * noise.normal(size=DIM)
            rows.append(_row(f"c{i:03d}", j, rng.choice(TOPICS[topic]), vec, deal_id, rep, "2026-02-01"))
        if kickoff and outcome == "won":
            for j in range(3):
                vec = centres[3] + 0.15 * noise.normal(size=DIM)
                rows.append(_row(f"k{i:03d}", j, TOPICS["onboarding"][j % 2], vec, deal_id, rep,
                                 "2026-03-05T10:00:00"))
    return pd.DataFrame(rows), deals


SETTINGS = Settings(min_support=3, theme_min_size=4, theme_min_words=3, theme_stability_resamples=0,
                    analyses=("phrases", "themes"))


def _insights(utterances, deals, settings=SETTINGS):
    segments = utterances[["call_id", "idx", "start", "end", "speaker", "text", "deal_id", "rep"]].copy()
    return build_insights(utterances, segments, deals, settings,
                          small_talk_vectors=np.zeros((0, DIM), dtype=np.float32))


def test_a_close_date_without_time_covers_the_whole_day():
    frame = pd.DataFrame({"deal_id": ["D1", "D1", "D1", "D2"],
                          "started_at": ["2026-03-01T17:30:00", "2026-03-02", "2026-02-01", "2027-01-01"]})
    deals = {"D1": Deal("D1", "won", closed_at=datetime(2026, 3, 1)), "D2": Deal("D2", "open")}
    assert pre_decision(frame, deals, Settings()).tolist() == [True, False, True, True]
    windowed = Settings(decision_window_days=10)
    deals["D1"] = Deal("D1", "won", created_at=datetime(2026, 1, 1), closed_at=datetime(2026, 3, 1))
    assert pre_decision(frame, deals, windowed).tolist() == [False, False, False, True]


def test_post_close_calls_do_not_make_a_winning_theme():
    outcomes = ["won"] * 20 + ["lost"] * 20
    utterances, deals = _corpus(outcomes, seed=1, volume=False)
    insights = _insights(utterances, deals)
    themes, quotes = insights.themes, insights.quotes
    kickoff = quotes["text"].isin(TOPICS["onboarding"])
    share = kickoff.groupby(quotes["theme_id"]).mean()
    onboarding = share[share >= 0.8].index  # the themes of kick-off talk (a broad theme may hold more)
    assert len(onboarding), "the kick-off talk is still shown as a theme"
    rows = themes[themes["theme_id"].isin(onboarding)]
    assert (rows["n_deals"] == 0).all()  # said only after the close: counted in no deal
    assert (rows["verdict"] == "insufficient evidence").all()
    assert not (themes["direction"] == "win").any()
    phrases = insights.phrases.set_index("phrase")
    assert "admins" not in phrases.index or phrases.loc["admins", "direction"] == "none"
    assert "later call(s)" in insights.method["window"]


def test_rep_confounding_is_removed_by_the_stratified_test():
    # Ann wins 80% of her deals, Bob 20%; Ann's customers say the item more often, but
    # within each rep the item is equally common in won and lost deals.
    deals, items = {}, set()
    for rep, n_won, n_lost, share in (("ann", 80, 20, 0.7), ("bob", 20, 80, 0.3)):
        for outcome, n in (("won", n_won), ("lost", n_lost)):
            for k in range(n):
                d = f"{rep}-{outcome}-{k}"
                deals[d] = Deal(d, outcome)
                if k < round(n * share):
                    items.add(d)
    reps = {d: d.split("-")[0] for d in deals}
    pooled = association_table({"item": items}, deals, deal_reps=reps).iloc[0]
    assert pooled["p_value"] < 0.01 and pooled["direction"] == "win"  # the trap
    stratified = association_table({"item": items}, deals, deal_reps=reps, strata=reps).iloc[0]
    assert stratified["test"] == "cmh"
    assert stratified["p_value"] > 0.5 and stratified["direction"] == "none"
    assert stratified["verdict"] == "no difference"
    covariates = {d: (float(r == "bob"),) for d, r in reps.items()}  # the default: a score test
    adjusted = association_table({"item": items}, deals, deal_reps=reps, covariates=covariates).iloc[0]
    assert adjusted["test"] == "score"
    assert adjusted["p_value"] > 0.5 and adjusted["direction"] == "none"


def test_cmh_matches_statsmodels():
    sm = pytest.importorskip("statsmodels.stats.contingency_tables")
    rng = np.random.default_rng(3)
    n_deals, n_items = 60, 5
    won = (rng.random(n_deals) < 0.4).astype(float)
    stratum = rng.integers(0, 3, n_deals)
    member = rng.random((n_items, n_deals)) < 0.35
    item_of, deal_of = np.nonzero(member)
    p, odds = cmh_pvalues(item_of, deal_of, n_items, won, stratum)
    for i in range(n_items):
        tables = []
        for k in range(3):
            m = stratum == k
            a = int((member[i] & m & (won == 1)).sum())
            b = int((member[i] & m & (won == 0)).sum())
            c = int((~member[i] & m & (won == 1)).sum())
            d = int((~member[i] & m & (won == 0)).sum())
            tables.append([[a, b], [c, d]])
        ref = sm.StratifiedTable(np.array(tables).transpose(1, 2, 0)).test_null_odds(correction=False)
        assert p[i] == pytest.approx(ref.pvalue, rel=1e-9)


def test_too_few_closed_deals_is_insufficient_evidence():
    deals = {f"D{i}": Deal(f"D{i}", "won" if i < 4 else "lost") for i in range(6)}
    row = association_table({"x": {"D0", "D1", "D2", "D3"}}, deals).iloc[0]
    assert row["verdict"] == "insufficient evidence"


def test_permuted_outcomes_give_no_significant_theme():
    """No theme drives these outcomes; kick-off calls and talk volume still follow them. In at
    least 19 of 20 random outcome draws no theme (and no phrase) may come out significant."""
    hits = 0
    for seed in range(20):
        rng = random.Random(100 + seed)
        outcomes = ["won"] * 18 + ["lost"] * 18
        rng.shuffle(outcomes)
        utterances, deals = _corpus(outcomes, seed=seed)
        insights = _insights(utterances, deals)
        significant = (insights.themes["direction"] != "none").any() or \
            (insights.phrases["direction"] != "none").any()
        hits += bool(significant)
    assert hits <= 1, f"{hits} of 20 null corpora gave a significant theme or phrase"


def test_sparse_items_get_the_exact_stratified_test():
    from scipy.stats import fisher_exact

    won = np.array([1.0] * 30 + [0.0] * 30)
    stratum = np.zeros(60, dtype=int)  # one stratum: the exact test is Fisher's
    deal_of = np.array([0, 1, 2, 3, 30])  # the item in 4 won deals and 1 lost
    p, _ = cmh_pvalues(np.zeros(5, dtype=int), deal_of, 1, won, stratum)
    assert p[0] == pytest.approx(fisher_exact([[4, 1], [26, 29]]).pvalue, rel=1e-6)
