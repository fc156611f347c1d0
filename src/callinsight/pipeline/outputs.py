"""The tables a run publishes (store and CSVs), as declared in ``contracts.OUTPUT_TABLES``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from callinsight.contracts import OUTPUT_TABLES, CallStatus, Deal
from callinsight.stages.analyse.insights import Insights
from callinsight.util.csvsafe import csv_text
from callinsight.util.fsutil import atomic_write_text

__all__ = ["csv_text", "deals_frame", "output_tables", "write_status", "write_tables"]


def deals_frame(deals: Mapping[str, Deal] | None) -> pd.DataFrame:
    rows = [
        {"deal_id": d.deal_id, "outcome": d.outcome, "stage": d.stage, "amount": d.amount,
         "created_at": d.created_at.isoformat() if d.created_at else None,
         "closed_at": d.closed_at.isoformat() if d.closed_at else None}
        for d in (deals or {}).values()
    ]
    return pd.DataFrame(rows, columns=OUTPUT_TABLES["deals"].names)


def output_tables(
    statuses: Sequence[CallStatus], insights: Insights, deals: Mapping[str, Deal] | None = None
) -> dict[str, pd.DataFrame]:
    """Every table the run publishes to insights.db, by catalog name (the CSVs are a subset)."""
    return {"deals": deals_frame(deals), "calls_status": _status_frame(statuses), **insights.tables}


def _status_frame(statuses: Sequence[CallStatus]) -> pd.DataFrame:
    return pd.DataFrame([asdict(s) for s in statuses], columns=OUTPUT_TABLES["calls_status"].names)


def write_tables(out_dir: Path, statuses: Sequence[CallStatus], insights: Insights) -> dict[str, Path]:
    """Write every table declared with ``csv=True`` as ``OUT/<name>.csv``, atomically."""
    tables = output_tables(statuses, insights)
    files = {}
    for name, df in tables.items():
        schema = OUTPUT_TABLES.get(name)
        if schema is None or not schema.csv:
            continue
        path = out_dir / f"{name}.csv"
        atomic_write_text(path, csv_text(schema.conform(df)))
        files[name] = path
    return files


def write_status(out_dir: Path, statuses: Sequence[CallStatus]) -> Path:
    """Write ``OUT/calls_status.csv`` alone, atomically: a run in which no call could be
    processed has no other table to write, but its reasons must be on disk."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "calls_status.csv"
    atomic_write_text(path, csv_text(OUTPUT_TABLES["calls_status"].conform(_status_frame(statuses))))
    return path
