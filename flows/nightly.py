"""The nightly Prefect flow: wires callinsight's stages as tasks.

Deployment entrypoint: ``flows/nightly.py:nightly_insights`` (see prefect.yaml).
Every stage is a plain function in ``callinsight``; this file adds retries,
logging, concurrency and artifacts, nothing else.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pandas as pd  # noqa: E402
from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact, create_table_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402

from callinsight.fsutil import atomic_write_text  # noqa: E402
from callinsight.ingest import DealTable, Manifest, read_calls, read_deals  # noqa: E402
from callinsight.insights import Insights, build_insights  # noqa: E402
from callinsight.models import Call, CallStatus, InputError  # noqa: E402
from callinsight.pipeline import (  # noqa: E402
    CallResult,
    extract_pending,
    output_tables,
    pending_extraction,
    process_call,
    run_lock,
    write_tables,
)
from callinsight.report import ReportData, RunInfo, render_markdown, write_report  # noqa: E402
from callinsight.settings import Settings, load_settings  # noqa: E402
from callinsight.store import Store  # noqa: E402


def _transient(task, task_run, state) -> bool:
    """Retry only on I/O errors (network shares, busy disks), not on bad input."""
    try:
        state.result()
    except OSError:
        return True
    except Exception:
        return False
    return False


@task(name="ingest", cache_policy=NO_CACHE)
def ingest_task(calls: str, deals: str | None) -> tuple[Manifest, DealTable | None]:
    logger = get_run_logger()
    manifest = read_calls(calls)
    table = read_deals(deals) if deals else None
    logger.info("Read %d calls (%d bad rows) from %s", len(manifest.calls), len(manifest.statuses), calls)
    if table:
        for warning in table.warnings:
            logger.warning(warning)
    return manifest, table


@task(name="transcribe", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=3,
      retry_condition_fn=_transient)
def transcribe_task(call: Call, settings: Settings, store_path: str, out_dir: str) -> CallResult:
    result = process_call(call, settings, Store(store_path), Path(out_dir))
    logger = get_run_logger()
    if result.status == "failed":
        logger.warning("Call %s failed: %s", call.call_id, result.reason)
    else:
        logger.info("Call %s %s (%.1f s audio in %.1f s)", call.call_id, result.status,
                    result.audio_seconds, result.seconds)
    return result


@task(name="extract", cache_policy=NO_CACHE, retries=1, retry_condition_fn=_transient)
def extract_task(call_ids: list[str], settings: Settings, store_path: str) -> int:
    n = extract_pending(call_ids, settings, Store(store_path))
    get_run_logger().info("Extracted phrases and objections from %d call(s)", n)
    return n


@task(name="analyse", cache_policy=NO_CACHE)
def analyse_task(call_ids: list[str], deals: DealTable | None, settings: Settings,
                 store_path: str) -> Insights:
    store = Store(store_path)
    _, previous = store.previous_themes()
    insights = build_insights(
        store.utterances(call_ids),
        store.segments_frame(call_ids),
        deals.deals if deals else None,
        settings,
        previous_themes=previous,
        used_theme_ids=store.all_theme_ids(),
    )
    get_run_logger().info("%d themes, %d tested phrases, %d objections", len(insights.themes),
                          int(insights.phrases["tested"].fillna(False).astype(bool).sum()),
                          len(insights.objections))
    return insights


@task(name="report", cache_policy=NO_CACHE)
def report_task(insights: Insights, statuses: list[CallStatus], deals: DealTable | None,
                settings: Settings, out_dir: str, store_path: str, run_id: str,
                summary: dict) -> dict:
    out = Path(out_dir)
    files = write_tables(out, statuses, insights)
    store = Store(store_path)
    previous_run, _ = store.previous_themes()
    data = report_data(insights, statuses, deals, settings, previous_run)
    html_path, md_path = write_report(data, out)
    store.publish(run_id, output_tables(statuses, insights, deals.deals if deals else None),
                  insights.theme_records, summary)
    files.update(report_html=html_path, report_md=md_path)
    return {k: str(v) for k, v in files.items()}


def report_data(insights: Insights, statuses: list[CallStatus], deals: DealTable | None,
                settings: Settings, previous_run: str | None) -> ReportData:
    counts = Counter(s.status for s in statuses)
    deal_frame = None
    if deals:
        deal_frame = pd.DataFrame(
            [{"deal_id": d.deal_id, "outcome": d.outcome, "amount": d.amount} for d in deals.deals.values()],
            columns=["deal_id", "outcome", "amount"],
        )
    return ReportData(
        themes=insights.themes,
        quotes=insights.quotes,
        objections=insights.objection_stats,
        objection_quotes=insights.objections,
        phrases=insights.phrases,
        metrics=insights.metrics,
        deals=deal_frame,
        run=RunInfo(
            generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            n_calls=len(statuses),
            n_ok=counts["ok"],
            n_failed=counts["failed"],
            n_skipped=counts["skipped"],
            n_deals_closed=insights.n_won + insights.n_lost,
            n_won=insights.n_won,
            n_lost=insights.n_lost,
            baseline_win_rate=insights.baseline_win_rate,
            has_deals=deals is not None,
            notes=list(insights.notes) + ([] if deals else [
                "No deal outcomes were given: win/loss statistics need a CRM export (--deals deals.csv)."
            ]),
            failed=[(s.call_id, s.reason) for s in statuses if s.status == "failed"],
            alpha=settings.alpha,
            min_support=settings.min_support,
            previous_run=previous_run,
        ),
    )


@flow(name="nightly-insights", log_prints=True)
def nightly_insights(
    calls: str = "sample_calls/calls.csv",
    deals: str | None = "sample_calls/deals.csv",
    out: str = "out",
    config: str | None = None,
    settings: dict | None = None,
) -> dict:
    """Transcribe new calls, extract customer phrases and objections, correlate with
    deal outcomes, cluster themes and write the report to ``out``."""
    logger = get_run_logger()
    cfg: Settings = load_settings(config, **(settings or {}))
    out_dir = Path(out)
    t_start = time.perf_counter()
    durations: dict[str, float] = {}
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    with run_lock(out_dir):
        store_path = str(out_dir / "insights.db")
        store = Store(store_path)
        t = time.perf_counter()
        manifest, deal_table = ingest_task(calls, deals)
        durations["ingest"] = time.perf_counter() - t

        t = time.perf_counter()
        futures = [transcribe_task.submit(c, cfg, store_path, str(out_dir)) for c in manifest.calls]
        results: list[CallResult] = []
        for i, fut in enumerate(futures, start=1):
            results.append(fut.result())
            if i % 5 == 0 or i == len(futures):
                logger.info("Transcription progress: %d/%d calls", i, len(futures))
        durations["transcribe"] = time.perf_counter() - t

        ok_ids = [r.call_id for r in results if r.status in ("new", "cached")]
        t = time.perf_counter()
        pending = pending_extraction(ok_ids, cfg, store)
        extract_task(pending, cfg, store_path)
        durations["extract"] = time.perf_counter() - t

        statuses = manifest.statuses + [r.as_status() for r in results]
        if not ok_ids:
            raise InputError(
                "No call could be processed; see the reasons below and in calls_status.csv:\n"
                + "\n".join(f"  {s.call_id}: {s.reason}" for s in statuses[:20])
            ) if statuses else InputError("The manifest has no calls.")

        t = time.perf_counter()
        insights = analyse_task(ok_ids, deal_table, cfg, store_path)
        durations["analyse"] = time.perf_counter() - t

        counts = Counter(r.status for r in results)
        summary = {
            "run_id": run_id,
            "calls_csv": str(Path(calls).resolve()),
            "input_root": str(manifest.root.resolve()),
            "deals_csv": str(Path(deals).resolve()) if deals else None,
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "calls": len(statuses),
            "new": counts["new"],
            "cached": counts["cached"],
            "failed": counts["failed"] + len(manifest.statuses),
            "skipped": counts["skipped"],
            "extracted": len(pending),
            "themes": len(insights.themes),
            "new_themes": insights.themes.loc[insights.themes["trend"] == "new", "theme_id"].tolist(),
            "growing_themes": insights.themes.loc[insights.themes["trend"] == "growing", "theme_id"].tolist(),
            "durations": durations,
        }
        t = time.perf_counter()
        files = report_task(insights, statuses, deal_table, cfg, str(out_dir), store_path, run_id, summary)
        durations["report"] = time.perf_counter() - t
        durations["total"] = time.perf_counter() - t_start
        summary.update(durations=durations, report=files["report_html"], files=files)
        runs_dir = out_dir / "runs"
        runs_dir.mkdir(exist_ok=True)
        atomic_write_text(runs_dir / f"{run_id}.json", json.dumps(summary, indent=2, default=str))
        _publish_artifacts(Path(files["report_md"]), insights, summary)
    if summary["failed"]:
        logger.warning("%d call(s) failed; see %s", summary["failed"], files["calls_status"])
    logger.info("Report: %s", Path(files["report_html"]).resolve())
    return summary


def _publish_artifacts(report_md: Path, insights: Insights, summary: dict) -> None:
    try:
        create_markdown_artifact(key="callinsight-report", markdown=report_md.read_text(encoding="utf-8"),
                                 description="Top win and loss themes of the nightly run")
        cols = ["theme_id", "label", "direction", "deals_won", "deals_lost", "lift", "q_value",
                "amount_won", "amount_lost"]
        table = insights.themes[cols].head(20).astype(object).where(insights.themes[cols].head(20).notna(), None)
        create_table_artifact(key="callinsight-themes", table=table.to_dict("records"),
                              description=f"Themes of run {summary['run_id']}")
    except Exception as exc:  # artifacts are a convenience; the files are the contract
        get_run_logger().warning("Could not publish Prefect artifacts: %s", exc)


def with_task_runner(settings: Settings):
    """The flow with the task runner the settings ask for (threads or Dask)."""
    if settings.task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        runner = (DaskTaskRunner(address=settings.dask_address) if settings.dask_address
                  else DaskTaskRunner(cluster_kwargs={"n_workers": settings.workers,
                                                      "threads_per_worker": 1}))
        return nightly_insights.with_options(task_runner=runner)
    if settings.task_runner != "threads":
        raise InputError(f"task_runner must be 'threads' or 'dask', not {settings.task_runner!r}.")
    return nightly_insights.with_options(task_runner=ThreadPoolTaskRunner(max_workers=settings.workers))


__all__ = ["nightly_insights", "with_task_runner", "report_data", "render_markdown"]
