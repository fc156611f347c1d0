"""The nightly Prefect flow: wires callinsight's stages as tasks, and nothing else.

Every stage is a plain function in ``callinsight``; this file adds retries, logging,
concurrency (threads or Dask for the transcription and extraction fan-outs) and artifacts. Importing it
loads no settings and no model: ``nightly_insights`` runs on threads, and
``with_task_runner(settings)`` gives the same flow on the runner the settings ask for
(``callinsight run`` uses it; deployments load ``flows/deployment.py``, which does the same
from the worker's ``CALLINSIGHT_*`` environment).
"""

from __future__ import annotations

import json
import os
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pandas as pd  # noqa: E402
from prefect import Flow, flow, get_run_logger, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact, create_table_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.context import FlowRunContext  # noqa: E402
from prefect.futures import as_completed  # noqa: E402
from prefect.states import Failed, State  # noqa: E402
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner  # noqa: E402

from callinsight.contracts import Call, CallStatus, InputError, Segment  # noqa: E402
from callinsight.pipeline import (  # noqa: E402
    CallResult,
    ExtractBatch,
    ExtractReport,
    NoCallProcessed,
    PendingCall,
    TranscribeOutcome,
    check_call,
    extract_batch,
    finish_call,
    finish_extraction,
    group_failures,
    new_run_id,
    output_tables,
    pending_extraction,
    remove_stale_temp_files,
    run_lock,
    run_summary,
    save_batch,
    summary_markdown,
    transcribe_one,
    transient_failure,
    write_status,
    write_tables,
)
from callinsight.registry import load_plugins  # noqa: E402
from callinsight.settings import Settings, load_settings  # noqa: E402
from callinsight.sources.manifest import (  # noqa: E402
    DealTable,
    Manifest,
    load_calls,
    note_unknown_deals,
    read_deals,
)
from callinsight.stages.analyse.insights import Insights, analysed_speakers, build_insights  # noqa: E402
from callinsight.stages.analyse.smalltalk import example_vectors, load_small_talk  # noqa: E402
from callinsight.stages.report import write_report  # noqa: E402
from callinsight.stages.report.inputs import report_data  # noqa: E402
from callinsight.stages.transcribe import uses_transcript  # noqa: E402
from callinsight.store.sqlite import Store  # noqa: E402
from callinsight.util.fsutil import atomic_write_text  # noqa: E402
from callinsight.util.progress import ProgressBar  # noqa: E402


def _transient(task, task_run, state) -> bool:
    """Retry only on I/O errors (network shares, busy disks), not on bad input."""
    try:
        state.result()
    except OSError:
        return True
    except Exception:
        return False
    return False


@task(name="ingest", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2,
      retry_condition_fn=_transient)
def ingest_task(calls: str, deals: str | None, allowed_roots: tuple[str, ...] = (),
                out: str | None = None) -> tuple[Manifest, DealTable | None]:
    """``calls``: calls.csv, or a folder of recordings and transcripts (``out`` is not scanned)."""
    logger = get_run_logger()
    manifest = load_calls(calls, allowed_roots=tuple(Path(r) for r in allowed_roots),
                          skip=(Path(out),) if out else ())
    table = read_deals(deals) if deals else None
    logger.info("Read %d calls (%d bad rows) from %s", len(manifest.calls), len(manifest.statuses), calls)
    for warning in manifest.warnings + (table.warnings if table else []):
        logger.warning(warning)
    return manifest, table


@task(name="transcribe", task_run_name="transcribe-{call.call_id}", cache_policy=NO_CACHE,
      retries=2, retry_delay_seconds=3, retry_condition_fn=_transient)
def transcribe_task(call: Call, settings: Settings) -> TranscribeOutcome:
    """Runs on a thread or a Dask worker; the flow's process saves the result."""
    logger = get_run_logger()

    def progress(seconds: float) -> None:  # after each chunk: only long recordings log
        if seconds >= settings.chunk_seconds:
            logger.info("Call %s: %.1f min of audio transcribed so far", call.call_id, seconds / 60)

    outcome = transcribe_one(call, settings, progress=progress)
    if outcome.error:
        get_run_logger().warning("Call %s failed: %s", call.call_id, outcome.error)
    return outcome


