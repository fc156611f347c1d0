"""Small-talk themes: clusters about weekends, weather or travel rather than the deal.

A theme is small talk when its centre lies close (cosine) to a few of the example
sentences in an editable YAML file. Such themes keep their statistics but are kept
apart in the report: they are not content a marketer should write.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from callinsight.contracts import InputError
from callinsight.settings import read_yaml

if TYPE_CHECKING:
    from callinsight.store.sqlite import Store


def load_small_talk(path: str | Path) -> tuple[str, ...]:
    """The example sentences of a small-talk YAML file (``examples:`` list)."""
    path = Path(path)
    data = read_yaml(path, "Small-talk file", "small_talk_file") or {}
    examples = data.get("examples") if isinstance(data, dict) else None
    if examples is None:
        examples = []
    if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
        raise InputError(f"Small-talk file {path} needs an 'examples:' list of sentences.")
    return tuple(e.strip() for e in examples if e.strip())


def example_vectors(examples: tuple[str, ...], model: str, store: Store | None = None,
                    backend: str | None = None) -> np.ndarray:
    """The examples embedded by ``model`` (through ``backend``, the ``embedding_backend``
    setting, default its default); kept in the store so an unchanged nightly rerun does not
    load the sentence encoder just for them."""
    if not examples:
        return np.zeros((0, 0), dtype=np.float32)
    from callinsight.settings import Settings

    backend = backend or Settings.embedding_backend
    tag = model if backend == "sentence-transformers" else f"{model}@{backend}"  # keeps old keys
    key = "small_talk:" + hashlib.sha256("\n".join((tag, *examples)).encode()).hexdigest()[:32]
    cached = store.cached_vectors(key) if store is not None else None
    if cached is not None:  # the key covers the model, the backend and every example
        return cached
    from callinsight.stages.embed import get_embedder

    vectors = get_embedder(model, backend).encode(list(examples))
    if store is not None:
        store.put_vectors(key, vectors)
    return vectors


def small_talk_scores(centroids: np.ndarray, examples: np.ndarray, k: int = 2) -> np.ndarray:
    """Each centroid's mean cosine similarity to its ``k`` nearest small-talk examples.

    Averaging over a few examples keeps a business theme that shares one word with a
    single example ("my last meeting ran long") from scoring like real chat. Themes
    with no examples to compare against score 0.
    """
    if len(centroids) == 0 or len(examples) == 0:
        return np.zeros(len(centroids), dtype=np.float32)
    c = centroids / np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    e = examples / np.maximum(np.linalg.norm(examples, axis=1, keepdims=True), 1e-12)
    sims = np.sort(c @ e.T, axis=1)[:, -min(k, len(examples)):]
    return sims.mean(axis=1)
