"""Themes stage: cluster customer sentences by meaning, label them, keep ids stable.

Three swappable steps (BERTopic style): the embedding comes in from the extract
stage, a :class:`Clusterer` groups vectors, a :class:`Labeller` names each group.
Everything is deterministic for a given seed. A new run's themes are matched to
the previous run's by centroid similarity so ``theme_id`` survives from night to
night, and each theme is marked ``new``, ``growing``, ``shrinking`` or ``stable``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy.optimize import linear_sum_assignment

from callinsight.registry import clusterers, labellers


class Clusterer(Protocol):
    """Groups row vectors; may also take each row's phrases (``phrases=`` keyword)."""

    def fit_predict(self, vectors: np.ndarray) -> np.ndarray: ...


class Labeller(Protocol):
    def label(self, members: Sequence[Sequence[Sequence[str]]]) -> list[list[str]]: ...


@dataclass
class AgglomerativeClusterer:
    """Average-linkage clustering on a blend of meaning and wording, cut at a distance.

    Similarity between two sentences is ``(1 - lexical_weight) * cos(e_a, e_b) +
    lexical_weight * cos(t_a, t_b)`` where ``e`` are the sentence embeddings with the corpus
    mean removed (the mean is what every sentence shares: "a customer on a sales call";
    removing it spreads topics apart, Mu & Viswanath 2018) and ``t`` are TF-IDF vectors of
    the sentence's extracted phrases and their words (when given). Average linkage merges
    groups while their mean pairwise similarity stays above ``1 - distance_threshold``.

    Above ``max_direct`` rows, MiniBatchKMeans first makes micro-clusters; micro-clusters
    are then merged with the same rule, where the similarity of two micro-clusters is the
    dot product of their *unnormalised* mean vectors, i.e. the mean pairwise similarity of
    their members. The threshold thus means the same at any corpus size, and memory stays
    linear in the corpus. Deterministic for a given seed.
    """

    distance_threshold: float = 0.86
    lexical_weight: float = 0.25
    max_direct: int = 4000
    micro_size: int = 40  # target rows per micro-cluster above max_direct
    seed: int = 0

    def fit_predict(self, vectors: np.ndarray, phrases: Sequence[Sequence[str]] | None = None) -> np.ndarray:
        from sklearn.cluster import AgglomerativeClustering

        n = len(vectors)
        if n < 2:
            return np.zeros(n, dtype=int)
        emb = _normalise(np.asarray(vectors, dtype=np.float32))
        emb = _normalise(emb - emb.mean(axis=0, keepdims=True), inplace=True)
        lex = _lexical_matrix(phrases) if phrases is not None and self.lexical_weight > 0 else None
        w = self.lexical_weight if lex is not None else 0.0
        if n <= self.max_direct:
            sim = (1.0 - w) * (emb @ emb.T)
            if lex is not None:
                sim += w * (lex @ lex.T).toarray().astype(np.float32)
            members = None
        else:
            micro = self._micro(emb)
            k = int(micro.max()) + 1
            ind = _indicator(micro, k)  # k x n, rows sum to 1
            m_emb = np.asarray(ind @ emb, dtype=np.float32)
            sim = (1.0 - w) * (m_emb @ m_emb.T)
            if lex is not None:
                m_lex = ind @ lex
                sim += w * (m_lex @ m_lex.T).toarray().astype(np.float32)
            members = micro
        dist = np.clip(1.0 - sim, 0.0, None)
        np.fill_diagonal(dist, 0.0)
        labels = AgglomerativeClustering(
            n_clusters=None, metric="precomputed", linkage="average",
            distance_threshold=self.distance_threshold,
        ).fit_predict(dist)
        return labels if members is None else labels[members]

    def _micro(self, emb: np.ndarray) -> np.ndarray:
        from sklearn.cluster import MiniBatchKMeans

        n = len(emb)
        k = int(min(self.max_direct, max(50, n // self.micro_size)))
        km = MiniBatchKMeans(n_clusters=k, random_state=self.seed, batch_size=8192, n_init=1,
                             init="random", max_iter=20, max_no_improvement=5, reassignment_ratio=0.0)
        micro = km.fit_predict(emb)
        _, micro = np.unique(micro, return_inverse=True)  # drop empty clusters
        return micro.astype(int)


def _lexical_matrix(phrases: Sequence[Sequence[str]]):
    """Row-normalised TF-IDF of each row's phrases plus their content words (sparse)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    def analyse(row: Sequence[str]) -> list[str]:
        out = []
        for p in row:
            out.append(p)
            if " " in p:
                out.extend(wd for wd in p.split() if len(wd) > 2 and wd not in _LABEL_STOP)
        return out

    docs = [list(p) if p is not None else [] for p in phrases]
    if not any(docs):
        return None
    try:
        vec = TfidfVectorizer(analyzer=analyse, min_df=2, sublinear_tf=True, dtype=np.float32)
        return vec.fit_transform(docs)
    except ValueError:  # empty vocabulary
        return None


def _indicator(labels: np.ndarray, k: int):
    """Sparse k x n matrix whose row i averages the rows labelled i."""
    from scipy import sparse

    n = len(labels)
    counts = np.bincount(labels, minlength=k).astype(np.float32)
    data = 1.0 / counts[labels]
    return sparse.csr_matrix((data, (labels, np.arange(n))), shape=(k, n))


_LABEL_STOP = frozenset(
    "the a an and or but to of in on for with at by from as is are was were be been it this that "
    "we our us you your they them he she i my me not no so very just really".split()
)


@dataclass
class PhraseLabeller:
    """c-TF-IDF over extracted phrases: what a theme's sentences say more than others'."""

    n_words: int = 3

    def label(self, members: Sequence[Sequence[Sequence[str]]]) -> list[list[str]]:
        vocabulary = {p for cluster in members for phrases in cluster for p in phrases}
        per_cluster = [Counter(p for phrases in cluster for p in _with_subphrases(phrases, vocabulary))
                       for cluster in members]
        total: Counter = Counter()
        for c in per_cluster:
            total.update(c)
        avg = max(1.0, sum(total.values()) / max(1, len(per_cluster)))
        labels = []
        for counts, cluster in zip(per_cluster, members, strict=True):
            size = max(1, len(cluster))
            scored = sorted(
                (
                    (tf / size) * math.log(1 + avg / total[p]) * (1.15 if " " in p else 1.0),
                    p,
                )
                for p, tf in counts.items()
                if tf >= 2 or size < 4
            )
            labels.append(_distinct((phrase for _score, phrase in reversed(scored)), self.n_words))
        return labels


def _with_subphrases(phrases: Sequence[str], vocabulary: set[str]) -> set[str]:
    """A sentence's phrases plus their multi-word parts that are phrases elsewhere:
    "manual data entry" also counts as "data entry", so a theme's sentences agree on
    the phrase they share (but never as a fragment such as "manual data")."""
    out = set(phrases)
    for p in phrases:
        words = p.split()
        for n in range(2, len(words)):
            for i in range(len(words) - n + 1):
                part = " ".join(words[i:i + n])
                if part in vocabulary:
                    out.add(part)
    return out


@dataclass
class ThemeOptions:
    min_size: int = 5
    distance_threshold: float = 0.86
    lexical_weight: float = 0.25
    match_similarity: float = 0.8
    reassign_similarity: float = 0.5
    n_representative: int = 5
    seed: int = 0
    clusterer: str = "agglomerative"  # a name in callinsight.registry.clusterers
    labeller: str = "phrases"  # a name in callinsight.registry.labellers


@clusterers.register("agglomerative")
def _agglomerative(options: ThemeOptions) -> AgglomerativeClusterer:
    return AgglomerativeClusterer(options.distance_threshold, lexical_weight=options.lexical_weight,
                                  seed=options.seed)


@labellers.register("phrases")
def _phrase_labeller(options: ThemeOptions) -> PhraseLabeller:
    return PhraseLabeller()


@dataclass
class Theme:
    theme_id: str
    label: str
    top_phrases: list[str]
    members: np.ndarray  # row indices into the input
    representative: list[int]
    centroid: np.ndarray
    trend: str = "new"
    previous_n_quotes: int | None = None
    level: str = "theme"  # "broad" or "sub" in a theme tree
    parent_id: str = ""  # a sub-theme's broad theme
    act: str = ""  # what the customer does in the theme's sentences (see stages.analyse.acts)
    stability: float | None = None  # mean best Jaccard across subsamples
    curated: str = ""  # what a marketer's curation file changed

    @property
    def n_quotes(self) -> int:
        return len(self.members)


@dataclass
class ThemeResult:
    themes: list[Theme]
    assignment: np.ndarray  # theme index per row, -1 for outliers
    outlier_share: float = 0.0


def build_themes(
    vectors: np.ndarray,
    phrases: Sequence[Sequence[str]],
    *,
    previous: Sequence[dict] = (),
    used_ids: set[str] | None = None,
    options: ThemeOptions | None = None,
    clusterer: Clusterer | None = None,
    labeller: Labeller | None = None,
) -> ThemeResult:
    """Cluster sentence vectors into labelled themes with stable ids."""
    options = options or ThemeOptions()
    clusterer = clusterer or clusterers.get(options.clusterer)(options)
    labeller = labeller or labellers.get(options.labeller)(options)
    n = len(vectors)
    if n == 0:
        return ThemeResult([], np.zeros(0, dtype=int))
    vectors = _normalise(vectors)
    raw = np.asarray(_fit(clusterer, vectors, phrases))
    sizes = Counter(raw[raw >= 0].tolist())
    keep = sorted((c for c, s in sizes.items() if s >= options.min_size), key=lambda c: (-sizes[c], c))
    index = {c: i for i, c in enumerate(keep)}
    assign = np.array([index.get(c, -1) for c in raw], dtype=int)
    if keep:
        centroids = _normalise(np.vstack([vectors[assign == i].mean(axis=0) for i in range(len(keep))]))
        outliers = np.where(assign < 0)[0]
        if len(outliers):
            sims = vectors[outliers] @ centroids.T
            best = sims.argmax(axis=1)
            ok = sims[np.arange(len(outliers)), best] >= options.reassign_similarity
            assign[outliers[ok]] = best[ok]
        centroids = _normalise(np.vstack([vectors[assign == i].mean(axis=0) for i in range(len(keep))]))
    else:
        centroids = np.zeros((0, vectors.shape[1]), dtype=np.float32)
    members = [np.where(assign == i)[0] for i in range(len(keep))]
    labels = labeller.label([[phrases[j] for j in m] for m in members])
    themes = []
    for i, m in enumerate(members):
        sims = vectors[m] @ centroids[i]
        order = m[np.argsort(-sims, kind="stable")]
        top = labels[i] if labels[i] else _fallback_label(phrases, m)
        themes.append(
            Theme(
                theme_id="",
                label=", ".join(top) if top else f"theme {i + 1}",
                top_phrases=top,
                members=m,
                representative=[int(j) for j in order[: options.n_representative]],
                centroid=centroids[i],
            )
        )
    _assign_ids(themes, previous, used_ids or set(), options.match_similarity)
    return ThemeResult(themes, assign, outlier_share=float((assign < 0).mean()))


def _fit(clusterer, vectors: np.ndarray, phrases: Sequence[Sequence[str]]) -> np.ndarray:
    """Call the clusterer, passing phrases when it accepts them."""
    import inspect

    try:
        params = inspect.signature(clusterer.fit_predict).parameters
    except (TypeError, ValueError):
        params = {}
    if "phrases" in params:
        return clusterer.fit_predict(vectors, phrases=phrases)
    return clusterer.fit_predict(vectors)


def _assign_ids(themes: list[Theme], previous: Sequence[dict], used: set[str], min_sim: float) -> None:
    """Match to the previous run's themes (Hungarian on centroid similarity); new ids otherwise."""
    prev = [p for p in previous if p.get("centroid") is not None]
    if themes and prev:
        prev_centroids = _normalise(np.vstack([p["centroid"] for p in prev]))
        sims = np.vstack([t.centroid for t in themes]) @ prev_centroids.T
        rows, cols = linear_sum_assignment(-sims)
        for r, c in zip(rows, cols, strict=True):
            if sims[r, c] >= min_sim:
                t, p = themes[r], prev[c]
                t.theme_id = p["theme_id"]
                t.previous_n_quotes = int(p["n_quotes"])
                ratio = t.n_quotes / max(1, t.previous_n_quotes)
                t.trend = "growing" if ratio >= 1.2 else "shrinking" if ratio <= 0.8 else "stable"
    taken = set(used) | {p["theme_id"] for p in previous} | {t.theme_id for t in themes if t.theme_id}
    numbers = [int(m.group(1)) for tid in taken if (m := re.fullmatch(r"T(\d+)", tid))]
    next_no = max(numbers, default=0) + 1
    for t in themes:
        if not t.theme_id:
            t.theme_id = f"T{next_no:03d}"
            t.trend = "new"
            next_no += 1


def _fallback_label(phrases: Sequence[Sequence[str]], members: np.ndarray) -> list[str]:
    """The theme's most frequent phrases, none inside another."""
    counts = Counter(p for j in members for p in phrases[j])
    return _distinct((p for p, _ in counts.most_common()), 3)


def _distinct(ranked: Iterable[str], n: int) -> list[str]:
    """The first ``n`` phrases, best first, skipping any whose words lie inside an
    already chosen phrase or contain one ("hand marathon" vs "run first hand marathon";
    "rain" and "training" are different words and both stay)."""
    chosen: list[str] = []
    for phrase in ranked:
        if not any(f" {phrase} " in f" {c} " or f" {c} " in f" {phrase} " for c in chosen):
            chosen.append(phrase)
            if len(chosen) == n:
                break
    return chosen


def _normalise(x: np.ndarray, *, inplace: bool = False) -> np.ndarray:
    """Rows scaled to unit length; rows already unit length come back without a copy
    (sentence vectors usually are: at 500k sentences every copy is ~800 MB)."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1
    if np.allclose(norms, 1.0, atol=1e-5):
        return x
    if inplace and x.flags.writeable:
        x /= norms
        return x
    return x / norms
