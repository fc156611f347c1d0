"""Stratified test of many items at once: Cochran-Mantel-Haenszel over rep x talk-volume strata.

A rep who closes more deals, or a deal with more customer speech, makes an item look
like it wins when it only travels with that rep or that volume. Comparing deals with and
without the item *within* strata of the same rep and talk volume removes both.

Hand-written rather than ``statsmodels.stats.contingency_tables.StratifiedTable``, which
tests one item per call: here one sparse product answers every item at once (the tests
check the two agree).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy import stats as sps

__all__ = ["cmh_pvalues", "score_pvalues"]


def cmh_pvalues(
    item_of: np.ndarray,
    deal_of: np.ndarray,
    n_items: int,
    won: np.ndarray,
    stratum: np.ndarray,
    *,
    correction: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """CMH p-value and common (Mantel-Haenszel) odds ratio per item.

    The odds ratio adds 0.5 to every cell of every stratum (Haldane-Anscombe), which keeps
    it finite and pulls items seen in few deals towards 1: it serves as the shrunk effect
    size of a stratified result.

    ``item_of``/``deal_of``: (item, closed-deal index) pairs, each pair once; ``won``: 1/0 per
    closed deal; ``stratum``: stratum code (0..S-1) per closed deal. Table k of item i is
    [[won with i, lost with i], [won without, lost without]] within stratum k; strata with
    fewer than two deals carry no information. Items with no variance get p = NaN. Items too
    sparse for the chi-square (Mantel-Fleiss criterion) get the exact conditional test. No
    continuity correction by default (as statsmodels): on the project's generator it cut the
    significant phrases from 6 to 1, and the null checks hold without it (when lost deals'
    customers say half as much, 0 of 20 null corpora give a significant theme, against 10 of
    20 unadjusted; tests/stages/test_honest_stats.py). Residual confounding remains when
    volume separates won from lost almost completely (3 of 20 then).
    """
    won = np.asarray(won, dtype=float)
    stratum = np.asarray(stratum, dtype=np.int64)
    n_deals = won.size
    s = int(stratum.max()) + 1 if n_deals else 0
    member = sparse.csr_matrix(
        (np.ones(item_of.size), (item_of, deal_of)), shape=(n_items, n_deals)
    )
    member.data[:] = 1.0  # duplicates collapse: the unit is the deal
    onehot = sparse.csr_matrix((np.ones(n_deals), (np.arange(n_deals), stratum)), shape=(n_deals, s))
    n_with = np.asarray((member @ onehot).todense())  # items x strata: deals with the item
    a = np.asarray((member @ onehot.multiply(won[:, None]).tocsr()).todense())  # won with item
    n_k = np.bincount(stratum, minlength=s).astype(float)
    m_k = np.bincount(stratum, weights=won, minlength=s)  # won per stratum
    ok = n_k >= 2
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(ok, n_with * m_k / n_k, 0.0)
        var = np.where(ok, n_with * (n_k - n_with) * m_k * (n_k - m_k) / (n_k**2 * (n_k - 1)), 0.0)
        diff = (np.where(ok, a, 0.0) - expected).sum(axis=1)
        total_var = var.sum(axis=1)
        stat = (np.maximum(np.abs(diff) - (0.5 if correction else 0.0), 0.0)) ** 2 / total_var
        p = np.where(total_var > 0, sps.chi2.sf(stat, 1), np.nan)
        # Mantel-Fleiss: the chi-square is trusted only when the summed expectation is at least
        # 5 away from both ends of its range; sparse items get the exact conditional test
        low = np.where(ok, np.maximum(0.0, n_with - (n_k - m_k)), 0.0).sum(axis=1)
        high = np.where(ok, np.minimum(n_with, m_k), 0.0).sum(axis=1)
        e_sum = expected.sum(axis=1)
        sparse_items = np.flatnonzero((total_var > 0) & ((e_sum - low < 5) | (high - e_sum < 5)))
        b = n_with - a  # lost with item
        c = m_k - a  # won without
        d = (n_k - m_k) - b  # lost without
        num = np.where(ok, (a + 0.5) * (d + 0.5) / (n_k + 2), 0.0).sum(axis=1)
        den = np.where(ok, (b + 0.5) * (c + 0.5) / (n_k + 2), 0.0).sum(axis=1)
        odds = num / den
    a_sum = np.where(ok, a, 0.0).sum(axis=1)
    for i in sparse_items:
        p[i] = _exact_stratified_p(n_with[i], m_k, n_k, ok, int(round(a_sum[i])))
    return p, odds


def score_pvalues(
    item_of: np.ndarray,
    deal_of: np.ndarray,
    n_items: int,
    won: np.ndarray,
    covariates: np.ndarray,
    *,
    ridge: float = 1e-2,
) -> tuple[np.ndarray, np.ndarray]:
    """Score (Rao) test per item of ``won ~ covariates + item`` in a logistic model, and a
    one-step log odds ratio estimate.

    The null model (covariates only, e.g. rep indicators and log customer words) is fitted
    once by Newton's method with a small ridge penalty on the covariates, never on the
    intercept (so the residuals sum to zero and an item in every deal scores zero); each
    item's score statistic
    ``U = x'(y - p)`` with variance ``x'Wx - x'WZ (Z'WZ)^-1 Z'Wx`` then costs one sparse
    product for all items. With rep indicators only, this is the CMH test without
    continuity correction; a continuous talk-volume covariate removes the "more words, more
    chances to say anything" confounding without cutting deals into coarse bands.
    """
    y = np.asarray(won, dtype=float)
    z = np.column_stack([np.ones(y.size), np.asarray(covariates, dtype=float)])
    n_deals = y.size
    if n_deals < 2 or y.min() == y.max():
        return np.full(n_items, np.nan), np.full(n_items, np.nan)
    prob = _null_fit(z, y, ridge)
    w = prob * (1 - prob)
    member = sparse.csr_matrix((np.ones(item_of.size), (item_of, deal_of)), shape=(n_items, n_deals))
    member.data[:] = 1.0
    u = member @ (y - prob)
    xwx = member @ w
    xwz = np.asarray(member @ (z * w[:, None]))
    zwz = z.T @ (z * w[:, None]) + 1e-9 * np.eye(z.shape[1])
    proj = np.einsum("ij,jk,ik->i", xwz, np.linalg.inv(zwz), xwz)
    var = np.maximum(xwx - proj, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = u**2 / var
        p = np.where(var > 1e-9, sps.chi2.sf(stat, 1), np.nan)
        beta = np.where(var > 1e-9, u / (var + 1.0), 0.0)  # one Newton step, +1: shrunk towards 0
    return p, beta


def _null_fit(z: np.ndarray, y: np.ndarray, ridge: float, iterations: int = 50) -> np.ndarray:
    """Fitted probabilities of a logistic regression of ``y`` on ``z`` (column 0 = intercept)."""
    beta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], ridge)
    penalty[0] = 0.0
    for _ in range(iterations):
        prob = 1.0 / (1.0 + np.exp(-np.clip(z @ beta, -30, 30)))
        w = prob * (1 - prob) + 1e-9
        grad = z.T @ (y - prob) - penalty * beta
        hess = z.T @ (z * w[:, None]) + np.diag(penalty) + 1e-9 * np.eye(z.shape[1])
        step = np.linalg.solve(hess, grad)
        beta += step
        if np.abs(step).max() < 1e-8:
            break
    return 1.0 / (1.0 + np.exp(-np.clip(z @ beta, -30, 30)))


def _exact_stratified_p(n_with: np.ndarray, m_k: np.ndarray, n_k: np.ndarray, ok: np.ndarray,
                        observed: int) -> float:
    """Two-sided exact conditional test of a common odds ratio of 1 (stratified Fisher).

    Given every stratum's margins, the won deals with the item are hypergeometric in each
    stratum; their total is the convolution. p = the probability of totals no more likely
    than the observed one (Fisher's two-sided rule, with the same relative tolerance).
    """
    dist = np.ones(1)
    offset = 0
    for nw, m, n in zip(n_with[ok].tolist(), m_k[ok].tolist(), n_k[ok].tolist(), strict=True):
        nw, m, n = int(round(nw)), int(round(m)), int(round(n))
        if nw == 0:
            continue
        lo, hi = max(0, nw - (n - m)), min(nw, m)
        pmf = sps.hypergeom.pmf(np.arange(lo, hi + 1), n, m, nw)
        dist = np.convolve(dist, pmf)
        offset += lo
    k = observed - offset
    if k < 0 or k >= dist.size:
        return 1.0
    return float(min(1.0, dist[dist <= dist[k] * (1 + 1e-7)].sum()))
