"""Keyword side of the phrase library: a light lemmatiser and a BM25 index.

Kept apart from the index and its store reads so the ranking maths can be read (and
benchmarked) on its own; documents and queries go through the same ``tokenize``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
from scipy import sparse

__all__ = ["BM25", "STOPWORDS", "lemma", "tokenize"]

BM25_K1, BM25_B = 1.2, 0.75

_TOKEN = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    "a an the and or but if of to in on at for with by from as is are was were be been being "
    "am it its it's this that these those i we you they he she me us our ours your their my him "
    "her them do does did doing have has had having so very just can could would should will "
    "shall may might must there here what which who whom when where why how all any each other "
    "some such than too s t d ll m re ve don doesn didn isn aren wasn won't about into over "
    "then once up out off also yeah yes oh okay ok um uh like really well".split()
)
_IRREGULAR = {
    "children": "child", "kids": "kid", "people": "person", "men": "man", "women": "woman",
    "went": "go", "gone": "go", "said": "say", "paid": "pay", "bought": "buy", "spent": "spend",
    "thought": "think", "made": "make", "took": "take", "taken": "take", "got": "get",
    "gotten": "get", "saw": "see", "seen": "see", "better": "good", "best": "good",
    "cheaper": "cheap", "cheapest": "cheap", "built": "build", "sent": "send", "felt": "feel",
    "kept": "keep", "using": "use", "left": "leave", "lost": "lose", "won": "win", "sold": "sell",
    "told": "tell",
}
_VOWELS = set("aeiouy")


def _cvc(stem: str) -> bool:
    """consonant-vowel-consonant at the end of a short stem (sav-e, tim-e, pric-e)."""
    if len(stem) < 3 or len(stem) > 4:
        return False
    a, b, c = stem[-3], stem[-2], stem[-1]
    return a not in _VOWELS and b in _VOWELS and c not in _VOWELS and c not in "wxy"


@lru_cache(maxsize=262_144)
def lemma(token: str) -> str:
    """A light English lemmatiser: irregular forms and inflection suffixes (Porter step 1).

    ``saves``, ``saved``, ``saving`` -> ``save``; ``prices``, ``pricing`` -> ``price``;
    ``companies`` -> ``company``; ``cutting`` -> ``cut``. Applied to documents and queries
    alike, so consistency matters more than linguistic exactness.
    """
    if token in _IRREGULAR:
        return _IRREGULAR[token]
    if len(token) <= 3 or token.isdigit():
        return token
    if token.endswith("ies") and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith("sses"):
        return token[:-2]
    if token.endswith(("xes", "ches", "shes", "zzes")):
        return token[:-2]
    if token.endswith("s") and not token.endswith(("ss", "us", "is")):
        token = token[:-1]
    elif token.endswith("ly") and len(token) > 5:
        return token[:-2]
    for suffix in ("ing", "ed"):
        if token.endswith(suffix) and not token.endswith("eed"):
            stem = token[: -len(suffix)]
            if len(stem) < 2 or not _VOWELS & set(stem):
                continue
            if stem.endswith(("at", "bl", "iz")):
                return stem + "e"
            if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsz" + "".join(_VOWELS):
                return stem[:-1]
            if _cvc(stem):
                return stem + "e"
            return stem
    return token


def tokenize(text: str) -> list[str]:
    """Lowercased, lemmatised content words of a text."""
    return [lemma(t) for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS]


class BM25:
    """Okapi BM25 over a fixed corpus; scores are a sparse column sum per query."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = BM25_K1, b: float = BM25_B):
        self.vocab: dict[str, int] = {}
        rows, cols = [], []
        for i, toks in enumerate(docs):
            for tok in toks:
                rows.append(i)
                cols.append(self.vocab.setdefault(tok, len(self.vocab)))
        n = len(docs)
        tf = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, max(len(self.vocab), 1))
        )
        tf.sum_duplicates()
        lengths = np.asarray(tf.sum(axis=1)).ravel()
        avgdl = float(lengths.mean()) if n and lengths.mean() > 0 else 1.0
        df = np.bincount(tf.indices, minlength=tf.shape[1])
        self.n = n
        self.idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        self.max_idf = float(math.log1p((n + 0.5) / 0.5))
        norm = k1 * (1 - b + b * lengths / avgdl)
        row_norm = np.repeat(norm, np.diff(tf.indptr)).astype(np.float32)
        data = tf.data * (k1 + 1) / (tf.data + row_norm) * self.idf[tf.indices]
        self.weights = sparse.csr_matrix((data, tf.indices, tf.indptr), shape=tf.shape).tocsc()

    def scores(self, terms: Iterable[str]) -> tuple[np.ndarray, float]:
        """(BM25 score per document, sum of the query terms' idf) for query terms."""
        terms = list(dict.fromkeys(terms))
        ids = [self.vocab[t] for t in terms if t in self.vocab]
        idf_sum = sum(float(self.idf[self.vocab[t]]) if t in self.vocab else self.max_idf
                      for t in terms)
        if not ids:
            return np.zeros(self.n, dtype=np.float32), idf_sum
        return np.asarray(self.weights[:, ids].sum(axis=1)).ravel(), idf_sum
