"""Tests of the statistics stage against textbook values, scipy and planted signals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from callinsight.contracts import Deal
from callinsight.stages.analyse.stats import (
    ASSOCIATION_COLUMNS,
    StatsOptions,
    _fisher_shared_margins,
    association_table,
    benjamini_hochberg,
    fightin_words_z,
    fisher_exact_p,
    metric_association,
    wilson_interval,
)

# ----------------------------------------------------------------------------- Wilson


def test_wilson_textbook_values():
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.490, abs=5e-4)
    assert high == pytest.approx(0.943, abs=5e-4)
    # 0/10: the Wilson upper bound is z^2 / (n + z^2) = 0.2775 (Newcombe 1998)
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(1.96**2 / (10 + 1.96**2), rel=1e-12)
    low, high = wilson_interval(10, 10)
    assert high == 1.0
    assert low == pytest.approx(10 / (10 + 1.96**2), rel=1e-12)


@pytest.mark.parametrize(("k", "n"), [(1, 7), (81, 263), (15, 148), (50, 100), (3, 4)])
def test_wilson_bounds_solve_the_score_equation(k, n):
    # The Wilson bounds are the p with |k/n - p| / sqrt(p(1-p)/n) = z.
    z = 1.96
    for p in wilson_interval(k, n, z=z):
        assert abs(k / n - p) / math.sqrt(p * (1 - p) / n) == pytest.approx(z, rel=1e-9)


def test_wilson_edge_cases():
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    with pytest.raises(ValueError):
        wilson_interval(5, 3)


# ----------------------------------------------------------------- Benjamini-Hochberg


def test_bh_hand_worked_example():
    # sorted p: .005 .01 .03 .04 (m=4) -> p*m/rank: .02 .02 .04 .04
    q = benjamini_hochberg([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(q, [0.02, 0.04, 0.04, 0.02])
    # step-up monotonicity: raw .9*2/1 = 1.8 is pulled down to .95
    np.testing.assert_allclose(benjamini_hochberg([0.9, 0.95]), [0.95, 0.95])
    # cap at 1
    assert benjamini_hochberg([1.0, 1.0, 0.99]).max() <= 1.0


def test_bh_nan_stays_nan_and_is_not_counted():
    q = benjamini_hochberg([0.01, np.nan, 0.04, 0.03, 0.005])
    assert np.isnan(q[1])
    np.testing.assert_allclose(q[[0, 2, 3, 4]], [0.02, 0.04, 0.04, 0.02])
    assert benjamini_hochberg([]).shape == (0,)
    assert np.isnan(benjamini_hochberg([np.nan, np.nan])).all()


def test_bh_matches_scipy():
    if not hasattr(sps, "false_discovery_control"):
        pytest.skip("scipy too old for false_discovery_control")
    rng = np.random.default_rng(7)
    p = np.concatenate([rng.uniform(size=200), rng.uniform(0, 1e-3, size=20)])
    np.testing.assert_allclose(
        benjamini_hochberg(p), sps.false_discovery_control(p, method="bh"), rtol=1e-12
    )


# ----------------------------------------------------------------------------- Fisher


@pytest.mark.parametrize("table", [(9, 0, 1, 10), (3, 1, 1, 3), (0, 5, 5, 0), (2, 7, 8, 2)])
def test_fisher_matches_scipy(table):
    a, b, c, d = table
    assert fisher_exact_p(a, b, c, d) == sps.fisher_exact([[a, b], [c, d]]).pvalue


@pytest.mark.parametrize(("total", "won"), [(20, 10), (23, 7), (60, 30), (101, 40), (5, 0)])
def test_vectorised_fisher_matches_scipy(total, won):
    rng = np.random.default_rng(total + won)
    n = rng.integers(0, total + 1, size=120)
    lost = total - won
    x = np.array([rng.integers(max(0, m - lost), min(m, won) + 1) for m in n])
    got = _fisher_shared_margins(x, n, won, total)
    want = [
        sps.fisher_exact([[k, m - k], [won - k, lost - m + k]]).pvalue
        for k, m in zip(x, n, strict=True)
    ]
    np.testing.assert_allclose(got, want, rtol=1e-9)


# --------------------------------------------------------------------- Fightin' Words


def test_fightin_words_swap_flips_sign():
    won = np.array([30, 5, 12, 0, 40])
    lost = np.array([10, 15, 12, 7, 40])
    z = fightin_words_z(won, lost)
    np.testing.assert_allclose(fightin_words_z(lost, won), -z, rtol=1e-12)
    assert z[0] > 0 and z[1] < 0 and z[3] < 0
    zt = fightin_words_z(won, lost, won_total=100, lost_total=90)
    np.testing.assert_allclose(
        fightin_words_z(lost, won, won_total=90, lost_total=100), -zt, rtol=1e-12
    )


def test_fightin_words_equal_share_is_zero():
    # same share of each group's total -> no lean, whatever the prior strength
    won = np.array([10, 20, 70])
    lost = np.array([20, 40, 140])
    for scale in (0.01, 0.1, 1.0):
        np.testing.assert_allclose(fightin_words_z(won, lost, scale), 0.0, atol=1e-12)
    # deal-level: 5 of 50 won deals and 10 of 100 lost deals
    z = fightin_words_z([5], [10], won_total=50, lost_total=100)
    assert z[0] == pytest.approx(0.0, abs=1e-12)


def test_fightin_words_rare_item_has_smaller_z():
    # same 3:1 proportions, ten times the evidence
    z = fightin_words_z([3, 30], [1, 10], won_total=200, lost_total=200)
    assert 0 < z[0] < z[1]
    z = fightin_words_z([1, 10], [3, 30], won_total=200, lost_total=200)
    assert z[1] < z[0] < 0


def test_fightin_words_degenerate_items_and_errors():
    z = fightin_words_z([0, 10, 4], [0, 10, 1], won_total=10, lost_total=10)
    assert z[0] == 0.0  # never seen
    assert z[1] == 0.0  # in every unit: nothing to contrast
    assert z[2] > 0
    with pytest.raises(ValueError):
        fightin_words_z([1, 2], [1])
    with pytest.raises(ValueError):
        fightin_words_z([5], [1], won_total=4, lost_total=4)


# ----------------------------------------------------------------- association table


def _deals() -> dict[str, Deal]:
    deals = {f"W{i}": Deal(f"W{i}", "won", 1000.0 + i) for i in range(10)}
    deals |= {f"L{i}": Deal(f"L{i}", "lost", 500.0) for i in range(10)}
    deals |= {f"O{i}": Deal(f"O{i}", "open", 300.0) for i in range(3)}
    # two closed deals that carry no item still count in the baseline
    deals |= {"X0": Deal("X0", "lost", 0.0), "X1": Deal("X1", "lost", 0.0)}
    return deals


def _items() -> dict[str, set[str]]:
    w = [f"W{i}" for i in range(10)]
    lo = [f"L{i}" for i in range(10)]
    return {
        "planted": set(w[:9]) | {"O0", "O1", "ghost-deal"},
        "balanced": set(w[:5] + lo[:5]),
        "losing": set(lo[:9] + ["X0", "X1"]),
        "rare": {"W0", "W1", "L0", "O2"},
        "open only": {"O0", "O1", "O2"},
    }


def _row(df, item):
    rows = df[df["item"] == item]
    assert len(rows) == 1
    return rows.iloc[0]


def test_table_columns_and_counts():
    df = association_table(_items(), _deals(), mentions={"planted": 25})
    assert list(df.columns) == list(ASSOCIATION_COLUMNS)
    assert len(df) == 5
    planted = _row(df, "planted")
    assert planted["mentions"] == 25  # utterances, not deals
    assert planted["deals"] == 9
    assert (planted["deals_won"], planted["deals_lost"]) == (9, 0)
    assert planted["deals_open"] == 2  # open deals reported, not tested
    assert planted["amount_open"] == 600.0
    assert planted["amount_won"] == sum(1000.0 + i for i in range(9))
    assert planted["amount_lost"] == 0.0
    assert planted["baseline_win_rate"] == pytest.approx(10 / 22)
    assert planted["win_rate"] == 1.0
    assert planted["lift"] == pytest.approx(1.0 / (10 / 22))
    assert (planted["without_won"], planted["without_lost"]) == (1, 12)
    assert planted["win_rate_without"] == pytest.approx(1 / 13)
    lo, hi = wilson_interval(9, 9)
    assert (planted["ci_low"], planted["ci_high"]) == pytest.approx((lo, hi))
    # mentions default to the deal count
    assert _row(df, "balanced")["mentions"] == 10


def test_deal_is_the_unit():
    deals = _deals()
    as_list = {"dup": ["W0", "W0", "W0", "L0", "L0", "W1"]}
    row = _row(association_table(as_list, deals, mentions={"dup": 6}), "dup")
    assert (row["deals"], row["deals_won"], row["deals_lost"], row["mentions"]) == (3, 2, 1, 6)


def test_fisher_p_uses_closed_deals_only():
    df = association_table(_items(), _deals())
    planted = _row(df, "planted")
    # [with item: 9 won, 0 lost] x [without: 1 won, 12 lost]; open and unknown deals ignored
    assert planted["p_value"] == pytest.approx(fisher_exact_p(9, 0, 1, 12), rel=1e-9)
    assert planted["q_value"] < 0.05
    assert planted["direction"] == "win"
    assert planted["z"] > 0
    balanced = _row(df, "balanced")
    assert balanced["direction"] == "none"
    assert balanced["p_value"] == pytest.approx(fisher_exact_p(5, 5, 5, 7), rel=1e-9)
    losing = _row(df, "losing")
    assert losing["direction"] == "loss"
    assert losing["z"] < 0


def test_min_support_and_bh_family():
    df = association_table(_items(), _deals(), options=StatsOptions(min_support=5))
    rare = _row(df, "rare")  # 3 closed deals
    assert not rare["tested"]
    assert math.isnan(rare["p_value"]) and math.isnan(rare["q_value"])
    assert rare["direction"] == "none"
    assert rare["deals_open"] == 1
    open_only = _row(df, "open only")
    assert open_only["deals"] == 0 and open_only["deals_open"] == 3
    assert not open_only["tested"] and math.isnan(open_only["win_rate"])
    # one family: exactly the tested items
    tested = df[df["tested"]]
    assert set(tested["item"]) == {"planted", "balanced", "losing"}
    np.testing.assert_allclose(tested["q_value"], benjamini_hochberg(tested["p_value"]))
    # with a lower bar "rare" joins the family and is tested
    df2 = association_table(_items(), _deals(), options=StatsOptions(min_support=3))
    assert _row(df2, "rare")["tested"]


def test_sort_order():
    df = association_table(_items(), _deals())
    assert list(df["tested"]) == sorted(df["tested"], reverse=True)
    q = df.loc[df["tested"], "q_value"].to_numpy()
    assert (np.diff(q) >= 0).all()
    untested = df[~df["tested"]]
    assert list(untested["item"]) == ["rare", "open only"]  # deals descending


def test_fightin_test_option():
    df = association_table(_items(), _deals(), options=StatsOptions(test="fightin"))
    planted = _row(df, "planted")
    assert planted["p_value"] == pytest.approx(2 * sps.norm.sf(abs(planted["z"])))
    assert planted["direction"] == "win"
    assert _row(df, "balanced")["direction"] == "none"
    fisher = association_table(_items(), _deals())
    # z never depends on the chosen test
    np.testing.assert_allclose(
        df.set_index("item")["z"].sort_index(), fisher.set_index("item")["z"].sort_index()
    )


def test_single_rep_flag():
    deals = _deals()
    reps = {d: ("alice" if d.startswith("W") else "bob") for d in deals}
    reps["W8"] = "carol"
    items = {"alice-ish": {"W0", "W1", "W2", "W3", "L0"}, "mixed": _items()["balanced"]}
    df = association_table(items, deals, deal_reps=reps)
    alice = _row(df, "alice-ish")
    assert alice["top_rep"] == "alice"
    assert alice["top_rep_share"] == pytest.approx(0.8)
    assert alice["single_rep"]
    mixed = _row(df, "mixed")
    assert mixed["top_rep"] == "alice"  # 5-5 tie broken by name
    assert mixed["top_rep_share"] == pytest.approx(0.5)
    assert not mixed["single_rep"]
    one = association_table({"one": {"W0"}}, deals, deal_reps=reps)
    assert not one.iloc[0]["single_rep"]  # a single deal is not concentration
    no_reps = association_table(items, deals)
    assert (no_reps["top_rep"] == "").all()
    assert no_reps["top_rep_share"].isna().all()
    assert not no_reps["single_rep"].any()


def test_null_items_give_few_discoveries():
    rng = np.random.default_rng(12345)
    n_deals = 1000
    outcomes = rng.choice(["won", "lost"], size=n_deals, p=[0.35, 0.65])
    deals = {f"D{i}": Deal(f"D{i}", o) for i, o in enumerate(outcomes)}
    ids = np.array(list(deals))
    items = {
        f"null{j}": set(ids[rng.choice(n_deals, rng.integers(10, 120), replace=False)])
        for j in range(400)
    }
    df = association_table(items, deals)
    raw = int((df["p_value"] < 0.05).sum())
    assert raw > 0  # chance alone produces "winning phrases" ...
    assert int((df["direction"] != "none").sum()) <= 1  # ... which FDR control removes
    assert (df["q_value"] >= df["p_value"]).all()


def test_empty_input():
    for deals in ({}, _deals()):
        df = association_table({}, deals)
        assert df.empty
        assert list(df.columns) == list(ASSOCIATION_COLUMNS)
    # items but no closed deals at all: nothing tested, baseline undefined
    df = association_table({"a": {"O0"}}, {"O0": Deal("O0", "open")})
    assert not df["tested"].any()
    assert math.isnan(df.iloc[0]["baseline_win_rate"])


def test_options_validation():
    with pytest.raises(ValueError):
        StatsOptions(test="chi2")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        StatsOptions(alpha=0)
    with pytest.raises(ValueError):
        StatsOptions(min_support=-1)
    # min_support 0 still never tests an item without closed deals
    df = association_table(_items(), _deals(), options=StatsOptions(min_support=0))
    assert not _row(df, "open only")["tested"]
    assert _row(df, "rare")["tested"]


def test_vectorised_fisher_matches_scipy_on_many_items():
    """Speed lives in benchmarks/; here the vectorised path must agree with scipy."""
    rng = np.random.default_rng(3)
    n_deals = 2000
    outcomes = rng.choice(["won", "lost", "open"], size=n_deals, p=[0.3, 0.5, 0.2])
    deals = {f"D{i}": Deal(f"D{i}", o, 100.0) for i, o in enumerate(outcomes)}
    reps = {d: f"rep{i % 13}" for i, d in enumerate(deals)}
    ids = np.array(list(deals))
    sizes = np.minimum((rng.pareto(1.2, 5000) + 1).astype(int) * 2, n_deals)
    items = {f"p{j}": set(ids[rng.integers(0, n_deals, s)]) for j, s in enumerate(sizes)}
    df = association_table(items, deals, deal_reps=reps)
    assert len(df) == 5000
    # spot-check the vectorised Fisher path against scipy on a few rows
    total_won = int((outcomes == "won").sum())
    total_lost = int((outcomes == "lost").sum())
    for _, row in df[df["tested"]].sample(5, random_state=0).iterrows():
        want = fisher_exact_p(
            row["deals_won"],
            row["deals_lost"],
            total_won - row["deals_won"],
            total_lost - row["deals_lost"],
        )
        assert row["p_value"] == pytest.approx(want, rel=1e-9)


# ------------------------------------------------------------------ metric association


def test_metric_association():
    deals = _deals()
    values = {f"W{i}": 0.4 + 0.01 * i for i in range(10)}
    values |= {f"L{i}": 0.6 + 0.01 * i for i in range(10)}
    values |= {"O0": 99.0, "unknown": 5.0, "X0": float("nan")}
    out = metric_association(values, deals)
    assert (out["n_won"], out["n_lost"]) == (10, 10)
    assert out["mean_won"] == pytest.approx(0.445)
    assert out["median_lost"] == pytest.approx(0.645)
    won = [values[f"W{i}"] for i in range(10)]
    lost = [values[f"L{i}"] for i in range(10)]
    want = sps.mannwhitneyu(won, lost, alternative="two-sided").pvalue
    assert out["p_value"] == pytest.approx(want)
    assert out["p_value"] < 0.001
    small = metric_association({"W0": 1.0, "L0": 2.0, "L1": 3.0}, deals)
    assert math.isnan(small["p_value"]) and small["n_won"] == 1
    empty = metric_association({}, deals)
    assert empty["n_won"] == 0 and math.isnan(empty["mean_won"])
