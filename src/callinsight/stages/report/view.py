"""The report's inputs and the one view model both renderings (and the web app) read.

``report_context(data)`` turns frames of raw statistics into display-ready dicts: every
number is formatted here, so the HTML and Markdown templates and the web app's Themes
page only lay them out and can never disagree on a figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from callinsight.stages.report.charts import lift_chart, objection_chart
from callinsight.stages.report.formatting import (
    format_metric,
    format_pct,
    format_q,
    humanize,
    to_float,
    to_int,
    to_text,
)
from callinsight.stages.report.sections import (
    DealLookup,
    handoff_view,
    objection_views,
    phrase_views,
    records,
    theme_views,
)

if TYPE_CHECKING:
    from callinsight.stages.analyse.handoff import Handoff

__all__ = ["RunInfo", "ReportData", "report_context", "theme_tree", "MD_TOP_THEMES"]

MD_TOP_THEMES = 5


@dataclass
class RunInfo:
    """Facts about the nightly run itself (counts, failures, test settings)."""

    generated_at: str
    n_calls: int
    n_ok: int
    n_failed: int
    n_skipped: int
    n_deals_closed: int
    n_won: int
    n_lost: int
    baseline_win_rate: float | None
    has_deals: bool  # False when no deals.csv was given
    notes: list[str]
    failed: list[tuple[str, str]]  # (call_id, reason)
    alpha: float = 0.05
    min_support: int = 5
    previous_run: str | None = None
    # how the statistics were made (``insights.method``: "window", "confounders", ...);
    # empty for runs from before it was recorded
    method: dict[str, str] = field(default_factory=dict)


@dataclass
class ReportData:
    """Everything the report shows. Any frame may be empty (or None).

    themes:           theme_id, label, n_quotes, n_deals, deals_won, deals_lost, win_rate,
                      baseline_win_rate, lift, p_value, q_value, direction, amount_won,
                      amount_lost, top_phrases ("; "-separated), ci_low, ci_high, trend,
                      single_rep, tested (+ optional level "broad"/"sub", parent_id, act,
                      stability, stable, verdict, log_odds, test, curated)
    quotes:           theme_id, call_id, deal_id, speaker, start, end, text, representative
                      (+ optional outcome, amount)
    objections:       item, mentions, deals, deals_won, deals_lost, win_rate, ci_low, ci_high,
                      lift, p_value, q_value, direction, amount_won, amount_lost, tested
    objection_quotes: call_id, deal_id, speaker, start, end, text, category, score
    phrases:          phrase, mentions, deals, deals_won, deals_lost, win_rate, lift, z,
                      p_value, q_value, direction (+ optional ci_low, ci_high, single_rep,
                      verdict, members)
    metrics:          metric, n_won, n_lost, mean_won, mean_lost, p_value
    deals:            optional deal_id, outcome (won/lost/open), amount: lets quotes show
                      their deal's outcome and size when the quote frames don't carry them
    handoff:          optional lead hand-off figures (``stages.analyse.handoff.Handoff``, from
                      the run's ``handoff`` table: ``handoff_from_tables``); None: no section

    ci_low / ci_high are read as the Wilson interval of the win rate (shown as lift by
    dividing by the baseline); a pair that brackets the lift but not the win rate is taken
    as a lift interval as-is.
    """

    themes: pd.DataFrame
    quotes: pd.DataFrame
    objections: pd.DataFrame
    objection_quotes: pd.DataFrame
    phrases: pd.DataFrame
    metrics: pd.DataFrame
    run: RunInfo
    deals: pd.DataFrame | None = field(default=None)
    handoff: Handoff | None = field(default=None)


def _metric_views(data: ReportData) -> list[dict[str, Any]]:
    """Call metrics (talk share, questions asked...) of won vs lost deals."""
    views = []
    for row in records(data.metrics):
        p = to_float(row.get("p_value"))
        views.append(
            {
                "metric": humanize(row.get("metric")),
                "n_won": to_int(row.get("n_won")) or 0,
                "n_lost": to_int(row.get("n_lost")) or 0,
                "mean_won": format_metric(row.get("mean_won")),
                "mean_lost": format_metric(row.get("mean_lost")),
                "p": format_q(p),
                "notable": p is not None and p < data.run.alpha,
            }
        )
    return views


METHOD_LABELS = {"window": "Calls counted", "confounders": "Confounders"}
HIERARCHY_LINE = (
    "Only closed deals are tested; the deal is the unit; broad themes are tested first and "
    "sub-themes only inside broad themes that pass (hierarchical false discovery control)."
)


def _method_view(method: Any) -> list[dict[str, str]]:
    """The run's "how these figures were made" lines: window and confounders first, then
    any other recorded key; nothing for runs from before the method was recorded."""
    if not isinstance(method, dict):
        return []
    keys = [k for k in METHOD_LABELS if k in method] + [k for k in method if k not in METHOD_LABELS]
    lines = []
    for key in keys:
        text = to_text(method.get(key)).strip()
        if text:
            lines.append({"label": METHOD_LABELS.get(key) or humanize(key), "text": text})
    return lines


def _run_view(run: RunInfo) -> dict[str, Any]:
    """The run facts as the header and the "failed calls" section show them."""
    baseline = to_float(run.baseline_win_rate)
    return {
        "generated_at": to_text(run.generated_at),
        "previous_run": to_text(run.previous_run),
        "n_calls": run.n_calls,
        "n_ok": run.n_ok,
        "n_failed": run.n_failed,
        "n_skipped": run.n_skipped,
        "n_deals_closed": run.n_deals_closed,
        "n_won": run.n_won,
        "n_lost": run.n_lost,
        "baseline": format_pct(baseline),
        "has_baseline": baseline is not None,
        "has_deals": bool(run.has_deals),
        "alpha": f"{run.alpha:g}",
        "fdr_pct": f"{run.alpha * 100:g}%",
        "min_support": run.min_support,
        "notes": [to_text(n) for n in (run.notes or []) if to_text(n).strip()],
        "method": _method_view(run.method),
        "method_line": HIERARCHY_LINE,
        "failed": [
            {"call_id": to_text(call_id), "reason": to_text(reason) or "no reason recorded"}
            for call_id, reason in (run.failed or [])
        ],
    }


def _by_pipeline(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Biggest pipeline first, then the stronger result, then more closed deals."""
    return sorted(
        items,
        key=lambda v: (
            -v["pipeline_value"],
            v["q_value"] if v["q_value"] is not None else 2.0,
            -v["closed"],
        ),
    )


def theme_tree(views: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(top-level themes, sub-themes): each sub-theme goes into its broad theme's ``subs``
    (frame order kept); one whose broad theme is not among ``views`` stays top-level."""
    broad = {v["theme_id"]: v for v in views if v["level"] == "broad"}
    top, subs = [], []
    for view in views:
        parent = broad.get(view["parent_id"]) if view["level"] == "sub" else None
        if parent is None:
            top.append(view)
            continue
        view["parent_label"] = parent["label"]
        parent["subs"].append(view)
        subs.append(view)
    return top, subs


def report_context(data: ReportData) -> dict[str, Any]:
    """The template context of the report (also used by the web app's Themes page).

    ``themes`` are the top-level (broad) content themes, each with its sub-themes in
    ``subs``. A sub-theme that is a win or loss while its broad theme is not is also listed
    on its own among the win or loss themes, so no finding is hidden under a flat parent.
    """
    run = data.run
    deals = DealLookup(data.deals)
    all_themes = theme_views(data, deals)
    small_talk = sorted((t for t in all_themes if t["small_talk"]),
                        key=lambda t: (-t["n_quotes"], t["label"]))
    themes, sub_themes = theme_tree([t for t in all_themes if not t["small_talk"]])
    objections = objection_views(data, deals)
    phrases, phrases_hidden = phrase_views(data)

    verdict_of = {t["theme_id"]: t["verdict"] for t in themes}
    stray = [s for s in sub_themes if s["significant"] and s["verdict"] != verdict_of[s["parent_id"]]]
    listed = themes + stray  # what the win/loss sections and the lift chart show
    win_themes = _by_pipeline(t for t in listed if t["significant"] and t["direction"] == "win")
    loss_themes = _by_pipeline(t for t in listed if t["significant"] and t["direction"] == "loss")
    flat_themes = _by_pipeline(t for t in themes if t["tested"] and not t["significant"])
    untested = sorted(
        (t for t in themes if not t["tested"]), key=lambda t: (-t["n_quotes"], t["label"])
    )
    loss_objections = _by_pipeline(
        o for o in objections if o["significant"] and o["direction"] == "loss"
    )
    return {
        "run": _run_view(run),
        "themes": themes,
        "themes_by_quotes": sorted(themes, key=lambda t: (-t["n_quotes"], t["label"])),
        "sub_themes": sub_themes,
        "n_unstable_themes": sum(1 for t in themes + sub_themes if not t["stable"]),
        "win_themes": win_themes,
        "loss_themes": loss_themes,
        "flat_themes": flat_themes,
        "untested_themes": untested,
        "small_talk_themes": small_talk,
        "n_tested_themes": sum(1 for t in themes if t["tested"]),
        "top_win_theme": win_themes[0] if win_themes else None,
        "top_loss_theme": loss_themes[0] if loss_themes else None,
        "top_loss_objection": loss_objections[0] if loss_objections else None,
        "objections": objections,
        "objection_quotes": [o for o in objections if o["quotes"]],
        "objection_chart": objection_chart(objections, bool(run.has_deals)),
        "lift_chart": lift_chart(listed) if run.has_deals else None,
        "phrases": phrases,
        "phrases_hidden": phrases_hidden,
        "metrics": _metric_views(data) if run.has_deals else [],
        "md_top": MD_TOP_THEMES,
        "handoff": handoff_view(data.handoff) if run.has_deals else None,
    }
