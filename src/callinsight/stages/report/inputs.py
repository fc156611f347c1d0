"""The one way to build the report's inputs: from a run's published tables and its record.

The flow calls it with the tables it is about to publish; the web app calls it with the
same tables read back from the store. Both therefore show the same numbers, with the
statistics settings (alpha, minimum support) of the run that produced them, never the
settings of whoever is looking.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import pandas as pd

from callinsight.contracts import OUTPUT_TABLES
from callinsight.stages.analyse.handoff import handoff_from_tables
from callinsight.stages.report.view import ReportData, RunInfo

NO_DEALS_NOTE = "No deal outcomes were given: win/loss statistics need a CRM export (--deals deals.csv)."


def _table(tables: Mapping[str, pd.DataFrame], name: str) -> pd.DataFrame:
    frame = tables.get(name)
    return frame if frame is not None else pd.DataFrame(columns=OUTPUT_TABLES[name].names)


def _generated_at(started_at: object) -> str:
    try:
        return datetime.fromisoformat(str(started_at)).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return str(started_at or "")[:16].replace("T", " ")


def report_data(tables: Mapping[str, pd.DataFrame], run: Mapping,
                previous_run: str | None = None) -> ReportData:
    """``ReportData`` from the run's tables (catalog names) and its summary.

    ``run`` needs ``started_at``, ``settings`` (the effective settings: ``alpha``,
    ``min_support``), ``notes`` and ``deals_csv`` (None when the run had no deal outcomes);
    ``method`` (``insights.method``: how the statistics were made) is optional, older runs
    have none.
    """
    settings = run.get("settings") or {}
    has_deals = bool(run.get("deals_csv"))
    status = _table(tables, "calls_status")
    deals = _table(tables, "deals")
    counts = status["status"].value_counts().to_dict() if len(status) else {}
    won = int((deals["outcome"] == "won").sum()) if len(deals) else 0
    lost = int((deals["outcome"] == "lost").sum()) if len(deals) else 0
    method = run.get("method") if isinstance(run.get("method"), Mapping) else {}
    notes = [str(n) for n in run.get("notes") or []] + ([] if has_deals else [NO_DEALS_NOTE])
    info = RunInfo(
        generated_at=_generated_at(run.get("started_at")),
        n_calls=len(status), n_ok=int(counts.get("ok", 0)), n_failed=int(counts.get("failed", 0)),
        n_skipped=int(counts.get("skipped", 0)), n_deals_closed=won + lost, n_won=won, n_lost=lost,
        baseline_win_rate=won / (won + lost) if won + lost else None, has_deals=has_deals,
        notes=notes,
        failed=[(str(c), str(r)) for c, s, r in status[["call_id", "status", "reason"]].itertuples(
            index=False) if s == "failed"],
        alpha=float(settings.get("alpha", 0.05)), min_support=int(settings.get("min_support", 5)),
        previous_run=previous_run,
        method={str(k): str(v) for k, v in method.items() if v is not None},
    )
    return ReportData(
        themes=_table(tables, "themes"), quotes=_table(tables, "quotes"),
        objections=_table(tables, "objection_stats"), objection_quotes=_table(tables, "objections"),
        phrases=_table(tables, "phrases"), metrics=_table(tables, "conversation_metrics"),
        run=info, deals=deals[["deal_id", "outcome", "amount"]] if has_deals else None,
        handoff=handoff_from_tables(tables, settings) if has_deals else None,
    )
