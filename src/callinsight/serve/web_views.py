"""What the web pages show, read from one run's store: no HTTP, no templates here.

``RunStore`` caches, per state of ``insights.db``, the phrase index, a ``Snapshot`` of the
small tables every page needs, and the theme report's view model, which is built exactly
as the flow builds the report (``report_data`` + ``report_context``), so the Themes page
shows the run's own statistics settings, not those of whoever serves it.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from callinsight.serve.run_db import fingerprint, open_store, records
from callinsight.serve.search import PhraseIndex, QueryEncoder, cached_index
from callinsight.stages.report import report_context
from callinsight.stages.report.formatting import format_timestamp
from callinsight.stages.report.inputs import report_data

__all__ = ["AUDIO_TYPES", "REPORT_TABLES", "RunStore", "Snapshot", "build_report_context",
           "call_view", "input_roots", "load_snapshot", "recording_file"]

AUDIO_TYPES = {
    ".wav": "audio/wav", ".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".aac": "audio/aac",
    ".ogg": "audio/ogg", ".opus": "audio/ogg", ".oga": "audio/ogg", ".flac": "audio/flac",
    ".webm": "audio/webm",
}
# the published tables ``report_data`` reads (catalog names)
REPORT_TABLES = ("themes", "quotes", "objection_stats", "objections", "phrases",
                 "conversation_metrics", "calls_status", "deals", "handoff")
_CALL_COLUMNS = ["call_id", "deal_id", "rep", "started_at", "recording", "transcript", "source",
                 "duration"]


@dataclass
class Snapshot:
    """What the pages need from ``insights.db`` besides the phrase index (one store state)."""

    calls: dict[str, dict[str, Any]]
    deals: dict[str, dict[str, Any]]
    themes: dict[str, str]  # theme_id -> label
    summary: dict[str, Any]  # the last run's summary ({} before the first run)
    input_roots: list[Path]
    has_deals: bool
    _report: dict[str, Any] | None = field(default=None, repr=False)


def input_roots(summaries: list[dict[str, Any]], calls: dict[str, dict[str, Any]]) -> list[Path]:
    """Folders recordings may be served from: each run's manifest folder (``input_root`` in
    the run summaries), else the common parent of the stored recording/transcript paths."""
    roots: list[Path] = []
    for summary in summaries:
        root = summary.get("input_root")
        if root and Path(root).is_absolute():
            resolved = Path(root).resolve()
            if resolved not in roots:
                roots.append(resolved)
    if roots:
        return roots
    parents = [str(Path(p).parent) for c in calls.values() for p in (c.get("recording"),
               c.get("transcript")) if p and Path(p).is_absolute()]
    if not parents:
        return []
    common = Path(os.path.commonpath(parents)).resolve()
    return [] if common == Path(common.anchor) else [common]  # never the filesystem root


def load_snapshot(out_dir: Path) -> Snapshot:
    """The calls, deals, theme labels and last run summary of the store, read once."""
    store = open_store(out_dir)
    calls = {r["call_id"]: r for r in records(store.table("calls", _CALL_COLUMNS))}
    deals = {str(r["deal_id"]): r for r in records(store.table("deals"))}
    themes = {str(t): str(lbl) for t, lbl in
              store.table("themes", ["theme_id", "label"]).itertuples(index=False)}
    summary = store.last_run() or {}
    roots = input_roots(store.run_summaries(), calls)
    has_deals = bool(deals) or bool(summary.get("deals_csv"))
    return Snapshot(calls, deals, themes, summary, roots, has_deals)


def recording_file(snapshot: Snapshot, call_id: str) -> Path | None:
    """The call's recording, only if the call is in the store and its stored (absolute)
    recording path resolves to an audio file inside one of the run's input folders."""
    call = snapshot.calls.get(call_id)
    recording = call.get("recording") if call else None
    if not recording or not Path(recording).is_absolute():
        return None
    try:
        real = Path(recording).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if real.suffix.lower() not in AUDIO_TYPES or not real.is_file():
        return None
    if not any(real == root or root in real.parents for root in snapshot.input_roots):
        return None
    return real


def build_report_context(out_dir: Path, snap: Snapshot) -> dict[str, Any]:
    """The theme report's view model from the run's published tables and its summary: the
    same two calls the flow makes for ``report.html``, so both show the same numbers."""
    store = open_store(out_dir)
    tables = {name: store.table(name) for name in REPORT_TABLES}
    runs = store.recent_theme_runs(2)
    return report_context(report_data(tables, snap.summary, runs[1] if len(runs) > 1 else None))


