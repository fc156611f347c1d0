"""Geometry of the report's SVG charts (theme lift, objection outcomes, speed to first call).

Only numbers and plain-text labels are computed here: the template draws the SVG, so
every label goes through Jinja's autoescape like any other value from data.
"""

from __future__ import annotations

import math
from typing import Any

from callinsight.stages.report.formatting import truncate

__all__ = ["lift_chart", "objection_chart", "handoff_chart", "MAX_CHART_ROWS"]

MAX_CHART_ROWS = 30


def _nice_step(span: float, max_ticks: int = 8) -> float:
    """A round tick step that puts at most ``max_ticks`` ticks over ``span``."""
    for step in (0.25, 0.5, 1, 2, 5, 10, 20, 50):
        if span / step <= max_ticks:
            return step
    return span / max_ticks


def lift_chart(themes: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Dot-and-whisker chart of the tested themes' lift (highest first), with a line at
    1×; None when no theme has a lift to draw."""
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
                "label": truncate(t["label"], 38) + (" ⚠" if t["single_rep"] else ""),
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


def objection_chart(objections: list[dict[str, Any]], has_deals: bool) -> dict[str, Any] | None:
    """Stacked won/lost bars per objection (mention counts when there are no deals);
    None when there are no objections."""
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
                "label": truncate(o["name"], 20),
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


def handoff_chart(bins: list[dict[str, Any]], sla: str) -> dict[str, Any] | None:
    """Stacked won/lost/open bars of deals per time-to-first-call bin (``label``, ``won``,
    ``lost``, ``open``, ``within``), with a dashed line between the bins within the SLA and
    the later ones (``sla``: its label); None when no deal has a time to first call."""
    if not any(b["deals"] for b in bins):
        return None
    width, label_w, right = 920, 150, 150
    top, row_h, bar_h, bottom, gap = 12, 30, 16, 12, 18
    x0, x1 = label_w + 12, width - right
    scale = (x1 - x0) / max(b["deals"] for b in bins)
    rows, sla_y, y_row = [], None, top
    for b in bins:
        if not b["within"] and sla_y is None and rows:
            sla_y, y_row = y_row + gap / 2, y_row + gap
        y = y_row + (row_h - bar_h) / 2
        won_w, lost_w, open_w = (round(b[k] * scale, 1) for k in ("won", "lost", "open"))
        rows.append({
            "y": round(y, 1), "mid": round(y + bar_h / 2 + 4, 1), "label": truncate(b["label"], 20),
            "within": b["within"], "won_w": won_w, "lost_x": round(x0 + won_w, 1), "lost_w": lost_w,
            "open_x": round(x0 + won_w + lost_w, 1), "open_w": open_w,
            "text": f"{b['deals']} deal{'' if b['deals'] == 1 else 's'}",
            "text_x": round(x0 + won_w + lost_w + open_w + 8, 1),
            "title": f"{b['label']}: {b['won']} won, {b['lost']} lost, {b['open']} open",
        })
        y_row += row_h
    return {"width": width, "height": y_row + bottom, "x0": x0, "x1": x1, "bar_h": bar_h,
            "label_x": label_w, "rows": rows, "sla_y": sla_y, "sla": sla}
