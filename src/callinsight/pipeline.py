"""The run's steps as plain functions (the Prefect flow in ``flows/`` only wires them).

Per call, a run goes through three steps so that the heavy one can run anywhere:

* ``check_call`` (in the flow's process, next to the store): hashes the input, and answers
  from the store when the call is unchanged (``cached``), failed before on the same input
  (``failed``), or its content was already transcribed under another id (``cached``);
  otherwise it returns a :class:`PendingCall`.
* ``transcribe_one`` (a thread or a Dask worker): the pure, expensive part. It never touches
  the store, so workers need only read access to the recordings.
* ``finish_call`` (back in the flow's process): saves the transcript in one transaction and
  writes the call's VTT, or records the failure with its reason.

``process_call`` chains the three for use without Prefect. ``extract_pending`` extracts the
calls whose utterances are missing or stale; ``write_tables`` writes every CSV atomically;
``run_lock`` keeps a second run off the same output folder; ``run_summary`` and
``summary_markdown`` describe a run and compare it with the previous one.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import json
import os
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from callinsight.contracts import Call, CallStatus, Deal, InputError, Transcript
from callinsight.settings import Settings
from callinsight.sources.readers import to_vtt
from callinsight.stages.analyse.insights import Insights
from callinsight.stages.embed import get_embedder
from callinsight.stages.extract import (
    EXTRACTOR_VERSION,
    ExtractOptions,
    Extractor,
    ObjectionDetector,
    load_taxonomy,
)
from callinsight.stages.transcribe import import_transcript, input_key, transcribe_call, uses_transcript
from callinsight.store.sqlite import Store
from callinsight.util.fsutil import atomic_write_text

LOCK_NAME = ".callinsight.lock"


# --- one run at a time per output folder ---------------------------------------------

class RunLockedError(InputError):
    """Another run holds the output folder."""


@contextmanager
def run_lock(out_dir: Path) -> Iterator[None]:
    """Refuse a second run on the same output folder while one is going.

    An exclusive ``flock`` on ``OUT/.callinsight.lock``: it holds across processes (and
    across threads, as every call opens the file anew), and the kernel releases it when
    the holder exits, even on SIGKILL, so a crashed run never blocks the next one. The
    folder must be on a filesystem with working ``flock`` (local disk; SQLite needs that too).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / LOCK_NAME
    with open(path, "a+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise RunLockedError(
                f"Another callinsight run ({holder}) is using {out_dir}. Wait for it to finish, "
                "or pass a different --out."
            ) from exc
        fh.seek(0)
        fh.truncate()
        started = datetime.now(UTC).isoformat(timespec="seconds")
        fh.write(f"pid {os.getpid()} on {socket.gethostname()}, started {started}")
        fh.flush()
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def remove_stale_temp_files(out_dir: Path) -> int:
    """Delete temporary files a killed run left behind (``.<name>.*.tmp`` from atomic writes).

    Call it only while holding :func:`run_lock`: then no other writer can own them.
    """
    removed = 0
    for folder in (out_dir, out_dir / "transcripts", out_dir / "runs"):
        if not folder.is_dir():
            continue
        for path in folder.glob(".*.tmp"):
            try:
                path.unlink()
                removed += 1
            except FileNotFoundError:
                pass
    return removed


def new_run_id(store: Store, now: datetime | None = None) -> str:
    """A UTC timestamp id (``20261124T020000Z``), suffixed when that second is taken.

    Ids sort in run order, which the theme history relies on.
    """
    base = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    taken = store.run_ids()
    run_id, n = base, 1
    while run_id in taken:
        run_id, n = f"{base}-{n}", n + 1
    return run_id


# --- per call: check, transcribe, finish -------------------------------------------

@dataclass
class CallResult:
    """What happened to one call in this run."""

    call_id: str
    status: str  # "new", "cached", "failed", "skipped"
    reason: str = ""
    seconds: float = 0.0
    audio_seconds: float = 0.0

    def as_status(self) -> CallStatus:
        if self.status in ("new", "cached"):
            return CallStatus(self.call_id, "ok", self.reason)
        return CallStatus(self.call_id, self.status, self.reason)  # type: ignore[arg-type]


@dataclass(frozen=True)
class PendingCall:
    """A call whose input (``key``) the store has no transcript for: it needs the work."""

    call: Call
    key: str


