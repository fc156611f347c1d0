"""Extraction of the calls whose utterances are missing or stale (incremental key)."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from callinsight.contracts import Segment
from callinsight.settings import Settings
from callinsight.stages.embed import get_embedder
from callinsight.stages.extract import (
    EXTRACTOR_VERSION,
    ExtractOptions,
    Extractor,
    ObjectionDetector,
    load_taxonomy,
)
from callinsight.store.sqlite import Store

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
    parts = {
        "v": EXTRACTOR_VERSION, "spacy": settings.spacy_model, "emb": settings.embedding_model,
        "thr": settings.objection_threshold, "words": settings.phrase_max_words,
        "tax": hashlib.sha256(taxonomy).hexdigest(),
    }
    if settings.embedding_backend != "sentence-transformers":  # keeps existing stores' keys
        parts["backend"] = settings.embedding_backend
    payload = json.dumps(parts, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def extraction_failure_key(input_key: str, settings: Settings) -> str:
    """What an extraction failure is recorded under: the call's input and the extractor's
    settings, so a changed taxonomy, model or extractor version retries the call."""
    return f"{input_key}|extract:{extract_key(settings)}"


def pending_extraction(call_ids: Sequence[str], settings: Settings, store: Store) -> list[str]:
    key = extract_key(settings)
    return [c for c in call_ids if store.extract_key(c) != key]


_EXTRACTORS: dict[str, Extractor] = {}
BATCHES_RUN = 0  # batches this process extracted (a Dask worker's share of a run)
_EXTRACTORS_LOCK = threading.Lock()


def make_extractor(settings: Settings) -> Extractor:
    """The extractor for these settings, built once per process (a thread pool shares it,
    each Dask worker builds its own on its first batch)."""
    key = extract_key(settings)
    with _EXTRACTORS_LOCK:
        extractor = _EXTRACTORS.get(key)
        if extractor is None:
            embedder = get_embedder(settings.embedding_model, settings.embedding_backend)
            detector = ObjectionDetector(load_taxonomy(settings.objections_file), embedder,
                                         settings.objection_threshold).fit()
            extractor = _EXTRACTORS[key] = Extractor(
                embedder, detector, ExtractOptions(spacy_model=settings.spacy_model,
                                                   phrase_max_words=settings.phrase_max_words))
    return extractor


@dataclass
class ExtractBatch:
    """What one batch of calls gave: utterance rows per call, and the calls that failed."""

    rows: dict[str, list[dict]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # call_id -> reason

    @property
    def n_sentences(self) -> int:
        return sum(1 for rows in self.rows.values() for r in rows if r["embedding"] is not None)


def extract_batch(transcripts: Mapping[str, Sequence[Segment]], settings: Settings) -> ExtractBatch:
    """Extract a batch of calls; touches no store, so it runs on a thread or a Dask worker.

    A batch that raises is retried call by call; a call that still fails is reported in
    ``failed``. ``OSError`` propagates (transient; the task retries), and so does an
    extractor that cannot be built (the environment, not the calls).
    """
    global BATCHES_RUN
    extractor = make_extractor(settings)
    BATCHES_RUN += 1
    try:
        return ExtractBatch(rows=extractor.extract(transcripts))
    except OSError:
        raise
    except Exception:
        batch = ExtractBatch()
        for call_id, segments in transcripts.items():
            try:
                batch.rows.update(extractor.extract({call_id: segments}))
            except OSError:
                raise
            except Exception as exc:
                batch.failed[call_id] = f"extraction failed: {type(exc).__name__}: {exc}"
        return batch


def save_batch(batch: ExtractBatch, settings: Settings, store: Store, report: ExtractReport) -> None:
    """Store a batch's rows in one transaction (the flow's process only) and count it."""
    store.save_utterances_many(extract_key(settings), batch.rows)
    report.extracted.extend(batch.rows)
    report.failed.update(batch.failed)


def finish_extraction(report: ExtractReport, settings: Settings, store: Store) -> ExtractReport:
    """Record the failed calls (retried when their input or the extraction settings change);
    every one of several calls failing is the environment: ``ExtractionError``."""
    if report.failed and not report.extracted and len(report.failed) > 1:
        first = next(iter(report.failed.values()))
        raise ExtractionError(f"Extraction failed for all {len(report.failed)} calls: {first}")
    for call_id, reason in report.failed.items():
        store.record_failure(call_id, extraction_failure_key(store.current_cache_key(call_id) or "",
                                                             settings), reason)
    return report


def extract_pending(call_ids: Sequence[str], settings: Settings, store: Store,
                    batch: int | None = None, workers: int = 1,
                    progress: Callable[[int, int], None] | None = None) -> ExtractReport:
    """Extract utterances for the given calls in this process, ``batch`` calls at a time
    (default ``settings.batch_calls``), each batch saved in one transaction so a
    kill loses at most the batches in progress. ``workers`` threads overlap one batch's
    parse with another's encoding. The flow fans the same batches out on its task runner.
    ``progress(done_calls, total_calls)`` is called after each saved batch.
    """
    size = max(1, batch or settings.batch_calls)
    chunks = [list(call_ids[i:i + size]) for i in range(0, len(call_ids), size)]
    report = ExtractReport()
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        window: deque = deque()
        for chunk in chunks:
            window.append((chunk, pool.submit(extract_batch, {c: store.transcript(c) for c in chunk},
                                              settings)))
            if len(window) > max(1, workers):
                _save_next(window, settings, store, report, progress, len(call_ids))
        while window:
            _save_next(window, settings, store, report, progress, len(call_ids))
    return finish_extraction(report, settings, store)


def _save_next(window: deque, settings: Settings, store: Store, report: ExtractReport,
               progress: Callable[[int, int], None] | None, total: int) -> None:
    chunk, future = window.popleft()
    save_batch(future.result(), settings, store, report)
    if progress is not None:
        progress(len(report.extracted) + len(report.failed), total)