@task(name="import", task_run_name="import-{label}", cache_policy=NO_CACHE)
def import_task(calls: list[Call], settings: Settings, label: str) -> list[TranscribeOutcome | OSError]:
    """Imports a batch of existing transcripts (a task per call would cost the orchestration
    more than the work); runs on a thread or a Dask worker, the flow's process saves them.
    An I/O error is retried per call (twice), so one flaky file never fails its batch; a
    call whose error persists comes back as the error (a transient failure)."""
    outcomes: list[TranscribeOutcome | OSError] = []
    for call in calls:
        for attempt in range(3):
            try:
                outcome = transcribe_one(call, settings)
                break
            except OSError as exc:
                outcome = exc
                time.sleep(IMPORT_RETRY_DELAY * (attempt < 2))
        if isinstance(outcome, TranscribeOutcome) and outcome.error:
            get_run_logger().warning("Call %s failed: %s", outcome.call_id, outcome.error)
        outcomes.append(outcome)
    return outcomes


IMPORT_RETRY_DELAY = 1.0  # seconds between tries of a transcript file that gave an I/O error


@task(name="extract", task_run_name="extract-{label}", cache_policy=NO_CACHE, retries=1,
      retry_condition_fn=_transient)
def extract_task(transcripts: dict[str, list[Segment]], settings: Settings, label: str) -> ExtractBatch:
    """Runs on a thread or a Dask worker (models built once per process); the flow's
    process saves the rows."""
    batch = extract_batch(transcripts, settings)
    for call_id, reason in batch.failed.items():
        get_run_logger().warning("Call %s: %s", call_id, reason)
    return batch


@task(name="analyse", cache_policy=NO_CACHE)
def analyse_task(call_ids: list[str], deals: DealTable | None, settings: Settings,
                 store_path: str) -> Insights:
    store = Store(store_path)
    _, previous = store.previous_themes()
    if settings.curation_file is None:  # a marketer's decisions live beside the outputs by default
        settings = settings.replace(curation_file=Path(store_path).parent / "curation.yaml")
    logger = get_run_logger()
    bar = ProgressBar(len(settings.analyses), "analyse")

    def progress(done: int, total: int, name: str, seconds: float) -> None:
        bar.update(done, name)
        logger.info("Analysis progress: %s done in %.1f s (%d/%d)", name, seconds, done, total)

    insights = build_insights(
        store.utterances(call_ids, speakers=analysed_speakers(settings)),
        store.segments_frame(call_ids),
        deals.deals if deals else None,
        settings,
        previous_themes=previous,
        used_theme_ids=store.all_theme_ids(),
        small_talk_vectors=example_vectors(load_small_talk(settings.small_talk_file),
                                           settings.embedding_model, store,
                                           backend=settings.embedding_backend),
        progress=progress,
    )
    logger.info("%d themes, %d tested phrases, %d objections", len(insights.themes),
                int(insights.phrases["tested"].fillna(False).astype(bool).sum()),
                len(insights.objections))
    return insights


@task(name="report", cache_policy=NO_CACHE, retries=1, retry_condition_fn=_transient)
def report_task(tables: dict[str, pd.DataFrame], insights: Insights, statuses: list[CallStatus],
                run: dict, out_dir: str, previous_run: str | None) -> dict[str, str]:
    out = Path(out_dir)
    files = write_tables(out, statuses, insights)
    html_path, md_path = write_report(report_data(tables, run, previous_run), out)
    files.update(report_html=html_path, report_md=md_path)
    return {k: str(v) for k, v in files.items()}


@task(name="publish", cache_policy=NO_CACHE, retries=1, retry_condition_fn=_transient)
def publish_task(tables: dict[str, pd.DataFrame], insights: Insights, out_dir: str, store_path: str,
                 summary: dict) -> str:
    """The store's output tables, sentence themes and run record in one transaction, then
    runs/<run_id>.json."""
    Store(store_path).publish(summary["run_id"], tables, insights.theme_records, summary,
                              sentence_themes=insights.sentence_themes)
    runs_dir = Path(out_dir) / "runs"
    runs_dir.mkdir(exist_ok=True)
    path = runs_dir / f"{summary['run_id']}.json"
    atomic_write_text(path, json.dumps(summary, indent=2, default=str))
    return str(path)


@contextmanager
def _timed(durations: dict[str, float], stage: str) -> Iterator[None]:
    t0 = time.perf_counter()
    try:
        yield
    finally:
        durations[stage] = round(time.perf_counter() - t0, 3)


