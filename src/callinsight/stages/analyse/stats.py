"""Statistics stage: which items (phrases, themes, objections) go with won or lost deals.

The unit of analysis is the deal: an item is "present" in a deal when any customer
utterance of any of the deal's calls contains it, however many times. Only closed deals
(won / lost) enter the tests; open deals are reported but never tested. Many items are
tested at once, so every table controls the false discovery rate (Benjamini-Hochberg)
over the items that reach the minimum support.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as sps
from scipy.special import gammaln

from callinsight.contracts import Deal

__all__ = [
    "ASSOCIATION_COLUMNS",
    "StatsOptions",
    "association_table",
    "benjamini_hochberg",
    "fightin_words_z",
    "fisher_exact_p",
    "metric_association",
    "wilson_interval",
]

ASSOCIATION_COLUMNS: tuple[str, ...] = (
    "item",
    "mentions",
    "deals",
    "deals_won",
    "deals_lost",
    "win_rate",
    "ci_low",
    "ci_high",
    "baseline_win_rate",
    "lift",
    "z",
    "p_value",
    "q_value",
    "direction",
    "amount_won",
    "amount_lost",
    "deals_open",
    "amount_open",
    "without_won",
    "without_lost",
    "win_rate_without",
    "top_rep",
    "top_rep_share",
    "single_rep",
    "tested",
)

# Relative tolerance when deciding which tables are "as or less likely" than the observed
# one in the two-sided Fisher test (R uses the same value). Mathematically tied tables,
# e.g. mirror images when half the deals are won, must not be split by rounding.
_FISHER_REL_TOL = 1e-7


# --------------------------------------------------------------------------- intervals


def _wilson(k: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        z2 = z * z
        denom = 1.0 + z2 / n
        centre = (p + z2 / (2.0 * n)) / denom
        half = (z / denom) * np.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n))
        low = np.clip(centre - half, 0.0, 1.0)
        high = np.clip(centre + half, 0.0, 1.0)
    bad = ~(n > 0)
    low = np.where(bad, np.nan, low)
    high = np.where(bad, np.nan, high)
    return low, high


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for k successes out of n; (nan, nan) when n == 0."""
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return (math.nan, math.nan)
    low, high = _wilson(np.array([k]), np.array([n]), z)
    return (float(low[0]), float(high[0]))


# ------------------------------------------------------------------ multiple testing


