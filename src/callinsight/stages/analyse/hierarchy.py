"""Two-level themes: broad themes a marketer reads (at most ``max_broad``), sub-themes below.

Two facets. Topics: every sentence by what it is about, with turn-downs (declines, "we
don't need it") clustered apart from the rest, so an acceptance and a refusal of the same
offer never share a theme at either level. Acts: one broad theme per customer act (agrees,
declines, acknowledges the other side, asks for proof, puts it off, ...; see
`stages.analyse.acts`), its sub-themes the topics within the act. A sentence sits in one
topic theme and in the theme of each act it performs; chat is its own act. Within a group,
the configured clusterer makes sub-themes; their centres are grouped into broad themes
(about three sub-themes each, average linkage). Acts take one broad theme each and topics
share the rest of the budget, so a hundred small clusters never become a hundred tests
(see `stats.fdr.hierarchical_fdr`).

Ids: broad themes are ``T###``, sub-themes ``S###`` (their broad theme is ``parent_id``);
each level is matched to the previous run's themes of that level by centroid (Hungarian),
so ids survive from night to night, and a sub-theme keeps its id (and a marketer's
curation of it) when it moves to another broad theme.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from callinsight.stages.analyse.acts import STATEMENT
from callinsight.stages.analyse.themes import (
    Theme,
    ThemeOptions,
    _assign_ids,
    _fallback_label,
    _normalise,
    build_themes,
)

__all__ = ["ThemeTree", "build_theme_tree", "tree_memberships"]

SUBS_PER_BROAD = 3  # sub-themes per broad theme, on average
NEGATIVE = "negative"  # the topic facet of turn-downs: declines and "we do not need it"
NEGATIVE_ACTS = frozenset({"decline", "no_need"})
CHAT = "small_talk"


@dataclass
class ThemeTree:
    themes: list[Theme]  # broad themes first, then sub-themes
    row_theme: np.ndarray  # per row: index into ``themes`` of its finest theme, -1 outside any

    def broad(self) -> list[Theme]:
        return [t for t in self.themes if t.level == "broad"]


def tree_memberships(vectors: np.ndarray, phrases: Sequence[Sequence[str]], acts: Sequence[Sequence[str]],
                     options: ThemeOptions, max_broad: int) -> list[tuple[str, str, np.ndarray, int]]:
    """(act, level, member rows, broad group number) of every theme, without labels or ids.

    The part that `build_theme_tree` and the stability score both need.
    """
    rows_of: dict[str, list[int]] = {STATEMENT: [], NEGATIVE: []}  # the topic facet first
    for i, row_acts in enumerate(acts):
        if tuple(row_acts) == (CHAT,):
            rows_of.setdefault(CHAT, []).append(i)
            continue
        rows_of[NEGATIVE if NEGATIVE_ACTS & set(row_acts) else STATEMENT].append(i)
        for a in row_acts:
            if a != STATEMENT:
                rows_of.setdefault(a, []).append(i)
    groups = {a: np.asarray(r, dtype=np.int64) for a, r in rows_of.items()}
    groups = {a: rows for a, rows in groups.items() if len(rows) >= options.min_size}
    budget = _broad_budget({a: len(r) for a, r in groups.items()}, max_broad)
    out: list[tuple[str, str, np.ndarray, int]] = []
    opts = ThemeOptions(**{**options.__dict__})
    for act, rows in groups.items():
        sub = build_themes(vectors[rows], [phrases[i] for i in rows], options=opts)
        subs = [rows[t.members] for t in sub.themes]
        # a broad theme groups about SUBS_PER_BROAD sub-themes: a small corpus gets few broad
        # themes (each a real family to test), a large one up to the budget
        k = min(budget[act], max(1, len(subs) // SUBS_PER_BROAD))
        broad_of_sub = _group(np.vstack([t.centroid for t in sub.themes]), k) if subs else np.zeros(0, int)
        broad_members = _partition(vectors, rows, subs, broad_of_sub, k)
        for b, members in enumerate(broad_members):
            if not len(members):
                continue
            out.append((act, "broad", members, b))
            mine = [s for s, g in zip(subs, broad_of_sub.tolist(), strict=True) if g == b]
            if len(mine) > 1 or (mine and len(mine[0]) < len(members) * 0.8):
                out.extend((act, "sub", s, b) for s in mine)
    return out


def build_theme_tree(
    vectors: np.ndarray,
    phrases: Sequence[Sequence[str]],
    acts: Sequence[Sequence[str]],
    *,
    act_label: Callable[[str], str],
    labeller,
    previous: Sequence[dict] = (),
    used_ids: set[str] | None = None,
    options: ThemeOptions | None = None,
    max_broad: int = 25,
) -> ThemeTree:
    """Broad themes and sub-themes of the rows, labelled, with ids matched to ``previous``."""
    options = options or ThemeOptions()
    n = len(vectors)
    if n == 0:
        return ThemeTree([], np.zeros(0, dtype=int))
    vectors = _normalise(vectors)
    parts = tree_memberships(vectors, phrases, acts, options, max_broad)
    labels = labeller.label([[phrases[j] for j in m] for _, _, m, _ in parts]) if parts else []
    themes: list[Theme] = []
    broad_index: dict[tuple[str, int], int] = {}
    for (act, level, members, b), top in zip(parts, labels, strict=True):
        centroid = _normalise(vectors[members].mean(axis=0, keepdims=True))[0]
        order = members[np.argsort(-(vectors[members] @ centroid), kind="stable")]
        top = list(top) or _fallback_label(phrases, members)  # no distinctive phrase: the most frequent
        words = ", ".join(top) if top else ""
        label = words if act == STATEMENT else f"{act_label(act)}: {words}" if words else act_label(act)
        themes.append(Theme(theme_id="", label=label or "theme", top_phrases=list(top), members=members,
                            representative=[int(j) for j in order[: options.n_representative]],
                            centroid=centroid, level=level, act=act))
        if level == "broad":
            broad_index[(act, b)] = len(themes) - 1
        else:
            themes[-1].parent_id = str(broad_index[(act, b)])  # resolved to an id below
    broad = [t for t in themes if t.level == "broad"]
    _assign_ids(broad, [p for p in previous if not _is_sub(p["theme_id"])],
                {u for u in (used_ids or set()) if not _is_sub(u)}, options.match_similarity)
    for t in themes:
        if t.level == "sub":
            t.parent_id = themes[int(t.parent_id)].theme_id
    _assign_sub_ids([t for t in themes if t.level == "sub"],
                    [p for p in previous if _is_sub(p["theme_id"])], used_ids or set(),
                    options.match_similarity)
    row_theme = np.full(n, -1, dtype=int)
    primary = [a[0] for a in acts]
    for i, t in enumerate(themes):  # a row's first act; a sub-theme overrides its broad theme
        rows = t.members[np.array([primary[j] == t.act for j in t.members], dtype=bool)]
        row_theme[rows] = i
    return ThemeTree(themes, row_theme)


def _broad_budget(sizes: dict[str, int], max_broad: int) -> dict[str, int]:
    """One broad theme per act (the act is what a marketer reads: "customers who decline");
    the topic facet (every sentence by topic, refusals apart) shares the rest of
    ``max_broad`` by size."""
    budget = {a: 1 for a in sizes}
    topics = [a for a in (STATEMENT, NEGATIVE) if a in sizes]
    left = max(len(topics), max_broad - (len(sizes) - len(topics)))
    total = sum(sizes[a] for a in topics) or 1
    for a in topics:
        budget[a] = max(1, int(round(left * sizes[a] / total)))
    return budget


def _group(centroids: np.ndarray, k: int) -> np.ndarray:
    """Sub-theme centres into ``k`` groups (average linkage on cosine distance)."""
    if k <= 1 or len(centroids) <= k:
        return np.zeros(len(centroids), dtype=int) if k <= 1 else np.arange(len(centroids))
    from sklearn.cluster import AgglomerativeClustering

    c = _normalise(centroids)
    c = _normalise(c - c.mean(axis=0, keepdims=True))
    return AgglomerativeClustering(n_clusters=k, metric="cosine", linkage="average").fit_predict(c)


def _partition(vectors: np.ndarray, rows: np.ndarray, subs: list[np.ndarray], group: np.ndarray,
               k: int) -> list[np.ndarray]:
    """Every row of the act in one broad group: its sub-theme's group, else the nearest group."""
    if not subs:
        return [rows]
    owner = np.full(len(vectors), -1, dtype=int)
    for s, g in zip(subs, group.tolist(), strict=True):
        owner[s] = g
    centres = _normalise(np.vstack([vectors[owner == g].mean(axis=0) for g in range(k)]))
    rest = rows[owner[rows] < 0]
    if len(rest):
        owner[rest] = (vectors[rest] @ centres.T).argmax(axis=1)
    return [rows[owner[rows] == g] for g in range(k)]


