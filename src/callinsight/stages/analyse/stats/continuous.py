"""Continuous per-deal metrics (talk ratio, monologue length...) against the deal outcome."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from scipy import stats as sps

from callinsight.contracts import Deal

__all__ = ["metric_association"]


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