def _transcribe_all(checked: dict[str, CallResult | PendingCall], settings: Settings,
                    store: Store, out_dir: Path) -> dict[str, CallResult]:
    """Fan the pending calls out on the task runner; save each result as soon as it lands,
    so a run killed halfway keeps every call finished before the kill."""
    logger = get_run_logger()
    results = {cid: r for cid, r in checked.items() if isinstance(r, CallResult)}
    pending = [p for p in checked.values() if isinstance(p, PendingCall)]
    failed = sum(r.status == "failed" for r in results.values())
    logger.info("%d call(s) to transcribe or import, %d answered from the store, %d unreadable or "
                "unchanged since they failed", len(pending), len(results) - failed, failed)
    imports = [p for p in pending if uses_transcript(p.call, settings)]
    imported = {p.call.call_id for p in imports}
    size = max(1, settings.batch_calls)
    futures: dict = {transcribe_task.submit(p.call, settings): [p] for p in pending
                     if p.call.call_id not in imported}
    for i in range(0, len(imports), size):
        chunk = imports[i:i + size]
        futures[import_task.submit([p.call for p in chunk], settings, _batch_label(
            [p.call.call_id for p in chunk]))] = chunk
    bar = ProgressBar(len(pending), "transcribe")
    audio_minutes, done, logged = 0.0, 0, 0
    for fut in as_completed(list(futures)):
        chunk = futures[fut]
        try:
            outcomes = fut.result()
        except Exception as exc:  # retries exhausted on I/O errors, or a crashed worker
            for p in chunk:
                logger.warning("Call %s: %s", p.call.call_id, exc)
                results[p.call.call_id] = transient_failure(p, exc)
        else:
            for p, outcome in zip(chunk, outcomes if isinstance(outcomes, list) else [outcomes],
                                  strict=True):
                if isinstance(outcome, OSError):
                    logger.warning("Call %s: %s", p.call.call_id, outcome)
                    results[p.call.call_id] = transient_failure(p, outcome)
                else:
                    results[p.call.call_id] = finish_call(p, outcome, store, out_dir, settings)
        done += len(chunk)
        audio_minutes += sum(results[p.call.call_id].audio_seconds for p in chunk) / 60
        bar.update(done, f"{audio_minutes:.1f} min of audio")
        if done - logged >= 5 or done == len(pending):
            logged = done
            logger.info("Transcription progress: %d/%d calls", done, len(pending))
    return results


def _extract_all(call_ids: list[str], settings: Settings, store: Store) -> ExtractReport:
    """Fan batches of calls out on the task runner, a few in flight at a time (transcripts
    are read from the store as batches are submitted, rows saved as batches land)."""
    logger = get_run_logger()
    report = ExtractReport()
    if not call_ids:
        return report
    size = max(1, settings.batch_calls)
    todo = deque(call_ids[i:i + size] for i in range(0, len(call_ids), size))
    n_batches, window = len(todo), max(2, 2 * settings.workers)
    logger.info("%d call(s) to extract in %d batch(es)", len(call_ids), n_batches)
    in_flight: dict = {}
    bar = ProgressBar(len(call_ids), "extract")
    t0, sentences, done, logged = time.perf_counter(), 0, 0, 0.0

    def submit() -> None:
        chunk = todo.popleft()
        in_flight[extract_task.submit({c: store.transcript(c) for c in chunk}, settings,
                                      _batch_label(chunk))] = chunk

    while todo and len(in_flight) < window:
        submit()
    while in_flight:
        fut = next(as_completed(list(in_flight)))
        chunk = in_flight.pop(fut)
        try:
            batch = fut.result()
        except InputError:
            raise
        except Exception as exc:  # retries exhausted on I/O errors, or a crashed worker
            batch = ExtractBatch(failed={c: f"extraction failed: {type(exc).__name__}: {exc}" for c in chunk})
        save_batch(batch, settings, store, report)
        while todo and len(in_flight) < window:
            submit()
        done += len(chunk)
        sentences += batch.n_sentences
        rate = sentences / max(time.perf_counter() - t0, 1e-9)
        bar.update(done, f"{sentences:,} customer sentences, {rate:,.0f}/s")
        if done == len(call_ids) or done / len(call_ids) - logged >= 0.1 or n_batches <= 10:
            logged = done / len(call_ids)
            logger.info("Extraction progress: %d/%d calls, %d customer sentences (%.0f/s)",
                        done, len(call_ids), sentences, rate)
    finish_extraction(report, settings, store)
    logger.info("Extracted phrases and objections from %d call(s)", len(report.extracted))
    return report


