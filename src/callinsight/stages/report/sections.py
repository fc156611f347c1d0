"""View models of the theme, objection, phrase and lead hand-off sections, row by row.

The three sections share one set of figures per row (won/lost, win rate and its interval,
lift, q-value, pipeline: ``_stat_view``) and one way to show a quote (``_quote_view``), so
a number reads the same in a theme card, the objection table and the phrase table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from callinsight.stages.report.charts import handoff_chart
from callinsight.stages.report.content import act_words, objection_verb, suggest_content
from callinsight.stages.report.formatting import (
    format_hours,
    format_lift,
    format_lift_range,
    format_money,
    format_pct,
    format_pct_range,
    format_q,
    format_timestamp,
    humanize,
    to_bool,
    to_float,
    to_int,
    to_text,
    truncate,
)

if TYPE_CHECKING:
    from callinsight.stages.analyse.handoff import Handoff, SpeedGroup
    from callinsight.stages.report.view import ReportData, RunInfo

__all__ = ["DealLookup", "records", "theme_views", "objection_views", "phrase_views", "handoff_view"]

MAX_QUOTES = 5  # per theme card
MIN_QUOTES = 3  # fill with non-representative quotes up to this many
OBJECTION_QUOTES = 3
MAX_PHRASES = 25
QUOTE_MAX_CHARS = 600


def records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    """A frame's rows as dicts; none for a missing or empty frame (columns may be absent)."""
    if frame is None or len(frame) == 0:
        return []
    return frame.to_dict("records")


def _direction(value: Any) -> str:
    text = to_text(value).strip().lower()
    return text if text in ("win", "loss") else "none"


VERDICTS = ("win", "loss", "no difference", "insufficient evidence")


def _verdict(value: Any, direction: str, tested: bool) -> str:
    """The row's ``verdict``; for older runs without one, what tested/direction meant."""
    text = " ".join(to_text(value).strip().lower().replace("_", " ").split())
    if text in VERDICTS:
        return text
    if not tested:
        return "insufficient evidence"
    return direction if direction in ("win", "loss") else "no difference"


def _flag(value: Any, default: bool) -> bool:
    """``to_bool``, with ``default`` for a missing value (None, NaN, "")."""
    return default if not to_text(value).strip() else to_bool(value)


class DealLookup:
    """deal_id -> (outcome, amount), from ``ReportData.deals`` when given, for quotes whose
    frames don't carry their deal's outcome and size."""

    def __init__(self, deals: pd.DataFrame | None):
        self.outcome: dict[str, str] = {}
        self.amount: dict[str, float] = {}
        for row in records(deals):
            deal_id = to_text(row.get("deal_id"))
            if not deal_id:
                continue
            outcome = to_text(row.get("outcome")).strip().lower()
            if outcome:
                self.outcome[deal_id] = outcome
            amount = to_float(row.get("amount"))
            if amount is not None:
                self.amount[deal_id] = amount


def _quote_view(row: dict[str, Any], deals: DealLookup, has_deals: bool) -> dict[str, Any]:
    deal_id = to_text(row.get("deal_id"))
    outcome = to_text(row.get("outcome")).strip().lower() or deals.outcome.get(deal_id, "")
    amount = to_float(row.get("amount"))
    if amount is None:
        amount = deals.amount.get(deal_id)
    speaker = to_text(row.get("speaker")).strip().lower()
    return {
        "text": truncate(row.get("text"), QUOTE_MAX_CHARS),
        "call_id": to_text(row.get("call_id")),
        "timestamp": format_timestamp(row.get("start")),
        "start": to_float(row.get("start")),
        "second": int(max(to_float(row.get("start")) or 0.0, 0.0)),  # for a call link
        "deal_id": deal_id,
        "outcome": outcome if has_deals and outcome in ("won", "lost", "open") else "",
        "amount": format_money(amount) if has_deals and amount else "",
        "speaker": "Customer" if speaker in ("customer", "") else humanize(speaker),
    }


