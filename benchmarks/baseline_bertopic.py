"""BERTopic baseline for the benchmarks: default BERTopic on precomputed embeddings.

BERTopic is a benchmark-only dependency (not a runtime one of callinsight); install it with
``.venv/bin/pip install -c constraints.txt -e ".[bench]"``.

Settings are BERTopic's defaults (UMAP -> HDBSCAN ``min_cluster_size=10`` -> c-TF-IDF with a
default ``CountVectorizer``), except that the embeddings are given (no embedding model is
loaded, so nothing is downloaded) and UMAP gets a ``random_state`` for reproducibility.
umap-learn runs single-threaded when seeded; the first call in a process also pays numba's
JIT compilation (tens of seconds).
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np

INSTALL_HINT = '.venv/bin/pip install -c constraints.txt -e ".[bench]"'
_MODULES = ("bertopic", "umap", "hdbscan")


def bertopic_available() -> bool:
    """True when bertopic, umap-learn and hdbscan can all be imported."""
    return all(importlib.util.find_spec(name) is not None for name in _MODULES)


def _require() -> tuple[Any, Any]:
    """Import and return (BERTopic, UMAP), or raise ImportError naming the install command."""
    try:
        from bertopic import BERTopic
        from umap import UMAP
    except ImportError as exc:
        raise ImportError(
            f"the BERTopic baseline needs bertopic, umap-learn and hdbscan ({exc}); "
            f"install them with: {INSTALL_HINT}"
        ) from exc
    return BERTopic, UMAP


def bertopic_labels(texts: list[str], embeddings: np.ndarray, seed: int = 0) -> np.ndarray:
    """Topic id per text from BERTopic with default settings on the given embeddings (-1 = outlier)."""
    vectors = np.asarray(embeddings, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] != len(texts):
        raise ValueError(f"embeddings must be (len(texts), dim); got {vectors.shape} for {len(texts)} texts")
    BERTopic, UMAP = _require()
    # BERTopic's own default UMAP (bertopic/_bertopic.py), plus random_state.
    umap_model = UMAP(
        n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", low_memory=False, random_state=seed
    )
    model = BERTopic(embedding_model=None, umap_model=umap_model)
    topics, _ = model.fit_transform(list(texts), embeddings=vectors)
    return np.asarray(topics, dtype=np.int64)
