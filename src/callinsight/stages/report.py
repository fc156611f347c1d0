"""The report stage: what marketers read after each nightly run.

Public API
----------
``ReportData`` / ``RunInfo``      inputs (frames from the stats and themes stages, run facts)
``render_html(data)``             one self-contained HTML page (inline CSS + SVG, no JS, no URLs)
``render_markdown(data)``         a compact Markdown version (for a Prefect artifact)
``write_report(data, out_dir)``   writes ``report.html`` and ``report.md`` atomically
``suggest_content(direction, kind, category=None)``   the "suggested content" line
``format_money`` / ``format_pct`` / ``format_timestamp`` / ``format_lift`` / ``format_q``

Security: every value that comes from data (quotes, labels, phrases, call ids, failure
reasons...) is escaped by the template engine: the HTML environment has autoescape on and
the templates never use ``|safe``; SVG charts are drawn by the template from numbers
computed here, so their text is escaped too. The Markdown environment escapes every
``{{ }}`` output with ``md_escape``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup

from callinsight.util.fsutil import atomic_write_text

__all__ = [
    "ReportData",
    "RunInfo",
    "render_html",
    "render_markdown",
    "write_report",
    "suggest_content",
    "format_money",
    "format_pct",
    "format_timestamp",
    "format_lift",
    "format_q",
    "md_escape",
    "TEMPLATE_DIR",
]

TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "templates"
HTML_TEMPLATE = "report.html.j2"
MD_TEMPLATE = "report.md.j2"

MAX_QUOTES = 5  # per theme card
MIN_QUOTES = 3  # fill with non-representative quotes up to this many
OBJECTION_QUOTES = 3
MAX_PHRASES = 25
MAX_CHART_ROWS = 30
MD_TOP_THEMES = 5
QUOTE_MAX_CHARS = 600
DASH = "—"


# --------------------------------------------------------------------------- inputs


@dataclass
class RunInfo:
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


@dataclass
class ReportData:
    """Everything the report shows. Any frame may be empty (or None).

    themes:           theme_id, label, n_quotes, n_deals, deals_won, deals_lost, win_rate,
                      baseline_win_rate, lift, p_value, q_value, direction, amount_won,
                      amount_lost, top_phrases ("; "-separated), ci_low, ci_high, trend,
                      single_rep, tested
    quotes:           theme_id, call_id, deal_id, speaker, start, end, text, representative
                      (+ optional outcome, amount)
    objections:       item, mentions, deals, deals_won, deals_lost, win_rate, ci_low, ci_high,
                      lift, p_value, q_value, direction, amount_won, amount_lost, tested
    objection_quotes: call_id, deal_id, speaker, start, end, text, category, score
    phrases:          phrase, mentions, deals, deals_won, deals_lost, win_rate, lift, z,
                      p_value, q_value, direction (+ optional ci_low, ci_high, single_rep)
    metrics:          metric, n_won, n_lost, mean_won, mean_lost, p_value
    deals:            optional deal_id, outcome (won/lost/open), amount: lets quotes show
                      their deal's outcome and size when the quote frames don't carry them

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


# --------------------------------------------------------------------------- formatting


def _num(value: Any) -> float | None:
    """A finite float, or None for None/NaN/inf/non-numbers."""
    if value is None or isinstance(value, bool):
        return float(value) if isinstance(value, bool) else None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _int(value: Any) -> int | None:
    number = _num(value)
    return None if number is None else int(round(number))


def _str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y", "t")
    number = _num(value)
    return bool(number) if number is not None else False


def format_money(value: Any) -> str:
    """``540000 -> "$540,000"``, ``1234567 -> "$1.2M"``, ``2.5e9 -> "$2.5B"``; NaN -> "—"."""
    number = _num(value)
    if number is None:
        return DASH
    sign = "-" if number < 0 else ""
    number = abs(number)
    rounded = round(number)
    if rounded >= 1_000_000_000:
        text, suffix = f"{number / 1e9:.1f}", "B"
    elif rounded >= 1_000_000:
        text, suffix = f"{number / 1e6:.1f}", "M"
    else:
        return f"{sign}${rounded:,.0f}"
    if text.endswith(".0"):
        text = text[:-2]
    return f"{sign}${text}{suffix}"