def _batch_label(call_ids: list[str]) -> str:
    return call_ids[0] if len(call_ids) == 1 else f"{call_ids[0]}-and-{len(call_ids) - 1}-more"


def _check_task_runner(settings: Settings) -> None:
    """Warn when the settings ask for another runner than the one this flow object uses."""
    ctx = FlowRunContext.get()
    runner = type(ctx.task_runner).__name__ if ctx and ctx.task_runner else ""
    wanted = "DaskTaskRunner" if settings.task_runner == "dask" else "ThreadPoolTaskRunner"
    if runner and runner != wanted:
        get_run_logger().warning(
            "Settings ask for task_runner=%s but this flow runs on %s: the runner is chosen when "
            "the flow is loaded (CALLINSIGHT_TASK_RUNNER in the worker's environment, or "
            "`callinsight run --task-runner`), not by the settings parameter.",
            settings.task_runner, runner)


@flow(name="nightly-insights", log_prints=True)
def nightly_insights(
    calls: str = "sample_calls/calls.csv",
    deals: str | None = "sample_calls/deals.csv",
    out: str = "out",
    config: str | None = None,
    settings: dict | None = None,
) -> dict | State:
    """Transcribe new calls, extract customer phrases and objections, correlate with
    deal outcomes, cluster themes and write the report to ``out``.

    ``calls``: a calls.csv, or a folder of recordings and transcripts (folder mode, see
    ``callinsight.sources.folder``). Bad input (an :class:`InputError`, e.g. no call could
    be processed) ends the run Failed with its message and no traceback; the exception is
    the state's result, so ``state.result()`` raises it.
    """
    try:
        return _nightly(calls, deals, out, config, settings)
    except InputError as exc:
        return _input_failure(exc)


def _input_failure(exc: InputError) -> State:
    """A Failed state for bad input. Raising would make Prefect log the traceback of what
    is the user's input, not a bug; the command prints the message itself."""
    if isinstance(exc, NoCallProcessed):
        try:
            create_markdown_artifact(key="callinsight-run-summary", markdown=exc.markdown(),
                                     description="No call could be processed")
        except Exception as art_exc:  # artifacts are a convenience; calls_status.csv is the contract
            get_run_logger().warning("Could not publish the Prefect artifact: %s", art_exc)
    message = exc.headline if isinstance(exc, NoCallProcessed) else str(exc)
    return Failed(message=message, data=exc)


