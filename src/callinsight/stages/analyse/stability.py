"""How stable each theme is: does it come back when the corpus is subsampled?

Hennig (2007) clusterwise stability: re-run the theme tree on random subsamples (80% of
the sentences) and, for each theme, take the best Jaccard overlap with a theme of the same
level in the subsample's tree (over the sentences both contain); a theme's stability is the
mean over subsamples. Below about 0.6 a theme is a cut of the data rather than a pattern
in it, and the report marks it unstable.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from callinsight.stages.analyse.hierarchy import tree_memberships
from callinsight.stages.analyse.themes import ThemeOptions

__all__ = ["theme_stability"]


def theme_stability(
    vectors: np.ndarray,
    phrases: Sequence[Sequence[str]],
    acts: Sequence[Sequence[str]],
    themes: Sequence[tuple[str, np.ndarray]],
    *,
    options: ThemeOptions,
    max_broad: int,
    resamples: int = 5,
    share: float = 0.8,
    seed: int = 0,
    max_rows: int = 20_000,
) -> np.ndarray:
    """Mean best Jaccard per theme (``themes``: (level, member rows)); NaN when ``resamples`` is 0.

    A subsample holds at most ``max_rows`` sentences, so on a large corpus each resample
    costs a bounded re-clustering; overlaps are measured on the sentences it holds."""
    n = len(vectors)
    out = np.zeros(len(themes))
    if resamples <= 0 or not themes or n < 2:
        return np.full(len(themes), np.nan)
    rng = np.random.default_rng(seed)
    base = _indicator([m for _, m in themes], n)
    levels = np.array([lv for lv, _ in themes], dtype=object)
    for _ in range(resamples):
        keep = np.sort(rng.choice(n, size=max(2, min(int(n * share), max_rows)), replace=False))
        parts = tree_memberships(vectors[keep], [phrases[i] for i in keep], [acts[i] for i in keep],
                                 options, max_broad)
        if not parts:
            continue
        mask = np.zeros(n)
        mask[keep] = 1.0
        ours = base.multiply(mask[None, :]).tocsr()
        theirs = _indicator([keep[m] for _, _, m, _ in parts], n)
        inter = np.asarray((ours @ theirs.T).todense())
        size_a = np.asarray(ours.sum(axis=1)).ravel()[:, None]
        size_b = np.asarray(theirs.sum(axis=1)).ravel()[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            jac = np.where(size_a + size_b - inter > 0, inter / (size_a + size_b - inter), 0.0)
        same = levels[:, None] == np.array([lv for _, lv, _, _ in parts], dtype=object)[None, :]
        out += np.where(same, jac, 0.0).max(axis=1)
    return out / resamples


def _indicator(members: Sequence[np.ndarray], n: int) -> sparse.csr_matrix:
    rows = np.repeat(np.arange(len(members)), [len(m) for m in members])
    cols = np.concatenate([np.asarray(m, dtype=np.int64) for m in members]) if members else np.zeros(0, int)
    return sparse.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(len(members), n))
