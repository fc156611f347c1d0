"""False discovery rate control: many items are tested at once, so p-values become q-values.

Hand-written rather than ``scipy.stats.false_discovery_control``: scipy rounds differently
(``p * (m / i)`` vs ``p * m / i``) and rejects NaN, which marks untested items here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["benjamini_hochberg", "hierarchical_fdr"]


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


def hierarchical_fdr(p_values: Sequence[float], family: Sequence[str], alpha: float,
                     head: Sequence[bool] | None = None) -> np.ndarray:
    """Adjusted values for hypotheses in families (broad theme + its sub-themes), compare to ``alpha``.

    Benjamini & Bogomolov (2014): each family's p-value combines its hypotheses; with
    ``head`` marking each family's broad theme, it is ``min(1, 2 * min(p_head, Simes(others)))``
    (Bonferroni over the broad test and the Simes test of its sub-themes, so a broad effect
    is not diluted by twenty sub-themes, and an effect living in one sub-theme still counts);
    without ``head``, the Simes combination of all. Benjamini-Hochberg over the m families
    selects R of them; within a selected family, BH at level ``alpha * R / m``. Returned
    values are the within-family BH q-values
    times ``m / R`` for selected families (so ``< alpha`` means discovered, and the
    expected share of false discoveries averaged over selected families stays at most
    ``alpha``), and the family's own q-value elsewhere. Power is spent on the few broad
    families, not spread over every small cluster. NaN p-values stay NaN.
    """
    p = np.asarray(p_values, dtype=float).ravel()
    fam = np.asarray(list(family), dtype=object)
    out = np.full(p.shape, np.nan)
    names = [f for f in dict.fromkeys(fam.tolist()) if np.isfinite(p[fam == f]).any()]
    if not names:
        return out
    is_head = np.zeros(p.shape, dtype=bool) if head is None else np.asarray(list(head), dtype=bool)
    simes = np.array([_family_p(p[fam == f], is_head[fam == f]) for f in names])
    q_family = benjamini_hochberg(simes)
    selected = q_family <= alpha
    r, m = int(selected.sum()), len(names)
    for f, qf, sel in zip(names, q_family, selected, strict=True):
        idx = np.flatnonzero(fam == f)
        if sel:
            out[idx] = np.minimum(benjamini_hochberg(p[idx]) * m / r, 1.0)
            out[idx] = np.where(np.isnan(p[idx]), np.nan, np.maximum(out[idx], qf))
        else:
            out[idx] = np.where(np.isnan(p[idx]), np.nan, max(qf, alpha + 1e-12) if qf <= alpha else qf)
    return out


def _family_p(p: np.ndarray, head: np.ndarray) -> float:
    if not head.any():
        return _simes(p)
    parts = [x for x in (_simes(p[head]), _simes(p[~head])) if np.isfinite(x)]
    return min(1.0, len(parts) * min(parts)) if parts else np.nan


def _simes(p: np.ndarray) -> float:
    p = np.sort(p[np.isfinite(p)])
    if not p.size:
        return np.nan
    return float(np.min(p * p.size / np.arange(1, p.size + 1)))
