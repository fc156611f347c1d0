"""The run summary (``runs/<run_id>.json``) and its comparison with the previous run."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict

import pandas as pd

from callinsight.contracts import CallStatus
from callinsight.pipeline.calls import CallResult
from callinsight.pipeline.extraction import ExtractReport
from callinsight.pipeline.failures import group_failures
from callinsight.stages.analyse.insights import Insights

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
        # every failed or skipped call, by kind of reason: [{status, kind, count, call_id, example}]
        "failure_kinds": [asdict(k) for k in group_failures(statuses)],
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