def _is_sub(theme_id: str) -> bool:
    return bool(re.fullmatch(r"S\d+", theme_id or ""))


def _assign_sub_ids(subs: list[Theme], previous: Sequence[dict], used: set[str], min_sim: float) -> None:
    """``S###`` ids: a sub-theme keeps the id of the previous sub-theme it matches."""
    prev = [p for p in previous if p.get("centroid") is not None]
    if subs and prev:
        sims = np.vstack([t.centroid for t in subs]) @ _normalise(np.vstack([p["centroid"] for p in prev])).T
        for r, c in zip(*linear_sum_assignment(-sims), strict=True):
            if sims[r, c] >= min_sim:
                subs[r].theme_id = prev[c]["theme_id"]
                subs[r].previous_n_quotes = int(prev[c]["n_quotes"])
                ratio = subs[r].n_quotes / max(1, subs[r].previous_n_quotes)
                subs[r].trend = "growing" if ratio >= 1.2 else "shrinking" if ratio <= 0.8 else "stable"
    taken = {t.theme_id for t in subs} | {p["theme_id"] for p in prev} | set(used)
    next_no = max((int(t[1:]) for t in taken if _is_sub(t)), default=0) + 1
    for t in subs:
        if not t.theme_id:
            t.theme_id = f"S{next_no:03d}"
            t.trend = "new"
            next_no += 1
