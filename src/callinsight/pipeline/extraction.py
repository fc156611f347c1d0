"""Extraction of the calls whose utterances are missing or stale (incremental key)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

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


def make_extractor(settings: Settings) -> Extractor:
    embedder = get_embedder(settings.embedding_model, settings.embedding_backend)
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