def benjamini_hochberg(p_values: Sequence[float]) -> np.ndarray:
    """Benjamini-Hochberg q-values (step-up, monotone, capped at 1).

    NaN p-values stay NaN and do not count towards the family size m.
    """
    p = np.asarray(p_values, dtype=float).ravel()
    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return q
    pv = p[ok]
    order = np.argsort(pv, kind="mergesort")
    ranked = pv[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(ranked, 1.0)
    q[ok] = out
    return q


# ------------------------------------------------------------------- Fightin' Words


def fightin_words_z(
    won_counts: Sequence[float] | np.ndarray,
    lost_counts: Sequence[float] | np.ndarray,
    prior_scale: float = 0.1,
    *,
    won_total: float | None = None,
    lost_total: float | None = None,
) -> np.ndarray:
    """Fightin' Words z-scores (Monroe, Colaresi & Quinn 2008), one per item; > 0 = won-leaning.

    Log-odds ratio with an informative Dirichlet prior:
    ``delta_w = log((y_ww + a_w) / (n_w + a0 - y_ww - a_w)) - log((y_lw + a_w) / (...lost))``
    and ``z = delta / sqrt(var)``.

    Prior (our choice): ``a_w = prior_scale * (won_w + lost_w)`` and
    ``a0 = prior_scale * (won_total + lost_total)``, i.e. each outcome receives pseudo-counts
    equal to ``prior_scale`` times the pooled (won + lost) data -- the prior is the pooled
    distribution, as the paper's informative prior, with strength ``prior_scale`` relative
    to the data. An item whose share is identical in both groups gets exactly z = 0 for any
    ``prior_scale``. The default 0.1 (10 % of the data) keeps items seen in only one group
    finite while barely moving well-supported items.

    ``won_total`` / ``lost_total`` default to the summed counts (the paper's "all words"
    denominator). Pass the number of won / lost units instead when counts are presence
    counts (deal-level: "deals with the item" out of "closed deals"); then each item is its
    own 2x2 table. The variance keeps the complement terms (``1/(n - y + a0 - a)``) that the
    paper drops as negligible for rare words; they matter when an item is in many deals.

    Items with no counts, or holding all counts (nothing to contrast), get z = 0.
    """
    yw = np.asarray(won_counts, dtype=float).ravel()
    yl = np.asarray(lost_counts, dtype=float).ravel()
    if yw.shape != yl.shape:
        raise ValueError("won_counts and lost_counts must have the same length")
    if prior_scale <= 0:
        raise ValueError("prior_scale must be > 0")
    if np.any(yw < 0) or np.any(yl < 0):
        raise ValueError("counts must be non-negative")
    nw = float(yw.sum()) if won_total is None else float(won_total)
    nl = float(yl.sum()) if lost_total is None else float(lost_total)
    if np.any(yw > nw) or np.any(yl > nl):
        raise ValueError("an item count exceeds its group total")
    a = prior_scale * (yw + yl)
    a0 = prior_scale * (nw + nl)
    with np.errstate(divide="ignore", invalid="ignore"):
        in_w, out_w = yw + a, nw - yw + a0 - a
        in_l, out_l = yl + a, nl - yl + a0 - a
        delta = np.log(in_w) - np.log(out_w) - np.log(in_l) + np.log(out_l)
        var = 1.0 / in_w + 1.0 / out_w + 1.0 / in_l + 1.0 / out_l
        z = delta / np.sqrt(var)
    return np.where(np.isfinite(z), z, 0.0)


# ---------------------------------------------------------------------------- Fisher


def fisher_exact_p(a: int, b: int, c: int, d: int) -> float:
    """Two-sided Fisher exact p-value of the 2x2 table [[a, b], [c, d]]."""
    return float(sps.fisher_exact([[a, b], [c, d]], alternative="two-sided").pvalue)


def _fisher_shared_margins(x: np.ndarray, n: np.ndarray, won: int, total: int) -> np.ndarray:
    """Two-sided Fisher p for many tables sharing the column margins.

    Table i is [[x_i, n_i - x_i], [won - x_i, (total - won) - (n_i - x_i)]]. Given ``n``,
    ``x`` is hypergeometric(total, won, n). Tables are grouped by ``n``: the pmf over the
    whole support is computed once per distinct ``n`` from a log-factorial table, sorted
    and cumulated, and each observed ``x`` is answered with a binary search (p = sum of
    the pmf values <= pmf(x) * (1 + 1e-7)). Cost: O(sum of support sizes over distinct n).
    """
    x = np.asarray(x, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    out = np.full(x.shape, np.nan)
    if x.size == 0:
        return out
    lost = total - won
    logfact = gammaln(np.arange(total + 2, dtype=float))  # logfact[k] = log((k-1)!)
    logfact = logfact[1:]  # now logfact[k] = log(k!)

    def log_choose(a: np.ndarray | int, b: np.ndarray) -> np.ndarray:
        return logfact[a] - logfact[b] - logfact[a - b]

    order = np.argsort(n, kind="mergesort")
    n_sorted = n[order]
    bounds = np.flatnonzero(np.diff(n_sorted)) + 1
    starts = np.concatenate(([0], bounds))
    ends = np.concatenate((bounds, [n_sorted.size]))
    for s, e in zip(starts, ends, strict=True):
        nn = int(n_sorted[s])
        idx = order[s:e]
        lo, hi = max(0, nn - lost), min(nn, won)
        support = np.arange(lo, hi + 1)
        logp = log_choose(won, support) + log_choose(lost, nn - support)
        logp -= logp.max()
        pmf = np.exp(logp)
        pmf /= pmf.sum()
        srt = np.sort(pmf)
        csum = np.cumsum(srt)
        thresh = pmf[x[idx] - lo] * (1.0 + _FISHER_REL_TOL)
        pos = np.searchsorted(srt, thresh, side="right") - 1
        out[idx] = np.minimum(csum[pos], 1.0)
    return out


# ------------------------------------------------------------------ association table


@dataclass(frozen=True)
class StatsOptions:
    """Knobs of `association_table`."""

    min_support: int = 5  # closed deals an item needs before it is tested (at least 1)
    alpha: float = 0.05  # FDR level for `direction`
    single_rep_share: float = 0.8  # top rep's share of the item's deals to flag single_rep
    test: Literal["fisher", "fightin"] = "fisher"

    def __post_init__(self) -> None:
        if self.test not in ("fisher", "fightin"):
            raise ValueError(f"test must be 'fisher' or 'fightin', got {self.test!r}")
        if not 0.0 < self.alpha <= 1.0:
            raise ValueError(f"alpha must be in (0, 1], got {self.alpha}")
        if self.min_support < 0:
            raise ValueError(f"min_support must be >= 0, got {self.min_support}")


def _unique_counts(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique values and their counts (sort-based; faster than np.unique's hash)."""
    srt = np.sort(keys)
    if srt.size == 0:
        return srt, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, srt[1:] != srt[:-1]])
    counts = np.diff(np.r_[starts, srt.size])
    return srt[starts], counts


_OUTCOME_CODE = {"won": 0, "lost": 1, "open": 2}


def _as_set(deal_ids: Iterable[str]) -> AbstractSet[str]:
    return deal_ids if isinstance(deal_ids, AbstractSet) else set(deal_ids)


def _empty_table() -> pd.DataFrame:
    int_cols = {
        "mentions",
        "deals",
        "deals_won",
        "deals_lost",
        "deals_open",
        "without_won",
        "without_lost",
    }
    data: dict[str, pd.Series] = {}
    for col in ASSOCIATION_COLUMNS:
        if col in int_cols:
            dtype: object = "int64"
        elif col in ("item", "direction", "top_rep"):
            dtype = object
        elif col in ("single_rep", "tested"):
            dtype = bool
        else:
            dtype = "float64"
        data[col] = pd.Series([], dtype=dtype)
    return pd.DataFrame(data, columns=list(ASSOCIATION_COLUMNS))


def association_table(
    items: Mapping[str, Iterable[str]],
    deals: Mapping[str, Deal],
    *,
    deal_reps: Mapping[str, str] | None = None,
    mentions: Mapping[str, int] | None = None,
    options: StatsOptions = StatsOptions(),  # noqa: B008 - frozen, safe as a default
) -> pd.DataFrame:
    """One row per item: deal-level win rate, Wilson CI, lift, tests, FDR and caveats.

    ``items`` maps an item key to the deal_ids whose customer utterances contain it
    (duplicates are collapsed: the unit is the deal). Deal ids missing from ``deals`` are
    ignored; open deals are only counted in ``deals_open`` / ``amount_open``. The baseline
    win rate is won / closed over all closed deals in ``deals``. Columns are
    `ASSOCIATION_COLUMNS`; see the project's stats docs for their meaning. One BH family
    per call: the items with at least ``options.min_support`` closed deals.

    Cost is linear in the number of (item, deal) pairs: about 0.3 s for 50k items over
    10k deals with 600k pairs, about 6 s for 10M pairs. Fisher p-values are computed
    once per distinct item support, not once per item (see `_fisher_shared_margins`).
    """
    keys = list(items.keys())
    if not keys:
        return _empty_table()

    # -- deals as arrays
    deal_ids = list(deals.keys())
    outcome = np.fromiter(
        (_OUTCOME_CODE.get(deals[d].outcome, 3) for d in deal_ids),
        dtype=np.int8,
        count=len(deal_ids),
    )
    amount = np.fromiter(
        (float(deals[d].amount) if deals[d].amount is not None else 0.0 for d in deal_ids),
        dtype=float,
        count=len(deal_ids),
    )
    amount = np.nan_to_num(amount, nan=0.0)
    total_won = int((outcome == 0).sum())
    total_lost = int((outcome == 1).sum())
    total_closed = total_won + total_lost
    baseline = total_won / total_closed if total_closed else math.nan

    # -- (item, deal) memberships; the unit is the deal, so each pair counts once
    n_items = len(keys)
    members = [_as_set(items[k]) for k in keys]
    sizes = np.fromiter((len(m) for m in members), dtype=np.int64, count=n_items)
    flat_ids = np.fromiter(
        itertools.chain.from_iterable(members), dtype=object, count=int(sizes.sum())
    )
    flat = pd.Index(deal_ids, dtype=object).get_indexer(flat_ids).astype(np.int64)
    item_of = np.repeat(np.arange(n_items, dtype=np.int64), sizes)
    known = flat >= 0  # deal ids absent from `deals` are ignored
    item_of, flat = item_of[known], flat[known]
    oc = outcome[flat]

    def per_item(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        w = None if weights is None else weights[mask]
        return np.bincount(item_of[mask], weights=w, minlength=n_items)

    is_won, is_lost, is_open = oc == 0, oc == 1, oc == 2
    won = per_item(is_won).astype(np.int64)
    lost = per_item(is_lost).astype(np.int64)
    n_open = per_item(is_open).astype(np.int64)
    deal_amount = amount[flat]
    amount_won = per_item(is_won, deal_amount).astype(float)
    amount_lost = per_item(is_lost, deal_amount).astype(float)
    amount_open = per_item(is_open, deal_amount).astype(float)
    support = won + lost

    with np.errstate(divide="ignore", invalid="ignore"):
        win_rate = np.where(support > 0, won / np.maximum(support, 1), np.nan)
        lift = win_rate / baseline if baseline and baseline > 0 else np.full(n_items, np.nan)
        without_won = total_won - won
        without_lost = total_lost - lost
        without = without_won + without_lost
        win_rate_without = np.where(without > 0, without_won / np.maximum(without, 1), np.nan)
    ci_low, ci_high = _wilson(won, support, 1.96)

    # -- tests
    z = fightin_words_z(won, lost, won_total=total_won, lost_total=total_lost)
    tested = support >= max(options.min_support, 1)  # an item needs a closed deal
    p_value = np.full(n_items, np.nan)
    if tested.any():
        if options.test == "fisher":
            p_value[tested] = _fisher_shared_margins(
                won[tested], support[tested], total_won, total_closed
            )
        else:
            p_value[tested] = 2.0 * sps.norm.sf(np.abs(z[tested]))
    q_value = benjamini_hochberg(p_value)
    significant = q_value < options.alpha  # NaN compares False
    direction = np.full(n_items, "none", dtype=object)
    direction[significant & (win_rate > baseline)] = "win"
    direction[significant & (win_rate < baseline)] = "loss"

    # -- rep concentration over the item's closed deals
    top_rep = np.full(n_items, "", dtype=object)
    top_share = np.full(n_items, np.nan)
    if deal_reps is not None:
        rep_names = sorted({r for r in deal_reps.values() if r})
        rep_code = {r: i for i, r in enumerate(rep_names)}
        deal_rep = np.fromiter(
            (rep_code.get(deal_reps.get(d) or "", -1) for d in deal_ids),
            dtype=np.int64,
            count=len(deal_ids),
        )
        top_share = np.where(support > 0, 0.0, np.nan)
        closed = is_won | is_lost
        r = deal_rep[flat[closed]]
        it = item_of[closed][r >= 0]
        r = r[r >= 0]
        if r.size:
            n_reps = len(rep_names)
            combo, counts = _unique_counts(it * n_reps + r)
            c_item, c_rep = combo // n_reps, combo % n_reps
            order = np.lexsort((c_rep, -counts, c_item))  # most deals, then rep name
            first = order[np.r_[True, np.diff(c_item[order]) != 0]]
            names = np.array(rep_names, dtype=object)
            top_rep[c_item[first]] = names[c_rep[first]]
            top_share[c_item[first]] = counts[first] / support[c_item[first]]
    single_rep = (np.nan_to_num(top_share, nan=0.0) >= options.single_rep_share) & (support >= 2)

    if mentions is None:
        mention_counts = support.copy()
    else:
        mention_counts = np.fromiter(
            (int(mentions.get(k, s)) for k, s in zip(keys, support.tolist(), strict=True)),
            dtype=np.int64,
            count=n_items,
        )

    df = pd.DataFrame(
        {
            "item": pd.Series(keys, dtype=object),
            "mentions": mention_counts,
            "deals": support,
            "deals_won": won,
            "deals_lost": lost,
            "win_rate": win_rate,
            "ci_low": ci_low,
            "ci_high": ci_high,
            "baseline_win_rate": np.full(n_items, baseline, dtype=float),
            "lift": lift,
            "z": z,
            "p_value": p_value,
            "q_value": q_value,
            "direction": direction,
            "amount_won": amount_won,
            "amount_lost": amount_lost,
            "deals_open": n_open,
            "amount_open": amount_open,
            "without_won": without_won.astype(np.int64),
            "without_lost": without_lost.astype(np.int64),
            "win_rate_without": win_rate_without,
            "top_rep": top_rep,
            "top_rep_share": top_share,
            "single_rep": single_rep,
            "tested": tested,
        },
        columns=list(ASSOCIATION_COLUMNS),
    )
    # tested first, then q ascending (NaN last), deals descending, item name
    q_sort = np.where(np.isnan(q_value), np.inf, q_value)
    name_rank = np.empty(n_items, dtype=np.int64)
    name_rank[np.argsort(np.array([str(k) for k in keys]), kind="mergesort")] = np.arange(n_items)
    order = np.lexsort((name_rank, -support, q_sort, ~tested))
    return df.iloc[order].reset_index(drop=True)


# --------------------------------------------------------------- continuous metrics


def metric_association(values: Mapping[str, float], deals: Mapping[str, Deal]) -> dict:
    """Compare a per-deal metric between won and lost deals (Mann-Whitney U, two-sided).

    Only closed deals with a finite value count. Returns n_won, n_lost, mean_won,
    mean_lost, median_won, median_lost and p_value (NaN when either side has < 2 deals).
    """
    won: list[float] = []
    lost: list[float] = []
    for deal_id, value in values.items():
        deal = deals.get(deal_id)
        if deal is None or value is None:
            continue
        v = float(value)
        if not math.isfinite(v):
            continue
        if deal.outcome == "won":
            won.append(v)
        elif deal.outcome == "lost":
            lost.append(v)
    w, lo = np.asarray(won), np.asarray(lost)
    p = math.nan
    if w.size >= 2 and lo.size >= 2:
        p = float(sps.mannwhitneyu(w, lo, alternative="two-sided").pvalue)
    return {
        "n_won": int(w.size),
        "n_lost": int(lo.size),
        "mean_won": float(w.mean()) if w.size else math.nan,
        "mean_lost": float(lo.mean()) if lo.size else math.nan,
        "median_won": float(np.median(w)) if w.size else math.nan,
        "median_lost": float(np.median(lo)) if lo.size else math.nan,
        "p_value": p,
    }
