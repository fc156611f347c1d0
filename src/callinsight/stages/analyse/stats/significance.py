"""Significance tests of an item against the deal outcome: Fightin' Words and Fisher exact.

`_fisher_shared_margins` stays hand-written: scipy's ``fisher_exact`` answers one table at a
time, too slow for tens of thousands of items, and `fisher_exact_p` already is scipy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats as sps
from scipy.special import gammaln

__all__ = ["fightin_words_z", "fisher_exact_p", "shrunk_log_odds"]

# Relative tolerance when deciding which tables are "as or less likely" than the observed
# one in the two-sided Fisher test (R uses the same value). Mathematically tied tables,
# e.g. mirror images when half the deals are won, must not be split by rounding.
_FISHER_REL_TOL = 1e-7


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
    delta, var = _fightin(yw, yl, nw, nl, prior_scale)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = delta / np.sqrt(var)
    return np.where(np.isfinite(z), z, 0.0)


def shrunk_log_odds(
    won_counts: np.ndarray, lost_counts: np.ndarray, won_total: float, lost_total: float,
    prior_scale: float = 0.1,
) -> np.ndarray:
    """The Fightin' Words log-odds ratio itself (> 0 = won-leaning), shrunk towards 0.

    The informative prior pulls items seen in few deals towards "no difference", so a
    ranking by this value does not put a 3-of-3 item above a 60-of-90 one (Monroe et al.
    2008; small samples exaggerate differences, Gentzkow et al. 2019).
    """
    delta, _ = _fightin(np.asarray(won_counts, dtype=float), np.asarray(lost_counts, dtype=float),
                        float(won_total), float(lost_total), prior_scale)
    return np.where(np.isfinite(delta), delta, 0.0)


def _fightin(yw: np.ndarray, yl: np.ndarray, nw: float, nl: float, prior_scale: float):
    a = prior_scale * (yw + yl)
    a0 = prior_scale * (nw + nl)
    with np.errstate(divide="ignore", invalid="ignore"):
        in_w, out_w = yw + a, nw - yw + a0 - a
        in_l, out_l = yl + a, nl - yl + a0 - a
        delta = np.log(in_w) - np.log(out_w) - np.log(in_l) + np.log(out_l)
        var = 1.0 / in_w + 1.0 / out_w + 1.0 / in_l + 1.0 / out_l
    return delta, var


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
