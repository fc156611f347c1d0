"""The embedding cache: each distinct text is encoded once, results match the model's."""

from __future__ import annotations

import numpy as np

from callinsight.settings import Settings
from callinsight.stages.embed import CachingEmbedder, get_embedder


class CountingEmbedder:
    """A deterministic stand-in that records what it was asked to encode."""

    dimension = 4

    def __init__(self):
        self.calls: list[list[str]] = []

    def encode(self, texts):
        self.calls.append(list(texts))
        out = np.array([[len(t), t.count("a"), t.count("e"), 1.0] for t in texts], dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_each_distinct_text_is_encoded_once():
    inner = CountingEmbedder()
    cache = CachingEmbedder(inner)
    first = cache.encode(["a cat", "the dog", "a cat"])
    second = cache.encode(["the dog", "an eel"])
    assert inner.calls == [["a cat", "the dog"], ["an eel"]]
    np.testing.assert_array_equal(first[1], second[0])
    np.testing.assert_array_equal(first, inner.encode(["a cat", "the dog", "a cat"]))
    assert (cache.hits, cache.misses) == (2, 3)
    assert cache.encode([]).shape == (0, 4)


def test_oldest_texts_are_forgotten_beyond_the_limit():
    inner = CountingEmbedder()
    cache = CachingEmbedder(inner, max_items=2)
    cache.encode(["one", "two"])
    cache.encode(["one", "three"])  # "two" is now the oldest and goes
    cache.encode(["two", "one"])
    assert inner.calls[-1] == ["two"]


def test_cached_vectors_equal_the_models():
    embedder = get_embedder(Settings().embedding_model)
    texts = ["The price is too high for us.", "It syncs with Salesforce."]
    np.testing.assert_allclose(embedder.encode(texts), embedder.embedder.encode(texts), atol=1e-6)
    np.testing.assert_allclose(embedder.encode(texts[::-1]), embedder.encode(texts)[::-1], atol=0)
