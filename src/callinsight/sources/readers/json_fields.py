"""JSON loading, sniffing and field checks shared by the JSON readers, so all word errors alike."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from callinsight.sources.readers.base import ReadContext, TranscriptError, collapse

# the last text a sniffer parsed, and its data: the reader chosen next takes it over, so
# telling vendors apart and reading costs one parse (a single slot, dropped once taken)
_sniffed: tuple[str, Any] | None = None


def _parsed(text: str) -> Any:
    global _sniffed
    last = _sniffed
    if last is not None and last[0] == text:
        return last[1]
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        data = None
    _sniffed = (text, data)
    return data


def sniff_json(text: str, markers: tuple[str, ...], test: Callable[[Any], bool]) -> bool:
    """Whether ``text`` holds one of ``markers`` and parses to JSON passing ``test``.

    The parse is kept for the reader that is chosen (see :func:`load_json`), so several
    sniffers and the reader parse a file once; ``test`` must not change the data.
    """
    if not any(marker in text for marker in markers):
        return False
    data = _parsed(text)
    try:
        return data is not None and bool(test(data))
    except (AttributeError, KeyError, IndexError, TypeError):
        return False


def load_json(text: str, ctx: ReadContext, path: Path | None = None) -> Any:
    """Parsed JSON; a TranscriptError naming ``path`` (default: the context's) if it is not."""
    global _sniffed
    last, _sniffed = _sniffed, None
    if last is not None and last[1] is not None and last[0] == text:
        return last[1]
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


def number(value: Any, ctx: ReadContext, where: str, name: str, unit: str) -> float:
    """A finite, non-negative JSON number, or a TranscriptError naming the field."""
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
    start = round(number(item["start"], ctx, where, "start", unit) / scale, 3)
    end = round(number(item["end"], ctx, where, "end", unit) / scale, 3)
    if not (math.isfinite(start) and math.isfinite(end)):
        raise ctx.error("times are too large.", where=where)
    if end < start:
        raise ctx.error(f"'end' ({item['end']}) is before 'start' ({item['start']}).",
                        where=where)
    return start, end


def entry_text(item: Mapping[str, Any], ctx: ReadContext, where: str, key: str = "text") -> str:
    """The whitespace-normalised ``text`` (or ``key``) of an entry ("" for null)."""
    if key not in item:
        raise ctx.error(f"missing {key!r}; every entry needs the spoken text.", where=where)
    value = item[key]
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ctx.error(f"{key!r} must be a string, got {type(value).__name__}.", where=where)
    return collapse(value)


def list_field(data: Mapping[str, Any], key: str, ctx: ReadContext, where: str, what: str
               ) -> list[Any]:
    """``data[key]`` as a list (null or missing: empty); a TranscriptError if it is not one."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ctx.error(f"{key!r} must be a list of {what}, got {type(value).__name__}.",
                        where=where)
    return value


def object_at(items: list[Any], i: int, ctx: ReadContext, where: str) -> Mapping[str, Any]:
    """``items[i]`` if it is a JSON object; a TranscriptError otherwise."""
    item = items[i]
    if not isinstance(item, dict):
        raise ctx.error(f"each entry must be an object, got {type(item).__name__}.", where=where)
    return item


def label_field(item: Mapping[str, Any], key: str, ctx: ReadContext, where: str) -> str | None:
    """A speaker or channel label (string or integer) as a string; None when null or missing."""
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ctx.error(f"{key!r} must be a string or an integer, got {value!r:.40}.", where=where)
    return collapse(str(value)) or None


def timed_entries(items: list[Any], ctx: ReadContext, prefix: str, scale: float, unit: str,
                  text_key: str = "text") -> Iterator[tuple[str, Mapping[str, Any], float, float, str]]:
    """Each entry of a JSON list of timed texts, checked: ``(where, item, start, end, text)``.

    ``where`` names the entry in messages (``prefix[i]``); times are in seconds.
    """
    for i in range(len(items)):
        where = f"{prefix}[{i}]"
        item = object_at(items, i, ctx, where)
        start, end = entry_times(item, ctx, where, scale, unit)
        yield where, item, start, end, entry_text(item, ctx, where, text_key)
