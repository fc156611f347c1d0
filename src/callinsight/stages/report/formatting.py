"""The project's display formatters: how money, rates, lifts, times and names read.

One set of formatters so the report, the web app and the search CLI show the same value
the same way. Every function accepts whatever a data frame cell may hold (None, NaN, inf,
numpy scalars, numeric strings, junk) and never raises on it: a value that is not a
finite number is shown as ``missing`` (an em dash unless the caller asks otherwise).
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

__all__ = [
    "DASH",
    "to_float",
    "to_int",
    "to_text",
    "to_bool",
    "format_money",
    "format_pct",
    "format_pct_range",
    "format_timestamp",
    "format_lift",
    "format_lift_range",
    "format_q",
    "format_metric",
    "format_hours",
    "humanize",
    "truncate",
    "md_escape",
]

DASH = "—"  # shown for a missing value

# --------------------------------------------------------------------------- coercions
# Frame cells come as floats with NaN, numpy scalars, pandas NA or strings from a CSV;
# these turn them into plain Python values so the formatters and views need no checks.


def to_float(value: Any) -> float | None:
    """A finite float, or None for None/NaN/inf/non-numbers (``True`` counts as 1.0)."""
    if value is None or isinstance(value, bool):
        return float(value) if isinstance(value, bool) else None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def to_int(value: Any) -> int | None:
    """``to_float`` rounded to the nearest int (half to even), or None."""
    number = to_float(value)
    return None if number is None else int(round(number))


def to_text(value: Any) -> str:
    """``str(value)``, with "" for None and every pandas missing value (NaN, NA, NaT)."""
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


def to_bool(value: Any) -> bool:
    """A flag from a CSV or a frame: "1"/"true"/"yes"/"y"/"t" (any case) or a non-zero
    number is True; anything else, missing values included, is False."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y", "t")
    number = to_float(value)
    return bool(number) if number is not None else False


# --------------------------------------------------------------------------- numbers


def format_money(value: Any, missing: str = DASH) -> str:
    """``540000 -> "$540,000"``, ``1234567 -> "$1.2M"``, ``2.5e9 -> "$2.5B"``; NaN -> ``missing``.

    Millions and billions are abbreviated so a pipeline figure stays readable in a chip.
    """
    number = to_float(value)
    if number is None:
        return missing
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


def format_pct(value: Any, digits: int = 0, missing: str = DASH) -> str:
    """A fraction as a percentage: ``0.9 -> "90%"``; NaN -> ``missing``."""
    number = to_float(value)
    if number is None:
        return missing
    return f"{number * 100:.{digits}f}%"


def format_pct_range(low: Any, high: Any) -> str:
    """A win-rate interval: ``(0.3, 0.55) -> "30%–55%"``."""
    return f"{format_pct(low)}–{format_pct(high)}"


def _lift_digits(value: float) -> str:
    # Below 1 the second digit matters (0.46× vs 0.5×); above it one is enough.
    return f"{value:.2f}" if value < 1 else f"{value:.1f}"


def format_lift(value: Any, missing: str = DASH) -> str:
    """A win-rate ratio: ``2.04 -> "2.0×"``, ``0.456 -> "0.46×"``; NaN -> ``missing``."""
    number = to_float(value)
    return missing if number is None else f"{_lift_digits(number)}×"


def format_lift_range(low: float, high: float) -> str:
    """A lift interval with one sign: ``(0.8, 2.5) -> "0.80–2.5×"``."""
    return f"{_lift_digits(low)}–{_lift_digits(high)}×"


def format_q(value: Any, missing: str = DASH) -> str:
    """A p- or q-value: ``"<0.001"``, ``"0.012"``; NaN -> ``missing``."""
    number = to_float(value)
    if number is None:
        return missing
    if number < 0.001:
        return "<0.001"
    return f"{number:.3f}"


def format_metric(value: Any, missing: str = DASH) -> str:
    """A call metric's mean, with fewer decimals as it grows: ``0.46``, ``11.2``, ``1,450``."""
    number = to_float(value)
    if number is None:
        return missing
    if abs(number) >= 100:
        return f"{number:,.0f}"
    if abs(number) >= 10:
        return f"{number:,.1f}"
    return f"{number:.2f}"


def format_hours(hours: Any, missing: str = DASH) -> str:
    """A waiting time: ``1.54 -> "1.5 h"``, ``47.6 -> "48 h"``, ``150 -> "6.2 days"``; NaN ->
    ``missing``. Days from 72 hours on (three days read better than 72 h)."""
    number = to_float(hours)
    if number is None:
        return missing
    if abs(number) < 10:
        return f"{number:.1f} h"
    if abs(number) < 72:
        return f"{number:.0f} h"
    return f"{number / 24:.1f} days"


def format_timestamp(seconds: Any, missing: str = DASH) -> str:
    """Seconds from the call's start as ``mm:ss`` (``h:mm:ss`` from one hour on); negative
    times read as ``00:00``; NaN -> ``missing``."""
    number = to_float(seconds)
    if number is None:
        return missing
    total = int(max(number, 0.0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


# --------------------------------------------------------------------------- text


def humanize(value: Any) -> str:
    """An identifier as a label: ``"customer_talk_share" -> "Customer talk share"``;
    missing values give ""."""
    text = re.sub(r"[_\-]+", " ", to_text(value)).strip()
    return text[:1].upper() + text[1:] if text else text


def truncate(text: Any, limit: int) -> str:
    """Whitespace collapsed to single spaces, then cut to at most ``limit`` characters
    with an ellipsis, so a long quote or label cannot stretch a card or a chart row."""
    text = " ".join(to_text(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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