@dataclass
class TranscribeOutcome:
    """The result of ``transcribe_one``: a transcript, or the reason there is none."""

    call_id: str
    transcript: Transcript | None = None
    error: str = ""
    seconds: float = 0.0


def check_call(call: Call, settings: Settings, store: Store, out_dir: Path) -> CallResult | PendingCall:
    """Answer a call from the store when its input is unchanged; else say what work it needs.

    Cheap: reads the input once to hash it. A transcript cached under the same content
    (the same recording under another call id) is reused here without transcribing.
    """
    t0 = time.perf_counter()
    try:
        key = input_key(call, settings)
    except OSError as exc:  # not recorded: a missing or unreadable file is retried next run
        path = call.transcript if uses_transcript(call, settings) else call.recording
        return CallResult(call.call_id, "failed", f"cannot read {path}: {exc.strerror or exc}")
    failure = store.failure(call.call_id)
    if failure and failure[0] in (key, extraction_failure_key(key, settings)):
        return CallResult(call.call_id, "failed", f"{failure[1]} (unchanged since the last run)")
    vtt_path = out_dir / "transcripts" / f"{call.call_id}.vtt"
    if store.current_cache_key(call.call_id) == key:
        store.update_call_meta(call)
        if not vtt_path.exists():
            _write_vtt(vtt_path, store, call.call_id)
        return CallResult(call.call_id, "cached", seconds=time.perf_counter() - t0)
    transcript = store.cached_transcript(key, call.call_id)
    if transcript is not None:
        store.save_transcript(call, transcript, key)
        _write_vtt(vtt_path, store, call.call_id)
        return CallResult(call.call_id, "cached", seconds=time.perf_counter() - t0,
                          audio_seconds=transcript.duration or 0.0)
    return PendingCall(call, key)


def transcribe_one(call: Call, settings: Settings,
                   progress: Callable[[float], None] | None = None) -> TranscribeOutcome:
    """Transcribe (or import) one call. Pure: no store, safe on any worker.

    ``progress`` gets the seconds of audio done after each chunk of a recording.
    Bad input comes back as an outcome with the reason; ``OSError`` (a busy disk, a
    network share going away) is raised so the caller can retry.
    """
    t0 = time.perf_counter()
    try:
        transcript = (
            import_transcript(call, settings)
            if uses_transcript(call, settings)
            else transcribe_call(call, settings, progress=progress)
        )
    except InputError as exc:
        return TranscribeOutcome(call.call_id, error=str(exc), seconds=time.perf_counter() - t0)
    except OSError:
        raise
    except Exception as exc:  # one bad call never sinks the run
        return TranscribeOutcome(call.call_id, error=f"unexpected {type(exc).__name__}: {exc}",
                                 seconds=time.perf_counter() - t0)
    return TranscribeOutcome(call.call_id, transcript, seconds=time.perf_counter() - t0)


def finish_call(pending: PendingCall, outcome: TranscribeOutcome, store: Store, out_dir: Path) -> CallResult:
    """Save a transcript (one transaction) and its VTT, or record why there is none.

    A recorded failure is retried only when the call's input changes.
    """
    call_id = pending.call.call_id
    if outcome.transcript is None:
        store.record_failure(call_id, pending.key, outcome.error)
        return CallResult(call_id, "failed", outcome.error, outcome.seconds)
    store.save_transcript(pending.call, outcome.transcript, pending.key)
    _write_vtt(out_dir / "transcripts" / f"{call_id}.vtt", store, call_id)
    return CallResult(call_id, "new", seconds=outcome.seconds,
                      audio_seconds=outcome.transcript.duration or 0.0)


def transient_failure(pending: PendingCall, error: BaseException | str) -> CallResult:
    """A call whose work kept failing with I/O errors: failed now, not recorded, retried next run."""
    detail = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    return CallResult(pending.call.call_id, "failed", f"transient error, retried next run ({detail})")


def process_call(call: Call, settings: Settings, store: Store, out_dir: Path) -> CallResult:
    """check_call, transcribe_one and finish_call in one go (no Prefect needed)."""
    checked = check_call(call, settings, store, out_dir)
    if isinstance(checked, CallResult):
        return checked
    return finish_call(checked, transcribe_one(call, settings), store, out_dir)


def _write_vtt(path: Path, store: Store, call_id: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, to_vtt(store.transcript(call_id)))