class RunStore:
    """One output folder: cached phrase index, store snapshot and theme-report context,
    all reloaded when ``insights.db`` changes."""

    def __init__(self, out_dir: str | Path, encoder: QueryEncoder | None = None):
        self.out_dir = Path(out_dir)
        self.encoder = encoder
        self._lock = threading.Lock()
        self._snap: tuple[tuple, Snapshot] | None = None

    def index(self) -> PhraseIndex:
        return cached_index(self.out_dir, self.encoder)

    def snapshot(self) -> Snapshot:
        stamp = fingerprint(self.out_dir)
        with self._lock:
            if self._snap is None or self._snap[0] != stamp:
                self._snap = (stamp, load_snapshot(self.out_dir))
            return self._snap[1]

    def report_context(self) -> dict[str, Any]:
        snap = self.snapshot()
        with self._lock:
            if snap._report is None:
                snap._report = build_report_context(self.out_dir, snap)
            return snap._report

    def call(self, call_id: str) -> dict[str, Any] | None:
        """A call's transcript with roles, sentences, objection and theme highlights."""
        snap = self.snapshot()
        meta = snap.calls.get(call_id)
        if meta is None:
            return None
        store = open_store(self.out_dir)
        where, params = "call_id = ?", (call_id,)
        segs = store.table("segments", ["idx", "start", "end", "speaker", "text"], where=where,
                           params=params)
        utts = store.table("utterances", ["idx", "segment_idx", "speaker", "start", "end", "text",
                                          "objection"], where=where, params=params)
        assigned = store.table("sentence_themes", ["idx", "theme_id"], where=where, params=params)
        theme_of = {int(i): str(t) for i, t in assigned.itertuples(index=False)}
        return call_view(call_id, meta, snap, segs.sort_values("idx"), utts.sort_values("idx"),
                         theme_of)


def call_view(call_id: str, meta: dict[str, Any], snap: Snapshot, segs: pd.DataFrame,
              utts: pd.DataFrame, theme_of: dict[int, str]) -> dict[str, Any]:
    """The call page's view model; ``theme_of`` maps an utterance idx to its theme."""
    by_segment: dict[int, list[dict[str, Any]]] = {}
    anchors: set[int] = set()
    for u in records(utts):
        theme_id = theme_of.get(int(u["idx"]))
        second = int(u["start"])
        by_segment.setdefault(int(u["segment_idx"]), []).append({
            "text": u["text"], "start": float(u["start"]), "second": second,
            "anchor": second not in anchors, "objection": u["objection"],
            "theme_id": theme_id, "theme_label": snap.themes.get(theme_id, theme_id) if theme_id
            else None,
        })
        anchors.add(second)
    segments = []
    for s in records(segs):
        sentences = by_segment.get(int(s["idx"])) or [{
            "text": s["text"], "start": float(s["start"]), "second": int(s["start"]),
            "anchor": int(s["start"]) not in anchors, "objection": None, "theme_id": None,
            "theme_label": None}]
        anchors.add(int(s["start"]))
        speaker = str(s["speaker"]) if s["speaker"] in ("rep", "customer") else "unknown"
        segments.append({"speaker": speaker, "start": float(s["start"]),
                         "timestamp": format_timestamp(s["start"]), "sentences": sentences})
    sentences = [x for seg in segments for x in seg["sentences"]]
    themes: dict[str, dict[str, Any]] = {}
    for x in sentences:
        if x["theme_id"]:
            themes.setdefault(x["theme_id"], {"theme_id": x["theme_id"], "label": x["theme_label"],
                                              "count": 0, "second": x["second"]})["count"] += 1
    objections: dict[str, dict[str, Any]] = {}
    for x in sentences:
        if x["objection"]:
            objections.setdefault(x["objection"], {"category": x["objection"], "count": 0,
                                                   "second": x["second"]})["count"] += 1
    deal = snap.deals.get(str(meta.get("deal_id"))) if meta.get("deal_id") else None
    return {
        "call_id": call_id, "rep": meta.get("rep"), "started_at": meta.get("started_at"),
        "deal_id": meta.get("deal_id"), "outcome": (deal or {}).get("outcome"),
        "amount": (deal or {}).get("amount"), "duration": meta.get("duration"),
        "source": meta.get("source"), "has_audio": recording_file(snap, call_id) is not None,
        "segments": segments, "themes": list(themes.values()),
        "objections": list(objections.values()),
    }