def _pick_quotes(rows: list[dict[str, Any]], limit: int, minimum: int) -> list[dict[str, Any]]:
    """Representative quotes first (one per call before repeating a call), then others
    up to ``minimum``; at most ``limit``."""
    rows = [r for r in rows if to_text(r.get("text")).strip()]
    reps = [r for r in rows if to_bool(r.get("representative"))]
    others = [r for r in rows if not to_bool(r.get("representative"))]

    def spread(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        seen: set[str] = set()
        first, later = [], []
        for item in items:
            call = to_text(item.get("call_id"))
            (later if call in seen else first).append(item)
            seen.add(call)
        return first + later

    chosen = spread(reps)[:limit]
    if len(chosen) < minimum:
        chosen += spread(others)[: minimum - len(chosen)]
    return chosen


def _intervals(
    win_rate: float | None, lift: float | None, baseline: float | None, lo: Any, hi: Any
) -> tuple[tuple[float, float] | None, tuple[float, float] | None]:
    """(win-rate interval, lift interval) from ci_low/ci_high; see ReportData."""
    lo_n, hi_n = to_float(lo), to_float(hi)
    if lo_n is None or hi_n is None:
        return None, None
    lo_n, hi_n = min(lo_n, hi_n), max(lo_n, hi_n)
    eps = 1e-9
    has_base = baseline is not None and baseline > 0
    brackets_rate = win_rate is not None and lo_n - eps <= win_rate <= hi_n + eps
    brackets_lift = lift is not None and lo_n - eps <= lift <= hi_n + eps
    if brackets_lift and not brackets_rate and hi_n > 1 + eps:
        rate = (lo_n * baseline, hi_n * baseline) if has_base else None
        return rate, (lo_n, hi_n)
    if has_base:
        return (lo_n, hi_n), (lo_n / baseline, hi_n / baseline)
    return (lo_n, hi_n), None


def _stat_view(row: dict[str, Any], run: RunInfo) -> dict[str, Any]:
    """Figures shared by themes, objections and phrases."""
    won = to_int(row.get("deals_won")) or 0
    lost = to_int(row.get("deals_lost")) or 0
    closed = won + lost
    win_rate = to_float(row.get("win_rate"))
    if win_rate is None and closed:
        win_rate = won / closed
    baseline = to_float(row.get("baseline_win_rate"))
    if baseline is None:
        baseline = to_float(run.baseline_win_rate)
    lift = to_float(row.get("lift"))
    if lift is None and win_rate is not None and baseline:
        lift = win_rate / baseline
    rate_ci, lift_ci = _intervals(win_rate, lift, baseline, row.get("ci_low"), row.get("ci_high"))
    amount_won = to_float(row.get("amount_won")) or 0.0
    amount_lost = to_float(row.get("amount_lost")) or 0.0
    pipeline = amount_won + amount_lost
    tested = to_bool(row.get("tested")) if "tested" in row else to_float(row.get("q_value")) is not None
    verdict = _verdict(row.get("verdict"), _direction(row.get("direction")), tested)
    tested = verdict != "insufficient evidence"  # the verdict decides (same as ``tested`` for old runs)
    direction = verdict if verdict in ("win", "loss") else "none"
    return {
        "won": won,
        "lost": lost,
        "closed": closed,
        "win_rate": format_pct(win_rate),
        "win_rate_value": win_rate,
        "win_rate_ci": format_pct_range(*rate_ci) if rate_ci else "",
        "baseline": format_pct(baseline),
        "lift": format_lift(lift),
        "lift_value": lift,
        "lift_ci": format_lift_range(*lift_ci) if lift_ci else "",
        "lift_ci_value": lift_ci,
        "q": format_q(row.get("q_value")),
        "q_value": to_float(row.get("q_value")),
        "p": format_q(row.get("p_value")),
        "direction": direction,
        "verdict": verdict,
        "tested": tested,
        "significant": direction in ("win", "loss"),
        "amount_won": format_money(amount_won),
        "amount_lost": format_money(amount_lost),
        "pipeline": format_money(pipeline),
        "pipeline_value": pipeline,
        "won_share": round(100 * amount_won / pipeline, 1) if pipeline > 0 else 0.0,
        "single_rep": to_bool(row.get("single_rep")),
        "top_rep": to_text(row.get("top_rep")).strip(),
    }


def _tree_view(row: dict[str, Any]) -> dict[str, Any]:
    """A theme's place in the theme tree and how much to trust its grouping; older runs
    without these columns read as broad, stable themes of plain statements."""
    parent_id = to_text(row.get("parent_id")).strip()
    level = to_text(row.get("level")).strip().lower()
    if level not in ("broad", "sub"):
        level = "sub" if parent_id else "broad"
    stability = to_float(row.get("stability"))
    return {
        "level": level,
        "parent_id": parent_id if level == "sub" else "",
        "parent_label": "",  # set when the tree is built (view.theme_tree)
        "subs": [],
        "act": to_text(row.get("act")).strip().lower(),
        "act_words": act_words(to_text(row.get("act"))),
        "stability": f"{stability:.2f}" if stability is not None else "",
        "stability_value": stability,
        "stable": _flag(row.get("stable"), True),
        "curated": to_text(row.get("curated")).strip(),
    }


def theme_views(data: ReportData, deals: DealLookup) -> list[dict[str, Any]]:
    """One card per theme (small-talk themes included, flagged), in the themes frame's order."""
    run = data.run
    quotes_by_theme: dict[str, list[dict[str, Any]]] = {}
    for row in records(data.quotes):
        quotes_by_theme.setdefault(to_text(row.get("theme_id")), []).append(row)
    views = []
    for row in records(data.themes):
        theme_id = to_text(row.get("theme_id"))
        view = _stat_view(row, run)
        trend = to_text(row.get("trend")).strip().lower()
        if trend == "new" and not run.previous_run:
            trend = ""  # first run: everything is new, a badge would be noise
        phrases = [p.strip() for p in to_text(row.get("top_phrases")).split(";") if p.strip()]
        label = to_text(row.get("label")).strip() or (f"Theme {theme_id}" if theme_id else "Theme")
        chosen = _pick_quotes(quotes_by_theme.get(theme_id, []), MAX_QUOTES, MIN_QUOTES)
        view.update(
            theme_id=theme_id,
            label=label,
            n_quotes=to_int(row.get("n_quotes")) or len(quotes_by_theme.get(theme_id, [])),
            n_deals=to_int(row.get("n_deals")) or 0,
            trend=trend if trend in ("new", "growing", "shrinking") else "",
            phrases=phrases[:8],
            quotes=[_quote_view(q, deals, run.has_deals) for q in chosen],
            small_talk=to_bool(row.get("small_talk")),
        )
        view.update(_tree_view(row))
        view["suggestion"] = "" if view["small_talk"] else suggest_content(view["direction"], "theme")
        views.append(view)
    return views


def objection_views(data: ReportData, deals: DealLookup) -> list[dict[str, Any]]:
    """One row per objection category: significant ones first, then by pipeline (by
    mentions when there are no deals to test against)."""
    run = data.run
    quotes_by_cat: dict[str, list[dict[str, Any]]] = {}
    for row in records(data.objection_quotes):
        quotes_by_cat.setdefault(to_text(row.get("category")).strip().lower(), []).append(row)
    views = []
    for row in records(data.objections):
        item = to_text(row.get("item")).strip()
        key = item.lower()
        view = _stat_view(row, run)
        cat_quotes = sorted(
            (q for q in quotes_by_cat.get(key, []) if to_text(q.get("text")).strip()),
            key=lambda q: -(to_float(q.get("score")) or 0.0),
        )
        seen: set[str] = set()
        chosen = []
        for q in cat_quotes:  # one quote per call first
            if to_text(q.get("call_id")) not in seen:
                chosen.append(q)
                seen.add(to_text(q.get("call_id")))
        chosen = (chosen + [q for q in cat_quotes if q not in chosen])[:OBJECTION_QUOTES]
        view.update(
            item=item,
            name=humanize(item) or "Other",
            verb=objection_verb(key, item),
            mentions=to_int(row.get("mentions")) or 0,
            deals=to_int(row.get("deals")) or 0,
            quotes=[_quote_view(q, deals, run.has_deals) for q in chosen],
            suggestion=suggest_content(view["direction"], "objection", key),
        )
        views.append(view)
    if run.has_deals:
        return sorted(
            views, key=lambda v: (not v["significant"], -v["pipeline_value"], -v["deals"])
        )
    return sorted(views, key=lambda v: (-v["mentions"], v["name"]))


def phrase_views(data: ReportData) -> tuple[list[dict[str, Any]], int]:
    """The phrase table's rows (at most ``MAX_PHRASES``) and how many were left out."""
    views = []
    for row in records(data.phrases):
        view = _stat_view(row, data.run)
        view.update(
            phrase=to_text(row.get("phrase")),
            members=[m.strip() for m in to_text(row.get("members")).split(";")
                     if m.strip() and m.strip() != to_text(row.get("phrase")).strip()][:6],
            mentions=to_int(row.get("mentions")) or 0,
            deals=to_int(row.get("deals")) or 0,
        )
        views.append(view)
    if data.run.has_deals:
        views.sort(
            key=lambda v: (
                not v["significant"],
                v["q_value"] if v["q_value"] is not None else 2.0,
                -v["closed"],
                -v["mentions"],
            )
        )
    else:
        views.sort(key=lambda v: (-v["mentions"], -v["deals"]))
    return views[:MAX_PHRASES], max(0, len(views) - MAX_PHRASES)


MAX_SOURCE_ITEMS = 15  # themes and objections in the by-source table
MAX_LISTED_DEALS = 50  # deals per sales-manager list (the rest are in handoff.csv)
# why a deal is not in the speed figures, as the section says it (handoff.py's notes)
_EXCLUDED = {
    "no call": "never called",
    "called before the deal was created": "first called before the deal was created",
    "no created_at": "no created_at date",
    "a call has no date: first call unknown": "a call without a date (first call unknown)",
}


def _hours_label(lo: float, hi: float) -> str:
    """A bin of the speed chart: "0–4 h", "48–72 h", "3–7 days", "over 14 days"."""
    if hi == float("inf"):
        return f"over {lo:g} h" if lo < 72 else f"over {round(lo / 24, 1):g} days"
    if hi <= 72:
        return f"{lo:g}–{hi:g} h"
    return f"{round(lo / 24, 1):g}–{round(hi / 24, 1):g} days"


def _group_view(name: str, g: SpeedGroup) -> dict[str, Any]:
    return {
        "name": name, "deals": g.deals, "closed": g.closed, "won": g.won, "lost": g.lost,
        "win_rate": format_pct(g.win_rate), "win_rate_ci": format_pct_range(*g.ci) if g.ci else "",
        "amount_won": format_money(g.amount_won), "amount_lost": format_money(g.amount_lost),
    }


def _deal_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"deal_id": to_text(r.get("deal_id")), "outcome": to_text(r.get("outcome")),
             "amount": format_money(r.get("amount")), "lead_source": to_text(r.get("lead_source")),
             "created_at": to_text(r.get("created_at"))[:10]} for r in rows[:MAX_LISTED_DEALS]]