def _nightly(calls: str, deals: str | None, out: str, config: str | None,
             settings: dict | None) -> dict:
    logger = get_run_logger()
    cfg: Settings = load_settings(config, **(settings or {}))
    load_plugins(cfg.plugins)
    _check_task_runner(cfg)
    out_dir = Path(out)
    t_start = time.perf_counter()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    durations: dict[str, float] = {}
    with run_lock(out_dir):
        if n := remove_stale_temp_files(out_dir):
            logger.info("Removed %d temporary file(s) left by an interrupted run", n)
        store_path = str(out_dir / "insights.db")
        store = Store(store_path)
        run_id = new_run_id(store)
        with _timed(durations, "ingest"):
            manifest, deal_table = ingest_task(calls, deals, cfg.allowed_roots, out)
        with _timed(durations, "check"):
            checked = {c.call_id: check_call(c, cfg, store, out_dir) for c in manifest.calls}
        with _timed(durations, "transcribe"):
            by_id = _transcribe_all(checked, cfg, store, out_dir)

        ok_ids = [c.call_id for c in manifest.calls if by_id[c.call_id].status in ("new", "cached")]
        with _timed(durations, "extract"):
            extracted = _extract_all(pending_extraction(ok_ids, cfg, store), cfg, store)
        for call_id, reason in extracted.failed.items():
            by_id[call_id] = CallResult(call_id, "failed", reason)
        results = [by_id[c.call_id] for c in manifest.calls]
        ok_ids = [r.call_id for r in results if r.status in ("new", "cached")]
        statuses = note_unknown_deals(manifest.statuses + [r.as_status() for r in results],
                                      manifest.calls, deal_table)
        if not ok_ids:
            if not statuses:
                raise InputError("The manifest has no calls.")
            raise NoCallProcessed(group_failures(statuses), len(statuses),
                                  write_status(out_dir, statuses).resolve())

        previous = store.last_run()
        previous_run, previous_themes = store.previous_themes()
        with _timed(durations, "analyse"):
            insights = analyse_task(ok_ids, deal_table, cfg, store_path)
        tables = output_tables(statuses, insights, deal_table.deals if deal_table else None)
        run_record = {"run_id": run_id, "started_at": started_at, "settings": cfg.as_dict(),
                      "embedding_model": cfg.embedding_model,
                      "deals_csv": str(Path(deals).resolve()) if deals else None,
                      "notes": list(insights.notes) + manifest.warnings
                      + (list(deal_table.warnings) if deal_table else []),
                      "method": insights.method}
        with _timed(durations, "report"):
            files = report_task(tables, insights, statuses, run_record, str(out_dir), previous_run)
        durations["total"] = round(time.perf_counter() - t_start, 3)
        summary = run_summary(
            run_id=run_id, started_at=started_at, statuses=statuses, results=results,
            extract_report=extracted, insights=insights, previous=previous,
            previous_themes=previous_themes, durations=durations,
            inputs={"calls_csv": str(Path(calls).resolve()), "input_root": str(manifest.root.resolve()),
                    "deals_csv": str(Path(deals).resolve()) if deals else None,
                    "out": str(out_dir.resolve()), "task_runner": cfg.task_runner},
        )
        summary.update(report=files["report_html"], files=files, settings=run_record["settings"],
                       embedding_model=cfg.embedding_model, notes=run_record["notes"],
                       method=run_record["method"])
        summary["files"]["run_summary"] = str(out_dir / "runs" / f"{run_id}.json")
        publish_task(tables, insights, str(out_dir), store_path, summary)
        _publish_artifacts(Path(files["report_md"]), insights, summary)
    if summary["failed"]:
        kinds = group_failures(statuses)
        logger.warning("%d of %d call(s) failed (the run completed with the rest); see %s:\n%s",
                       summary["failed"], summary["calls"], files["calls_status"],
                       "\n".join(f"  {k.line()}" for k in kinds[:10])
                       + (f"\n  ... and {len(kinds) - 10} more kinds" if len(kinds) > 10 else ""))
    logger.info("%d calls: %d new, %d cached, %d failed. Report: %s", summary["calls"], summary["new"],
                summary["cached"], summary["failed"], Path(files["report_html"]).resolve())
    return summary


def _publish_artifacts(report_md: Path, insights: Insights, summary: dict) -> None:
    try:
        create_markdown_artifact(key="callinsight-run-summary", markdown=summary_markdown(summary),
                                 description=f"Nightly run {summary['run_id']}: counts, timings, changes")
        create_markdown_artifact(key="callinsight-report", markdown=report_md.read_text(encoding="utf-8"),
                                 description="Top win and loss themes of the nightly run")
        cols = ["theme_id", "label", "direction", "deals_won", "deals_lost", "lift", "q_value",
                "amount_won", "amount_lost", "small_talk"]
        head = insights.themes[cols].head(20).astype(object)
        rows = head.where(head.notna(), None).to_dict("records")
        create_table_artifact(key="callinsight-themes", table=rows,
                              description=f"Themes of run {summary['run_id']}")
    except Exception as exc:  # artifacts are a convenience; the files are the contract
        get_run_logger().warning("Could not publish Prefect artifacts: %s", exc)


def task_runner_for(settings: Settings) -> TaskRunner:
    """Threads (default) or Dask: an existing cluster at ``dask_address``, else a temporary
    local cluster of ``workers`` single-threaded worker processes."""
    if settings.task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": settings.workers, "threads_per_worker": 1,
                                              "processes": True})
    if settings.task_runner != "threads":
        raise InputError(f"task_runner must be 'threads' or 'dask', not {settings.task_runner!r}.")
    return ThreadPoolTaskRunner(max_workers=settings.workers)


def with_task_runner(settings: Settings) -> Flow:
    """The flow with the task runner the settings ask for (threads or Dask)."""
    return nightly_insights.with_options(task_runner=task_runner_for(settings))


__all__ = ["nightly_insights", "with_task_runner", "task_runner_for"]
