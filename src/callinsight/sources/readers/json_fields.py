"""JSON loading and field checks shared by the JSON readers, so both word errors alike."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from callinsight.sources.readers.base import ReadContext, TranscriptError, collapse


def load_json(text: str, ctx: ReadContext, path: Path | None = None) -> Any:
    """Parsed JSON; a TranscriptError naming ``path`` (default: the context's) if it is not."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptError(
            f"is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
            "fix or re-export the file.",
            path=path or ctx.path,
        ) from None
    except (RecursionError, ValueError) as exc:
        raise TranscriptError(
            f"cannot be parsed as JSON ({type(exc).__name__}); check the file.",
            path=path or ctx.path,
        ) from None


def as_float(value: Any) -> float | None:
    """A JSON number as a float (inf when too large for one); None if it is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _number(value: Any, ctx: ReadContext, where: str, name: str, unit: str) -> float:
    number = as_float(value)
    if number is None:
        raise ctx.error(
            f"{name!r} must be a number of {unit}, got {value!r:.40}.", where=where
        )
    if not math.isfinite(number):
        raise ctx.error(f"{name!r} must be a finite number of {unit}, got {value!r:.40}.",
                        where=where)
    if number < 0:
        raise ctx.error(f"{name!r} is negative ({value!r}); times count from the call's start.",
                        where=where)
    return number


def entry_times(item: Mapping[str, Any], ctx: ReadContext, where: str, scale: float, unit: str
                ) -> tuple[float, float]:
    """``start`` and ``end`` of an entry, given in ``unit`` (``scale`` per second), in seconds."""
    for key in ("start", "end"):
        if key not in item:
            raise ctx.error(f"missing {key!r} ({unit}); every entry needs start and end.",
                            where=where)
    start = round(_number(item["start"], ctx, where, "start", unit) / scale, 3)
    end = round(_number(item["end"], ctx, where, "end", unit) / scale, 3)
    if not (math.isfinite(start) and math.isfinite(end)):
        raise ctx.error("times are too large.", where=where)
    if end < start:
        raise ctx.error(f"'end' ({item['end']}) is before 'start' ({item['start']}).",
                        where=where)
    return start, end


def entry_text(item: Mapping[str, Any], ctx: ReadContext, where: str) -> str:
    """The whitespace-normalised ``text`` of an entry ("" for null)."""
    if "text" not in item:
        raise ctx.error("missing 'text'; every entry needs the spoken text.", where=where)
    value = item["text"]
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ctx.error(f"'text' must be a string, got {type(value).__name__}.", where=where)
    return collapse(value)