def format_pct(value: Any, digits: int = 0) -> str:
    """A fraction as a percentage: ``0.9 -> "90%"``; NaN -> "—"."""
    number = _num(value)
    if number is None:
        return DASH
    return f"{number * 100:.{digits}f}%"


def format_timestamp(seconds: Any) -> str:
    """Seconds from the call's start as ``mm:ss`` (``h:mm:ss`` from one hour on)."""
    number = _num(seconds)
    if number is None:
        return DASH
    total = int(max(number, 0.0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def _lift_digits(value: float) -> str:
    return f"{value:.2f}" if value < 1 else f"{value:.1f}"


def format_lift(value: Any) -> str:
    """``2.04 -> "2.0×"``, ``0.456 -> "0.46×"``; NaN -> "—"."""
    number = _num(value)
    return DASH if number is None else f"{_lift_digits(number)}×"


def format_q(value: Any) -> str:
    """A p- or q-value: ``"<0.001"``, ``"0.012"``; NaN -> "—"."""
    number = _num(value)
    if number is None:
        return DASH
    if number < 0.001:
        return "<0.001"
    return f"{number:.3f}"


def _format_metric(value: Any) -> str:
    number = _num(value)
    if number is None:
        return DASH
    if abs(number) >= 100:
        return f"{number:,.0f}"
    if abs(number) >= 10:
        return f"{number:,.1f}"
    return f"{number:.2f}"


def _humanize(name: str) -> str:
    text = re.sub(r"[_\-]+", " ", name).strip()
    return text[:1].upper() + text[1:] if text else text


def _truncate(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --------------------------------------------------------------------------- content


_THEME_CONTENT = {
    "win": "Case study, landing-page copy and customer proof points built on this theme",
    "loss": "FAQ entry, battlecard and pricing-page copy that answer this before it comes up",
    "none": "No content change yet: not linked to winning or losing",
}

_OBJECTION_CONTENT = {
    "competitor": "Competitive battlecard and a head-to-head comparison page",
    "budget": "Pricing-page copy and an ROI calculator",
    "security": "Security FAQ and a trust page (certifications, data handling)",
    "timing": "Nurture email sequence that keeps the deal warm until the timing is right",
    "authority": "Champion enablement deck the contact can take to the decision-maker",
    "need": "Use-case page that shows the problem solved, with numbers",
}
_OBJECTION_DEFAULT = "FAQ entry and battlecard that answer this objection"

# How the headline sentence names an objection category.
_OBJECTION_VERB = {
    "budget": "raise budget concerns",
    "authority": "say someone else makes the decision",
    "need": "question the need",
    "timing": "push back on timing",
    "competitor": "bring up a competitor",
    "security": "raise security concerns",
}


def suggest_content(direction: str | None, kind: str, category: str | None = None) -> str:
    """The "suggested content" line for a theme, phrase or objection.

    kind: "theme" / "phrase" (win: case study, landing-page copy, proof points; loss: FAQ
    entry, battlecard, pricing-page copy) or "objection" (a category-specific asset:
    competitor -> battlecard, budget -> pricing page / ROI calculator, security -> security
    FAQ / trust page, timing -> nurture sequence, authority -> champion enablement deck,
    need -> use-case page).
    """
    direction = (direction or "none").strip().lower()
    if direction not in ("win", "loss"):
        direction = "none"
    kind = (kind or "").strip().lower()
    if kind == "objection":
        asset = _OBJECTION_CONTENT.get((category or "").strip().lower(), _OBJECTION_DEFAULT)
        if direction == "win":
            asset = asset[0].lower() + asset[1:]
            return f"Reps already win when this comes up: turn their answers into {asset}"
        return asset
    if kind in ("theme", "phrase"):
        return _THEME_CONTENT[direction]
    raise ValueError(f"kind must be 'theme', 'phrase' or 'objection', not {kind!r}")


# --------------------------------------------------------------------------- view models


def _records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    if frame is None or len(frame) == 0:
        return []
    return frame.to_dict("records")


def _direction(value: Any) -> str:
    text = _str(value).strip().lower()
    return text if text in ("win", "loss") else "none"


class _DealLookup:
    """deal_id -> (outcome, amount), from ``ReportData.deals`` when given."""

    def __init__(self, deals: pd.DataFrame | None):
        self.outcome: dict[str, str] = {}
        self.amount: dict[str, float] = {}
        for row in _records(deals):
            deal_id = _str(row.get("deal_id"))
            if not deal_id:
                continue
            outcome = _str(row.get("outcome")).strip().lower()
            if outcome:
                self.outcome[deal_id] = outcome
            amount = _num(row.get("amount"))
            if amount is not None:
                self.amount[deal_id] = amount


def _quote_view(row: dict[str, Any], deals: _DealLookup, has_deals: bool) -> dict[str, Any]:
    deal_id = _str(row.get("deal_id"))
    outcome = _str(row.get("outcome")).strip().lower() or deals.outcome.get(deal_id, "")
    amount = _num(row.get("amount"))
    if amount is None:
        amount = deals.amount.get(deal_id)
    speaker = _str(row.get("speaker")).strip().lower()
    return {
        "text": _truncate(_str(row.get("text")), QUOTE_MAX_CHARS),
        "call_id": _str(row.get("call_id")),
        "timestamp": format_timestamp(row.get("start")),
        "start": _num(row.get("start")),
        "deal_id": deal_id,
        "outcome": outcome if has_deals and outcome in ("won", "lost", "open") else "",
        "amount": format_money(amount) if has_deals and amount else "",
        "speaker": "Customer" if speaker in ("customer", "") else _humanize(speaker),
    }


def _pick_quotes(rows: list[dict[str, Any]], limit: int, minimum: int) -> list[dict[str, Any]]:
    """Representative quotes first (one per call before repeating a call), then others
    up to ``minimum``; at most ``limit``."""
    rows = [r for r in rows if _str(r.get("text")).strip()]
    reps = [r for r in rows if _bool(r.get("representative"))]
    others = [r for r in rows if not _bool(r.get("representative"))]

    def spread(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        seen: set[str] = set()
        first, later = [], []
        for item in items:
            call = _str(item.get("call_id"))
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
    lo_n, hi_n = _num(lo), _num(hi)
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
    won = _int(row.get("deals_won")) or 0
    lost = _int(row.get("deals_lost")) or 0
    closed = won + lost
    win_rate = _num(row.get("win_rate"))
    if win_rate is None and closed:
        win_rate = won / closed
    baseline = _num(row.get("baseline_win_rate"))
    if baseline is None:
        baseline = _num(run.baseline_win_rate)
    lift = _num(row.get("lift"))
    if lift is None and win_rate is not None and baseline:
        lift = win_rate / baseline
    rate_ci, lift_ci = _intervals(win_rate, lift, baseline, row.get("ci_low"), row.get("ci_high"))
    amount_won = _num(row.get("amount_won")) or 0.0
    amount_lost = _num(row.get("amount_lost")) or 0.0
    pipeline = amount_won + amount_lost
    direction = _direction(row.get("direction"))
    tested = _bool(row.get("tested")) if "tested" in row else _num(row.get("q_value")) is not None
    return {
        "won": won,
        "lost": lost,
        "closed": closed,
        "win_rate": format_pct(win_rate),
        "win_rate_value": win_rate,
        "win_rate_ci": (f"{format_pct(rate_ci[0])}–{format_pct(rate_ci[1])}" if rate_ci else ""),
        "baseline": format_pct(baseline),
        "lift": format_lift(lift),
        "lift_value": lift,
        "lift_ci": (f"{_lift_digits(lift_ci[0])}–{_lift_digits(lift_ci[1])}×" if lift_ci else ""),
        "lift_ci_value": lift_ci,
        "q": format_q(row.get("q_value")),
        "q_value": _num(row.get("q_value")),
        "p": format_q(row.get("p_value")),
        "direction": direction,
        "tested": tested,
        "significant": tested and direction in ("win", "loss"),
        "amount_won": format_money(amount_won),
        "amount_lost": format_money(amount_lost),
        "pipeline": format_money(pipeline),
        "pipeline_value": pipeline,
        "won_share": round(100 * amount_won / pipeline, 1) if pipeline > 0 else 0.0,
        "single_rep": _bool(row.get("single_rep")),
        "top_rep": _str(row.get("top_rep")).strip(),
    }


def _theme_views(data: ReportData, deals: _DealLookup) -> list[dict[str, Any]]:
    run = data.run
    quotes_by_theme: dict[str, list[dict[str, Any]]] = {}
    for row in _records(data.quotes):
        quotes_by_theme.setdefault(_str(row.get("theme_id")), []).append(row)
    views = []
    for row in _records(data.themes):
        theme_id = _str(row.get("theme_id"))
        view = _stat_view(row, run)
        trend = _str(row.get("trend")).strip().lower()
        if trend == "new" and not run.previous_run:
            trend = ""  # first run: everything is new, a badge would be noise
        phrases = [p.strip() for p in _str(row.get("top_phrases")).split(";") if p.strip()]
        label = _str(row.get("label")).strip() or (f"Theme {theme_id}" if theme_id else "Theme")
        chosen = _pick_quotes(quotes_by_theme.get(theme_id, []), MAX_QUOTES, MIN_QUOTES)
        view.update(
            theme_id=theme_id,
            label=label,
            n_quotes=_int(row.get("n_quotes")) or len(quotes_by_theme.get(theme_id, [])),
            n_deals=_int(row.get("n_deals")) or 0,
            trend=trend if trend in ("new", "growing", "shrinking") else "",
            phrases=phrases[:8],
            quotes=[_quote_view(q, deals, run.has_deals) for q in chosen],
            small_talk=_bool(row.get("small_talk")),
        )
        view["suggestion"] = "" if view["small_talk"] else suggest_content(view["direction"], "theme")
        views.append(view)
    return views


def _by_pipeline(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(
        items,
        key=lambda v: (
            -v["pipeline_value"],
            v["q_value"] if v["q_value"] is not None else 2.0,
            -v["closed"],
        ),
    )


def _objection_views(data: ReportData, deals: _DealLookup) -> list[dict[str, Any]]:
    run = data.run
    quotes_by_cat: dict[str, list[dict[str, Any]]] = {}
    for row in _records(data.objection_quotes):
        quotes_by_cat.setdefault(_str(row.get("category")).strip().lower(), []).append(row)
    views = []
    for row in _records(data.objections):
        item = _str(row.get("item")).strip()
        key = item.lower()
        view = _stat_view(row, run)
        cat_quotes = sorted(
            (q for q in quotes_by_cat.get(key, []) if _str(q.get("text")).strip()),
            key=lambda q: -(_num(q.get("score")) or 0.0),
        )
        seen: set[str] = set()
        chosen = []
        for q in cat_quotes:  # one quote per call first
            if _str(q.get("call_id")) not in seen:
                chosen.append(q)
                seen.add(_str(q.get("call_id")))
        chosen = (chosen + [q for q in cat_quotes if q not in chosen])[:OBJECTION_QUOTES]
        view.update(
            item=item,
            name=_humanize(item) or "Other",
            verb=_OBJECTION_VERB.get(key, f"raise {item or 'other'} objections"),
            mentions=_int(row.get("mentions")) or 0,
            deals=_int(row.get("deals")) or 0,
            quotes=[_quote_view(q, deals, run.has_deals) for q in chosen],
            suggestion=suggest_content(view["direction"], "objection", key),
        )
        views.append(view)
    if run.has_deals:
        return sorted(
            views, key=lambda v: (not v["significant"], -v["pipeline_value"], -v["deals"])
        )
    return sorted(views, key=lambda v: (-v["mentions"], v["name"]))


def _phrase_views(data: ReportData) -> tuple[list[dict[str, Any]], int]:
    views = []
    for row in _records(data.phrases):
        view = _stat_view(row, data.run)
        view.update(
            phrase=_str(row.get("phrase")),
            mentions=_int(row.get("mentions")) or 0,
            deals=_int(row.get("deals")) or 0,
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


def _metric_views(data: ReportData) -> list[dict[str, Any]]:
    views = []
    for row in _records(data.metrics):
        p = _num(row.get("p_value"))
        views.append(
            {
                "metric": _humanize(_str(row.get("metric"))),
                "n_won": _int(row.get("n_won")) or 0,
                "n_lost": _int(row.get("n_lost")) or 0,
                "mean_won": _format_metric(row.get("mean_won")),
                "mean_lost": _format_metric(row.get("mean_lost")),
                "p": format_q(p),
                "notable": p is not None and p < data.run.alpha,
            }
        )
    return views


# --------------------------------------------------------------------------- charts
# Geometry only: the template draws the SVG, so every label is escaped by Jinja.


def _nice_step(span: float, max_ticks: int = 8) -> float:
    for step in (0.25, 0.5, 1, 2, 5, 10, 20, 50):
        if span / step <= max_ticks:
            return step
    return span / max_ticks


def _lift_chart(themes: list[dict[str, Any]]) -> dict[str, Any] | None:
    rows = [t for t in themes if t["tested"] and t["lift_value"] is not None]
    if not rows:
        return None
    rows = sorted(rows, key=lambda t: -t["lift_value"])[:MAX_CHART_ROWS]
    width, label_w, right = 920, 280, 70
    top, row_h, bottom = 34, 28, 44
    x0, x1 = label_w + 12, width - right
    highs = [max(t["lift_value"], (t["lift_ci_value"] or (0, 0))[1]) for t in rows]
    step = _nice_step(max(max(highs), 2.0))
    domain = max(2.0, math.ceil(max(highs) * 1.05 / step) * step)

    def sx(value: float) -> float:
        return round(x0 + (x1 - x0) * min(max(value, 0.0), domain) / domain, 1)

    height = top + row_h * len(rows) + bottom
    ticks = []
    value = 0.0
    while value <= domain + 1e-9:
        ticks.append({"x": sx(value), "label": f"{value:g}×"})
        value += step
    items = []
    for i, t in enumerate(rows):
        y = top + row_h * i + row_h / 2
        ci = t["lift_ci_value"]
        items.append(
            {
                "y": round(y, 1),
                "label": _truncate(t["label"], 38) + (" ⚠" if t["single_rep"] else ""),
                "title": (
                    f"{t['label']}: lift {t['lift']}"
                    + (f" ({t['lift_ci']})" if t["lift_ci"] else "")
                    + f", q {t['q']}"
                    + (" (mostly one rep's deals: may be a rep habit)" if t["single_rep"] else "")
                ),
                "x": sx(t["lift_value"]),
                "lo": sx(ci[0]) if ci else None,
                "hi": sx(ci[1]) if ci else None,
                "value": t["lift"],
                "direction": t["direction"],
                "band": i % 2 == 0,
                "warn": t["single_rep"],
            }
        )
    return {
        "width": width,
        "height": height,
        "x0": x0,
        "x1": x1,
        "top": top,
        "plot_bottom": top + row_h * len(rows),
        "row_h": row_h,
        "one": sx(1.0),
        "ticks": ticks,
        "rows": items,
        "label_x": label_w,
        "value_x": x1 + 10,
    }


def _objection_chart(objections: list[dict[str, Any]], has_deals: bool) -> dict[str, Any] | None:
    if not objections:
        return None
    width, label_w, right = 920, 150, 150
    top, row_h, bar_h, bottom = 12, 34, 18, 10
    x0, x1 = label_w + 12, width - right
    if has_deals:
        maximum = max((o["closed"] for o in objections), default=0)
    else:
        maximum = max((o["mentions"] for o in objections), default=0)
    scale = (x1 - x0) / maximum if maximum else 0.0
    rows = []
    for i, o in enumerate(objections):
        y = top + row_h * i + (row_h - bar_h) / 2
        if has_deals:
            won_w = round(o["won"] * scale, 1)
            lost_w = round(o["lost"] * scale, 1)
            text = f"{o['won']} won · {o['lost']} lost"
        else:
            won_w, lost_w = round(o["mentions"] * scale, 1), 0.0
            text = f"{o['mentions']} mentions"
        rows.append(
            {
                "y": round(y, 1),
                "mid": round(y + bar_h / 2 + 4, 1),
                "label": _truncate(o["name"], 20),
                "won_w": won_w,
                "lost_x": round(x0 + won_w, 1),
                "lost_w": lost_w,
                "text": text,
                "text_x": round(x0 + won_w + lost_w + 8, 1),
            }
        )
    return {
        "width": width,
        "height": top + row_h * len(rows) + bottom,
        "x0": x0,
        "bar_h": bar_h,
        "label_x": label_w,
        "rows": rows,
    }


# --------------------------------------------------------------------------- context


def report_context(data: ReportData) -> dict[str, Any]:
    """The template context of the report (also used by the web app's Themes page)."""
    return _context(data)


def _context(data: ReportData) -> dict[str, Any]:
    run = data.run
    deals = _DealLookup(data.deals)
    all_themes = _theme_views(data, deals)
    themes = [t for t in all_themes if not t["small_talk"]]  # content themes
    small_talk = sorted((t for t in all_themes if t["small_talk"]),
                        key=lambda t: (-t["n_quotes"], t["label"]))
    objections = _objection_views(data, deals)
    phrases, phrases_hidden = _phrase_views(data)

    win_themes = _by_pipeline(t for t in themes if t["significant"] and t["direction"] == "win")
    loss_themes = _by_pipeline(t for t in themes if t["significant"] and t["direction"] == "loss")
    flat_themes = _by_pipeline(t for t in themes if t["tested"] and not t["significant"])
    untested = sorted(
        (t for t in themes if not t["tested"]), key=lambda t: (-t["n_quotes"], t["label"])
    )
    loss_objections = _by_pipeline(
        o for o in objections if o["significant"] and o["direction"] == "loss"
    )
    baseline = _num(run.baseline_win_rate)
    return {
        "run": {
            "generated_at": _str(run.generated_at),
            "previous_run": _str(run.previous_run),
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
            "notes": [_str(n) for n in (run.notes or []) if _str(n).strip()],
            "failed": [
                {"call_id": _str(call_id), "reason": _str(reason) or "no reason recorded"}
                for call_id, reason in (run.failed or [])
            ],
        },
        "themes": themes,
        "themes_by_quotes": sorted(themes, key=lambda t: (-t["n_quotes"], t["label"])),
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
        "objection_chart": _objection_chart(objections, bool(run.has_deals)),
        "lift_chart": _lift_chart(themes) if run.has_deals else None,
        "phrases": phrases,
        "phrases_hidden": phrases_hidden,
        "metrics": _metric_views(data) if run.has_deals else [],
        "md_top": MD_TOP_THEMES,
    }


# --------------------------------------------------------------------------- rendering

_MD_ESCAPE = re.compile(r"([\\`*_\[\]{}|~$#])")
_MD_BLOCK_START = re.compile(r"^(\d{1,9})([.)])(?=\s|$)|^([+\-])")


def md_escape(value: Any) -> str:
    """Make a value inert in Markdown (and in the HTML a Markdown renderer may pass
    through): whitespace is collapsed to one line (keeps tables and quotes intact), ``&``,
    ``<``, ``>`` become entities, and Markdown punctuation gets a backslash."""
    if value is None:
        return ""
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_ESCAPE.sub(r"\\\1", text)
    # A list/heading marker at the very start could turn a list item into a block.
    return _MD_BLOCK_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", text)


@lru_cache(maxsize=1)
def _html_env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,  # every {{ }} is HTML-escaped; templates never use |safe
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def _md_finalize(value: Any) -> Markup:
    """Markdown-escape one ``{{ }}`` output. Macro output is already Markup (built from
    escaped parts) and passes through; the Markup wrapper stops autoescape from
    HTML-escaping a second time."""
    if isinstance(value, Markup):
        return value
    return Markup(md_escape(value))


@lru_cache(maxsize=1)
def _md_env() -> jinja2.Environment:
    # autoescape=True only so macro output is Markup and is not escaped twice; the real
    # escaping is _md_finalize. Data must not go through filters that HTML-escape (join).
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        finalize=_md_finalize,  # every {{ }} is Markdown-escaped
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def render_html(data: ReportData) -> str:
    """The whole report as one self-contained HTML page (no scripts, no external URLs)."""
    return _html_env().get_template(HTML_TEMPLATE).render(**_context(data))


def render_markdown(data: ReportData) -> str:
    """A compact Markdown summary: top win/loss themes with one quote each, objections,
    failed calls."""
    text = str(_md_env().get_template(MD_TEMPLATE).render(**_context(data)))
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def write_report(data: ReportData, out_dir: Path) -> tuple[Path, Path]:
    """Render both versions, then write ``report.html`` and ``report.md`` atomically.

    Both are rendered before either is written, so a rendering error leaves the previous
    report in place untouched.
    """
    out_dir = Path(out_dir)
    html = render_html(data)
    markdown = render_markdown(data)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = atomic_write_text(out_dir / "report.html", html)
    md_path = atomic_write_text(out_dir / "report.md", markdown)
    return html_path, md_path
