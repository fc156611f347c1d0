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

__all__ = ["cmh_pvalues"]


def cmh_pvalues(
    item_of: np.ndarray,
    deal_of: np.ndarray,
    n_items: int,
    won: np.ndarray,
    stratum: np.ndarray,
    *,
    correction: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """CMH p-value and common (Mantel-Haenszel) odds ratio per item.

    The odds ratio adds 0.5 to every cell of every stratum (Haldane-Anscombe), which keeps
    it finite and pulls items seen in few deals towards 1: it serves as the shrunk effect
    size of a stratified result.

    ``item_of``/``deal_of``: (item, closed-deal index) pairs, each pair once; ``won``: 1/0 per
    closed deal; ``stratum``: stratum code (0..S-1) per closed deal. Table k of item i is
    [[won with i, lost with i], [won without, lost without]] within stratum k; strata with
    fewer than two deals carry no information. Items with no variance get p = NaN.
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
        b = n_with - a  # lost with item
        c = m_k - a  # won without
        d = (n_k - m_k) - b  # lost without
        num = np.where(ok, (a + 0.5) * (d + 0.5) / (n_k + 2), 0.0).sum(axis=1)
        den = np.where(ok, (b + 0.5) * (c + 0.5) / (n_k + 2), 0.0).sum(axis=1)
        odds = num / den
    return p, odds
