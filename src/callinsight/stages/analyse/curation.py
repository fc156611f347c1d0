"""A marketer's decisions about themes, kept across nightly runs.

``curation.yaml`` (the ``curation_file`` setting; by default ``<out>/curation.yaml``)::

    themes:
      T003: {label: "Customers who understand our constraints"}
      T007: {merge_into: T003}      # T007's sentences join T003; T007 disappears
      T012: {content: false}        # not content: kept apart in the report, like small talk

Decisions are keyed by theme id, and ids survive reruns (centroid matching), so the next
run applies the same decisions to the same themes. Unknown ids are reported, not errors:
a theme can fade from the corpus.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from callinsight.contracts import InputError
from callinsight.settings import read_yaml
from callinsight.stages.analyse.themes import Theme, _normalise

__all__ = ["Curation", "apply_curation", "load_curation"]


@dataclass(frozen=True)
class Curation:
    labels: dict[str, str] = field(default_factory=dict)
    merges: dict[str, str] = field(default_factory=dict)  # source id -> target id
    not_content: frozenset[str] = frozenset()


def load_curation(path: str | Path | None) -> Curation:
    """The curation file's decisions; no file means no decisions."""
    if path is None or not Path(path).exists():
        return Curation()
    path = Path(path)
    data = read_yaml(path, "Curation file", "curation_file") or {}
    themes = data.get("themes", {}) if isinstance(data, dict) else None
    if not isinstance(themes, dict):
        raise InputError(f"Curation file {path} needs a 'themes:' mapping of theme id: decisions.")
    labels, merges, not_content = {}, {}, set()
    for tid, spec in themes.items():
        if not isinstance(spec, dict):
            raise InputError(f"Curation file {path}: theme {tid!r} needs a mapping such as {{label: ...}}.")
        unknown = set(spec) - {"label", "merge_into", "content"}
        if unknown:
            raise InputError(f"Curation file {path}: theme {tid!r} has unknown key(s) {sorted(unknown)}; "
                             "use label, merge_into or content.")
        if spec.get("label"):
            labels[str(tid)] = str(spec["label"])
        if spec.get("merge_into"):
            merges[str(tid)] = str(spec["merge_into"])
        if spec.get("content") is False:
            not_content.add(str(tid))
    return Curation(labels, merges, frozenset(not_content))


def apply_curation(themes: list[Theme], vectors: np.ndarray,
                   curation: Curation) -> tuple[list[Theme], list[str]]:
    """Themes after merges, renames and not-content marks, and notes on decisions not applied."""
    by_id = {t.theme_id: t for t in themes}
    notes = []
    merged: dict[str, str] = {}
    for source, target in curation.merges.items():
        s, t = by_id.get(source), by_id.get(_final(target, curation.merges))
        if s is None or t is None or s is t:
            notes.append(f"Curation: cannot merge {source} into {target} (not both in this run).")
            continue
        t.members = np.union1d(t.members, s.members)
        t.centroid = _normalise(vectors[t.members].mean(axis=0, keepdims=True))[0]
        t.curated = "; ".join(filter(None, [t.curated, f"merged {source}"]))
        merged[source] = t.theme_id
    kept = [t for t in themes if t.theme_id not in merged]
    for t in kept:  # a merged broad theme's sub-themes move under the theme it joined
        if t.parent_id in merged:
            t.parent_id = merged[t.parent_id]
    for t in kept:
        if t.theme_id in curation.labels:
            t.label = curation.labels[t.theme_id]
            t.curated = "; ".join(filter(None, [t.curated, "renamed"]))
        if t.theme_id in curation.not_content:
            t.curated = "; ".join(filter(None, [t.curated, "not content"]))
    missing = (set(curation.labels) | curation.not_content) - set(by_id)
    if missing:
        notes.append(f"Curation: theme(s) {', '.join(sorted(missing))} are not in this run.")
    return kept, notes


def _final(tid: str, merges: dict[str, str]) -> str:
    seen = set()
    while tid in merges and tid not in seen:
        seen.add(tid)
        tid = merges[tid]
    return tid
