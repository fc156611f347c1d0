"""Objections: a YAML taxonomy of categories, detected by pattern or by embedding similarity."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from callinsight.contracts import InputError
from callinsight.settings import read_yaml
from callinsight.stages.embed import Embedder

__all__ = ["Category", "ObjectionDetector", "Taxonomy", "load_taxonomy"]


@dataclass(frozen=True)
class Category:
    """One objection category: patterns that decide it outright, examples to compare with."""

    name: str
    description: str
    patterns: tuple[re.Pattern, ...]
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    """The categories, and sentences that look like objections but are not."""

    categories: tuple[Category, ...]
    not_objections: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.categories]


def load_taxonomy(path: str | Path) -> Taxonomy:
    """Read the objection taxonomy YAML, naming the category at fault on errors."""
    path = Path(path)
    data = read_yaml(path, "Objection taxonomy", "objections_file")
    if not isinstance(data, dict) or not isinstance(data.get("categories"), dict):
        raise InputError(f"Objection taxonomy {path} needs a top-level 'categories:' mapping.")
    cats = []
    for name, spec in data["categories"].items():
        spec = spec or {}
        try:
            patterns = tuple(re.compile(p, re.IGNORECASE) for p in spec.get("patterns", []) or [])
        except re.error as exc:
            raise InputError(f"{path}: category {name!r} has an invalid pattern: {exc}") from exc
        examples = tuple(str(e) for e in spec.get("examples", []) or [])
        if not patterns and not examples:
            raise InputError(f"{path}: category {name!r} needs patterns or examples.")
        cats.append(Category(str(name), str(spec.get("description", "")), patterns, examples))
    return Taxonomy(tuple(cats), tuple(str(s) for s in data.get("not_objections", []) or []))


class ObjectionDetector:
    """Patterns plus embedding similarity to each category's examples.

    score = 1.0 for a pattern hit, else the best cosine similarity to the category's
    examples; a sentence closer to a ``not_objections`` example than to any category
    is not an objection unless a pattern hits. Detected when score >= threshold.
    """

    def __init__(self, taxonomy: Taxonomy, embedder: Embedder, threshold: float = 0.45):
        self.taxonomy = taxonomy
        self.embedder = embedder
        self.threshold = threshold
        self.example_vectors_: np.ndarray | None = None
        self.example_category_: np.ndarray | None = None
        self.negative_vectors_: np.ndarray | None = None

    def fit(self) -> ObjectionDetector:
        """Embed the examples once; `detect` fits lazily when this was not called."""
        texts, owners = [], []
        for i, cat in enumerate(self.taxonomy.categories):
            texts.extend(cat.examples)
            owners.extend([i] * len(cat.examples))
        self.example_vectors_ = self.embedder.encode(texts) if texts else np.zeros((0, 1), np.float32)
        self.example_category_ = np.asarray(owners, dtype=int)
        negatives = list(self.taxonomy.not_objections)
        self.negative_vectors_ = self.embedder.encode(negatives) if negatives else None
        return self

    def detect(self, texts: Sequence[str], vectors: np.ndarray) -> list[tuple[str | None, float]]:
        """(category or None, score) per text; ``vectors`` are the texts' embeddings."""
        if self.example_vectors_ is None:
            self.fit()
        n_cat = len(self.taxonomy.categories)
        sims = np.full((len(texts), n_cat), -1.0, dtype=np.float32)
        if len(texts) and self.example_vectors_.size:
            all_sims = vectors @ self.example_vectors_.T
            for c in range(n_cat):
                cols = self.example_category_ == c
                if cols.any():
                    sims[:, c] = all_sims[:, cols].max(axis=1)
        neg = (
            (vectors @ self.negative_vectors_.T).max(axis=1)
            if self.negative_vectors_ is not None and len(texts)
            else np.full(len(texts), -1.0)
        )
        out: list[tuple[str | None, float]] = []
        for i, text in enumerate(texts):
            hits = [c for c, cat in enumerate(self.taxonomy.categories)
                    if any(p.search(text) for p in cat.patterns)]
            if hits:
                best = max(hits, key=lambda c: sims[i, c])
                out.append((self.taxonomy.categories[best].name, 1.0))
                continue
            best = int(np.argmax(sims[i])) if n_cat else 0
            score = float(sims[i, best]) if n_cat else 0.0
            if score >= self.threshold and score > float(neg[i]):
                out.append((self.taxonomy.categories[best].name, round(score, 4)))
            else:
                out.append((None, round(max(score, 0.0), 4)))
        return out