# --- extraction ---------------------------------------------------------------------

class ExtractionError(RuntimeError):
    """Extraction failed for every call it was given: the environment, not the calls."""


@dataclass
class ExtractReport:
    extracted: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # call_id -> reason


def extract_key(settings: Settings) -> str:
    """Changes when anything that shapes extraction changes."""
    path = Path(settings.objections_file)
    taxonomy = path.read_bytes() if path.is_file() else b""
    payload = json.dumps({
        "v": EXTRACTOR_VERSION, "spacy": settings.spacy_model, "emb": settings.embedding_model,
        "thr": settings.objection_threshold, "words": settings.phrase_max_words,
        "tax": hashlib.sha256(taxonomy).hexdigest(),
    }, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def extraction_failure_key(input_key: str, settings: Settings) -> str:
    """What an extraction failure is recorded under: the call's input and the extractor's
    settings, so a changed taxonomy, model or extractor version retries the call."""
    return f"{input_key}|extract:{extract_key(settings)}"


def pending_extraction(call_ids: Sequence[str], settings: Settings, store: Store) -> list[str]:
    key = extract_key(settings)
    return [c for c in call_ids if store.extract_key(c) != key]


def make_extractor(settings: Settings) -> Extractor:
    embedder = get_embedder(settings.embedding_model)
    detector = ObjectionDetector(load_taxonomy(settings.objections_file), embedder,
                                 settings.objection_threshold).fit()
    return Extractor(embedder, detector, ExtractOptions(spacy_model=settings.spacy_model,
                                                        phrase_max_words=settings.phrase_max_words))


def extract_pending(call_ids: Sequence[str], settings: Settings, store: Store,
                    batch: int = 16) -> ExtractReport:
    """Extract utterances for the given calls, a batch at a time (each call saved in one
    transaction, so a kill loses at most the batch in progress).

    A batch that raises is retried call by call; a call that still fails is recorded as
    failed (retried when its input or the extraction settings change). If the extractor
    cannot be built, or every one of several calls fails, the problem is the environment:
    ``ExtractionError``.
    ``OSError`` propagates (transient; the task retries).
    """
    report = ExtractReport()
    if not call_ids:
        return report
    key = extract_key(settings)
    extractor = make_extractor(settings)
    for i in range(0, len(call_ids), batch):
        chunk = list(call_ids[i : i + batch])
        try:
            rows = extractor.extract({c: store.transcript(c) for c in chunk})
        except OSError:
            raise
        except Exception:
            rows = {}
            for call_id in chunk:
                try:
                    rows.update(extractor.extract({call_id: store.transcript(call_id)}))
                except OSError:
                    raise
                except Exception as exc:
                    report.failed[call_id] = f"extraction failed: {type(exc).__name__}: {exc}"
        for call_id, call_rows in rows.items():
            store.save_utterances(call_id, key, call_rows)
            report.extracted.append(call_id)
    if report.failed and not report.extracted and len(report.failed) > 1:
        first = next(iter(report.failed.values()))
        raise ExtractionError(f"Extraction failed for all {len(report.failed)} calls: {first}")
    for call_id, reason in report.failed.items():
        store.record_failure(call_id, extraction_failure_key(store.current_cache_key(call_id) or "",
                                                             settings), reason)
    return report


# --- outputs --------------------------------------------------------------------------

@dataclass
class Outputs:
    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)


def csv_text(df: pd.DataFrame) -> str:
    """CSV with spreadsheet formula injection neutralised (cells starting = + - @)."""
    safe = df.copy()
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col].dtype):
            safe[col] = safe[col].map(_neutralise)
    buf = io.StringIO()
    safe.to_csv(buf, index=False, quoting=csv.QUOTE_MINIMAL, float_format="%.6g")
    return buf.getvalue()


