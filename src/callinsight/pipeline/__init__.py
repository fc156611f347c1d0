"""The run's steps as plain functions; the Prefect flow in ``flows/`` only wires them.

- :mod:`.lock`: one run per output folder, run ids, stale temporary files;
- :mod:`.calls`: per call, check (store) -> transcribe (anywhere) -> finish (store);
- :mod:`.extraction`: phrases, objections and embeddings for new or stale calls;
- :mod:`.outputs`: the published tables and their CSVs;
- :mod:`.failures`: failed calls grouped by kind, and the error when no call could be processed;
- :mod:`.summary`: the run summary and what changed since the previous run.
"""

from callinsight.pipeline.calls import (
    CallResult,
    PendingCall,
    TranscribeOutcome,
    check_call,
    finish_call,
    process_call,
    transcribe_one,
    transient_failure,
)
from callinsight.pipeline.extraction import (
    ExtractBatch,
    ExtractionError,
    ExtractReport,
    extract_batch,
    extract_key,
    extract_pending,
    extraction_failure_key,
    finish_extraction,
    make_extractor,
    pending_extraction,
    save_batch,
)
from callinsight.pipeline.failures import FailureKind, NoCallProcessed, failure_kind, group_failures
from callinsight.pipeline.lock import LOCK_NAME, RunLockedError, new_run_id, remove_stale_temp_files, run_lock
from callinsight.pipeline.outputs import csv_text, deals_frame, output_tables, write_status, write_tables
from callinsight.pipeline.summary import compare_runs, run_summary, summary_markdown, theme_snapshot

__all__ = [
    "CallResult", "ExtractBatch", "ExtractReport", "ExtractionError", "FailureKind",
    "LOCK_NAME", "NoCallProcessed", "PendingCall", "RunLockedError", "TranscribeOutcome",
    "check_call", "compare_runs", "csv_text", "deals_frame", "extract_batch", "extract_key",
    "extract_pending", "extraction_failure_key", "failure_kind", "finish_call",
    "finish_extraction", "group_failures", "make_extractor", "new_run_id", "output_tables",
    "pending_extraction", "process_call", "remove_stale_temp_files", "run_lock", "run_summary",
    "save_batch", "summary_markdown", "theme_snapshot", "transcribe_one", "transient_failure",
    "write_status", "write_tables",
]