def _speed_sentence(h: Handoff, sla: str) -> str:
    a, b = h.within, h.later
    test = f"(Fisher's exact test p = {format_q(h.p_value)})"
    if h.verdict in ("win", "loss"):
        more = "more" if h.verdict == "win" else "less"
        return f"Deals first called within {sla} won {more} often than later ones {test}."
    if h.verdict == "no difference":
        return (f"No significant difference in win rate between deals first called within {sla} and "
                f"later ones {test}.")
    if not a.closed or not b.closed:
        which = "within " + sla if not a.closed else "after " + sla
        return f"No closed deal was first called {which}: there is nothing to compare."
    return (f"The comparison needs at least {h.min_closed} closed deals, 3 won and 3 lost; there are "
            f"{a.closed + b.closed} ({a.won + b.won} won, {a.lost + b.lost} lost).")


def handoff_view(h: Handoff | None) -> dict[str, Any] | None:
    """The "Lead hand-off" section: speed to first call against the SLA, lead sources, and
    the deals to chase; None when the run has no hand-off figures."""
    if h is None:
        return None
    sla = format_hours(h.sla_hours)
    bins = [{**b, "label": _hours_label(b["lo"], b["hi"])} for b in h.bins]
    # the sources of the deals with calls: the population of the by-source theme tests
    names = [s.source for s in h.sources if any(s.source in d.shares for d in h.differences)]
    diffs = []
    for d in h.differences[:MAX_SOURCE_ITEMS]:
        diffs.append({
            "kind": d.kind, "label": humanize(d.label) if d.kind == "objection" else d.label,
            "deals": d.deals, "p": format_q(d.p_value), "q": format_q(d.q_value), "test": d.test,
            "verdict": d.verdict, "differs": d.verdict == "differs by source", "top_source": d.top_source,
            "shares": [{"source": n, "k": d.shares.get(n, (0, 0))[0], "n": d.shares.get(n, (0, 0))[1],
                        "pct": format_pct(d.shares[n][0] / d.shares[n][1]) if d.shares.get(n, (0, 0))[1]
                        else format_pct(None)} for n in names],
        })
    return {
        "sla": sla, "n_deals": h.n_deals, "timed": h.timed, "within_sla": h.within_sla,
        "sla_share": format_pct(h.sla_share), "sla_ci": format_pct_range(*h.sla_ci) if h.sla_ci else "",
        "median": format_hours(h.median_hours), "bins": bins, "chart": handoff_chart(bins, sla),
        "groups": [_group_view(f"Within {sla}", h.within), _group_view(f"After {sla}", h.later)],
        "p": format_q(h.p_value), "verdict": h.verdict, "sentence": _speed_sentence(h, sla),
        "min_closed": h.min_closed, "min_support": h.min_support,
        "excluded": [{"what": _EXCLUDED[k], "n": len(v), "deal_ids": v[:MAX_LISTED_DEALS]}
                     for k, v in h.excluded.items() if v and k in _EXCLUDED],
        "has_sources": bool(h.sources),
        "sources": [{
            "source": s.source, "deals": s.deals, "closed": s.won + s.lost, "won": s.won,
            "win_rate": format_pct(s.win_rate), "win_rate_ci": format_pct_range(*s.ci) if s.ci else "",
            "pipeline": format_money(s.pipeline), "amount_won": format_money(s.amount_won),
            "sla_share": format_pct(s.within_sla / s.timed) if s.timed else format_pct(None),
            "timed": s.timed, "within_sla": s.within_sla, "median": format_hours(s.median_hours),
        } for s in h.sources],
        "source_names": names, "source_p": format_q(h.source_p), "source_test": h.source_test,
        "source_verdict": h.source_verdict, "differences": diffs,
        "differs": [d for d in diffs if d["differs"]], "n_items_tested": len(h.differences),
        "n_items_untested": h.n_items_untested,
        "no_call": _deal_rows(h.no_call), "n_no_call": len(h.no_call),
        "missing_reason": _deal_rows(h.missing_reason), "n_missing_reason": len(h.missing_reason),
        "reason_column": h.reason_column,
    }