def _neutralise(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write_tables(out_dir: Path, statuses: Sequence[CallStatus], insights: Insights) -> dict[str, Path]:
    """Write the CSV outputs atomically; returns their paths."""
    tables = output_tables(statuses, insights)
    files = {}
    for name in ("calls_status", "phrases", "themes", "quotes", "objections"):
        path = out_dir / f"{name}.csv"
        atomic_write_text(path, csv_text(tables[name]))
        files[name] = path
    return files


DEAL_COLUMNS = ["deal_id", "outcome", "stage", "amount", "created_at", "closed_at"]


def deals_frame(deals: Mapping[str, Deal] | None) -> pd.DataFrame:
    rows = [
        {"deal_id": d.deal_id, "outcome": d.outcome, "stage": d.stage, "amount": d.amount,
         "created_at": d.created_at.isoformat() if d.created_at else None,
         "closed_at": d.closed_at.isoformat() if d.closed_at else None}
        for d in (deals or {}).values()
    ]
    return pd.DataFrame(rows, columns=DEAL_COLUMNS)


def output_tables(
    statuses: Sequence[CallStatus], insights: Insights, deals: Mapping[str, Deal] | None = None
) -> dict[str, pd.DataFrame]:
    """Every table the run publishes to insights.db (the CSVs are a subset)."""
    status_df = pd.DataFrame([s.__dict__ for s in statuses], columns=["call_id", "status", "reason"])
    return {
        "deals": deals_frame(deals),
        "calls_status": status_df,
        "phrases": insights.phrases,
        "themes": insights.themes,
        "quotes": insights.quotes,
        "objections": insights.objections,
        "objection_stats": insights.objection_stats,
        "conversation_metrics": insights.metrics,
        "call_metrics": insights.call_metrics,
    }


# --- run summary ------------------------------------------------------------------------

COUNT_COLUMNS = frozenset({"n_quotes", "previous_n_quotes", "n_deals"})


def _theme_rows(themes: pd.DataFrame, mask: pd.Series, columns: Sequence[str]) -> list[dict]:
    present = [c for c in columns if c in themes.columns]
    rows = themes.loc[mask, present].astype(object)
    records = rows.where(rows.notna(), None).to_dict("records")
    for record in records:
        for key in COUNT_COLUMNS & record.keys():
            if record[key] is not None:
                record[key] = int(record[key])
    return records


def theme_snapshot(themes: pd.DataFrame) -> list[dict]:
    """What the next run needs to compare against: id, label, size and direction per theme."""
    if themes.empty:
        return []
    return _theme_rows(themes, pd.Series(True, index=themes.index),
                       ["theme_id", "label", "n_quotes", "n_deals", "direction"])


def compare_runs(themes: pd.DataFrame, previous: Mapping | None,
                 previous_themes: Sequence[Mapping] = (), calls: int = 0) -> dict:
    """This run against the previous one: new, growing, shrinking and vanished themes,
    and themes whose win/loss direction changed.

    ``previous`` is the previous run's summary (None on the first run); ``previous_themes``
    its theme history (id, label, n_quotes); ``calls`` this run's call count. Themes keep
    their ids across runs when their centroids match (see ``themes``), which is what makes
    this comparison meaningful.
    """
    if previous is None:
        return {"previous_run": None, "new_themes": [], "growing_themes": [], "shrinking_themes": [],
                "gone_themes": [], "direction_changes": [], "calls_delta": None,
                "note": "First run on this output folder: nothing to compare with."}
    trend = themes["trend"] if "trend" in themes.columns else pd.Series("", index=themes.index)
    cols = ["theme_id", "label", "n_quotes", "previous_n_quotes", "direction"]
    current_ids = set(themes["theme_id"]) if "theme_id" in themes.columns else set()
    gone = [
        {"theme_id": t["theme_id"], "label": t.get("label"), "previous_n_quotes": int(t["n_quotes"])}
        for t in previous_themes if t["theme_id"] not in current_ids
    ]
    before = {t["theme_id"]: t.get("direction") for t in previous.get("theme_snapshot", [])}
    changes = []
    for row in theme_snapshot(themes):
        old = before.get(row["theme_id"])
        if row["theme_id"] in before and old != row.get("direction"):
            changes.append({"theme_id": row["theme_id"], "label": row.get("label"),
                            "before": old, "after": row.get("direction")})
    return {
        "previous_run": previous.get("run_id"),
        "new_themes": _theme_rows(themes, trend == "new", cols[:3] + ["direction"]),
        "growing_themes": _theme_rows(themes, trend == "growing", cols),
        "shrinking_themes": _theme_rows(themes, trend == "shrinking", cols),
        "gone_themes": gone,
        "direction_changes": changes,
        "calls_delta": calls - _int(previous, "calls"),
    }


def _int(mapping: Mapping, key: str) -> int:
    try:
        return int(mapping.get(key) or 0)
    except (TypeError, ValueError):
        return 0


def run_summary(
    *,
    run_id: str,
    started_at: str,
    statuses: Sequence[CallStatus],
    results: Sequence[CallResult],
    extract_report: ExtractReport,
    insights: Insights,
    previous: Mapping | None,
    previous_themes: Sequence[Mapping],
    durations: Mapping[str, float],
    inputs: Mapping[str, str | None],
    max_listed: int = 50,
) -> dict:
    """The run's summary (``OUT/runs/<run_id>.json`` and the runs table).

    Counts are per call: ``new`` (transcribed or imported this run), ``cached`` (reused
    from the store), ``failed`` (with reasons, manifest rows included) and ``skipped``.
    """
    by_status = Counter(s.status for s in statuses)
    by_result = Counter(r.status for r in results)
    comparison = compare_runs(insights.themes, previous, previous_themes, calls=len(statuses))
    failed = [{"call_id": s.call_id, "reason": s.reason} for s in statuses if s.status == "failed"]
    return {
        "run_id": run_id,
        "started_at": started_at,
        **inputs,
        "calls": len(statuses),
        "ok": by_status["ok"],
        "new": by_result["new"],
        "cached": by_result["cached"],
        "failed": by_status["failed"],
        "skipped": by_status["skipped"],
        "extracted": len(extract_report.extracted),
        "audio_seconds_transcribed": round(sum(r.audio_seconds for r in results if r.status == "new"), 1),
        "failed_calls": failed[:max_listed],
        "themes": len(insights.themes),
        "new_themes": [t["theme_id"] for t in comparison["new_themes"]],
        "growing_themes": [t["theme_id"] for t in comparison["growing_themes"]],
        "comparison": comparison,
        "theme_snapshot": theme_snapshot(insights.themes),
        "durations": {k: round(v, 3) for k, v in durations.items()},
    }


def summary_markdown(summary: Mapping) -> str:
    """The run summary as Markdown (the Prefect artifact)."""
    d = summary.get("durations", {})
    cmp_ = summary.get("comparison", {})
    lines = [
        f"# callinsight run {summary['run_id']}",
        "",
        "| calls | new | cached | failed | skipped | extracted | themes |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {summary['calls']} | {summary['new']} | {summary['cached']} | {summary['failed']} "
        f"| {summary['skipped']} | {summary['extracted']} | {summary['themes']} |",
        "",
        "**Stage durations (s):** " + ", ".join(f"{k} {v:.1f}" for k, v in d.items()),
        "",
    ]
    if summary.get("report"):
        lines += [f"**Report:** `{summary['report']}`", ""]
    if summary.get("failed_calls"):
        lines += [f"## Failed calls ({summary['failed']})", "", "| call | reason |", "| --- | --- |"]
        lines += [f"| {f['call_id']} | {_md(f['reason'])} |" for f in summary["failed_calls"]]
        lines.append("")
    lines.append("## Compared with the previous run")
    lines.append("")
    if not cmp_.get("previous_run"):
        lines += [cmp_.get("note", "First run: nothing to compare with."), ""]
        return "\n".join(lines)
    lines += [f"Previous run: {cmp_['previous_run']}; calls {cmp_.get('calls_delta', 0):+d}.", ""]
    sections = [
        ("New themes", cmp_.get("new_themes", []), lambda t: f"{t['n_quotes']} quotes"),
        ("Growing themes", cmp_.get("growing_themes", []),
         lambda t: f"{t['previous_n_quotes']} → {t['n_quotes']} quotes"),
        ("Shrinking themes", cmp_.get("shrinking_themes", []),
         lambda t: f"{t['previous_n_quotes']} → {t['n_quotes']} quotes"),
        ("Themes gone", cmp_.get("gone_themes", []), lambda t: f"had {t['previous_n_quotes']} quotes"),
        ("Direction changes", cmp_.get("direction_changes", []),
         lambda t: f"{t['before']} → {t['after']}"),
    ]
    for title, items, detail in sections:
        if not items:
            continue
        lines += [f"**{title}**", ""]
        lines += [f"- `{t['theme_id']}` {_md(str(t.get('label') or ''))}: {detail(t)}" for t in items]
        lines.append("")
    if not any(items for _, items, _ in sections):
        lines += ["No theme appeared, grew, shrank, vanished or changed direction.", ""]
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
