"""The run's steps as plain functions (the Prefect flow in ``flows/`` only wires them).

``process_call`` transcribes or imports one call unless the store already holds
its transcript for the same input key; ``extract_pending`` extracts the calls
whose utterances are missing or stale; ``publish`` writes every output file
atomically and replaces the output tables in the store in one transaction.
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .embed import get_embedder
from .extract import EXTRACTOR_VERSION, ExtractOptions, Extractor, ObjectionDetector, load_taxonomy
from .fsutil import atomic_write_text
from .insights import Insights
from .models import Call, CallStatus, Deal, InputError
from .readers import to_vtt
from .settings import Settings
from .store import Store
from .transcribe import import_transcript, input_key, transcribe_call, uses_transcript


class RunLockedError(InputError):
    """Another run holds the output folder."""


@contextmanager
def run_lock(out_dir: Path) -> Iterator[None]:
    """Refuse a second run on the same output folder while one is going."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / ".callinsight.lock"
    with open(path, "a+") as fh:
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
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


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


def process_call(call: Call, settings: Settings, store: Store, out_dir: Path) -> CallResult:
    """Transcribe (or import) one call into the store, unless its input is unchanged.

    Expected problems (bad audio, bad transcript, missing file) come back as a failed
    result with the reason; they never raise.
    """
    t0 = time.perf_counter()
    try:
        key = input_key(call, settings)
    except OSError as exc:
        path = call.transcript if uses_transcript(call, settings) else call.recording
        return CallResult(call.call_id, "failed", f"cannot read {path}: {exc.strerror or exc}")
    failure = store.failure(call.call_id)
    if failure and failure[0] == key:
        return CallResult(call.call_id, "failed", f"{failure[1]} (unchanged since the last run)")
    vtt_path = out_dir / "transcripts" / f"{call.call_id}.vtt"
    if store.current_cache_key(call.call_id) == key:
        store.update_call_meta(call)
        if not vtt_path.exists():
            _write_vtt(vtt_path, store, call.call_id)
        return CallResult(call.call_id, "cached", seconds=time.perf_counter() - t0)
    transcript = store.cached_transcript(key, call.call_id)
    status = "cached" if transcript is not None else "new"
    try:
        if transcript is None:
            transcript = (
                import_transcript(call, settings)
                if uses_transcript(call, settings)
                else transcribe_call(call, settings)
            )
    except InputError as exc:
        store.record_failure(call.call_id, key, str(exc))
        return CallResult(call.call_id, "failed", str(exc), time.perf_counter() - t0)
    except OSError:
        raise  # transient I/O: the task retries
    except Exception as exc:  # one bad call never sinks the run
        reason = f"unexpected {type(exc).__name__}: {exc}"
        store.record_failure(call.call_id, key, reason)
        return CallResult(call.call_id, "failed", reason, time.perf_counter() - t0)
    store.save_transcript(call, transcript, key)
    _write_vtt(vtt_path, store, call.call_id)
    return CallResult(call.call_id, status, seconds=time.perf_counter() - t0,
                      audio_seconds=transcript.duration or 0.0)


def _write_vtt(path: Path, store: Store, call_id: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, to_vtt(store.transcript(call_id)))


def extract_key(settings: Settings) -> str:
    """Changes when anything that shapes extraction changes."""
    taxonomy = Path(settings.objections_file).read_bytes() if Path(settings.objections_file).is_file() else b""
    import hashlib

    payload = json.dumps({
        "v": EXTRACTOR_VERSION, "spacy": settings.spacy_model, "emb": settings.embedding_model,
        "thr": settings.objection_threshold, "words": settings.phrase_max_words,
        "tax": hashlib.sha256(taxonomy).hexdigest(),
    }, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def pending_extraction(call_ids: Sequence[str], settings: Settings, store: Store) -> list[str]:
    key = extract_key(settings)
    return [c for c in call_ids if store.extract_key(c) != key]


def make_extractor(settings: Settings) -> Extractor:
    embedder = get_embedder(settings.embedding_model)
    detector = ObjectionDetector(load_taxonomy(settings.objections_file), embedder,
                                 settings.objection_threshold).fit()
    return Extractor(embedder, detector, ExtractOptions(spacy_model=settings.spacy_model,
                                                        phrase_max_words=settings.phrase_max_words))


def extract_pending(call_ids: Sequence[str], settings: Settings, store: Store, batch: int = 16) -> int:
    """Extract utterances for the given calls, a batch at a time; returns calls extracted."""
    if not call_ids:
        return 0
    key = extract_key(settings)
    extractor = make_extractor(settings)
    for i in range(0, len(call_ids), batch):
        chunk = call_ids[i : i + batch]
        rows = extractor.extract({c: store.transcript(c) for c in chunk})
        for call_id, call_rows in rows.items():
            store.save_utterances(call_id, key, call_rows)
    return len(call_ids)


@dataclass
class Outputs:
    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)


def csv_text(df: pd.DataFrame) -> str:
    """CSV with spreadsheet formula injection neutralised (cells starting = + - @)."""
    safe = df.copy()
    for col in safe.columns:
        if safe[col].dtype == object:
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
