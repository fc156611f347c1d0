"""Cue blocks and timing lines, the part of WebVTT and SRT that is the same.

Both formats are blank-line separated cues: an optional id line, a ``start --> end``
timing line, then text. :class:`CueSyntax` holds what differs (time pattern, messages).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from callinsight.contracts import Segment
from callinsight.sources.readers.base import ReadContext

Line = tuple[int, str]  # (1-based line number, line)


@dataclass(frozen=True)
class CueSyntax:
    """How one format writes a cue header, and how its messages describe it."""

    time: re.Pattern[str]  # one timestamp; groups: hours (optional), minutes, seconds, millis
    time_example: str  # how a timestamp should look, for messages
    bad_header: str  # message when no timing line is found; ``{found!r}`` is the first line
    id_where: str  # appended to "line N" for a cue with an id; ``{id}`` is the id
    numeric_id: bool = False  # only an all-digit line may stand before the timing line
    comma_hint: str = ""  # added to a malformed time holding a comma


def split_lines(text: str) -> list[str]:
    """Lines of ``text`` with any newline convention."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def blocks(lines: list[str], start_index: int = 0) -> list[list[Line]]:
    """Blank-line separated blocks of (1-based line number, line)."""
    found: list[list[Line]] = []
    current: list[Line] = []
    for number, line in enumerate(lines[start_index:], start=start_index + 1):
        if line.strip():
            current.append((number, line))
        elif current:
            found.append(current)
            current = []
    if current:
        found.append(current)
    return found


def split_cues(block: list[Line]) -> list[list[Line]]:
    """Split a block where a later line is a timing line (a forgotten blank line).

    An all-digit line just before that timing line goes with it (its cue id / number).
    """
    parts: list[list[Line]] = []
    current: list[Line] = []
    for i, (number, line) in enumerate(block):
        if i > 1 and "-->" in line:
            cut = len(current)
            if current and current[-1][1].strip().isdigit() and cut > 1:
                cut -= 1
            if cut > 0 and any("-->" in ln for _, ln in current[:cut]):
                parts.append(current[:cut])
                current = current[cut:]
        current.append((number, line))
    parts.append(current)
    return parts


def cue_segments(
    found: Iterable[list[Line]],
    ctx: ReadContext,
    read_cue: Callable[[list[Line], ReadContext], list[Segment]],
) -> list[Segment]:
    """Segments of every cue in ``found`` blocks, each block split with :func:`split_cues`."""
    segments: list[Segment] = []
    for block in found:
        for cue in split_cues(block):
            segments.extend(read_cue(cue, ctx))
    return segments


def cue_header(cue: list[Line], ctx: ReadContext, syntax: CueSyntax) -> tuple[float, float, list[Line]]:
    """Start, end (seconds) and payload lines of a cue; raises on a missing or bad timing line."""
    number, first_line = cue[0]
    if "-->" in first_line:
        cue_id, timing, payload = None, cue[0], cue[1:]
    elif ((not syntax.numeric_id or first_line.strip().isdigit())
          and len(cue) > 1 and "-->" in cue[1][1]):
        cue_id, timing, payload = first_line.strip(), cue[1], cue[2:]
    else:
        raise ctx.error(syntax.bad_header.format(found=first_line.strip()[:40]),
                        where=f"line {number}")
    where = f"line {timing[0]}" + (syntax.id_where.format(id=cue_id) if cue_id else "")
    start, end = _timing(timing[1], syntax, ctx, where)
    return start, end, payload


def _seconds(hours: str | None, minutes: str, seconds: str, millis: str) -> float:
    total = ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)
    return total / 1000


def _timing(line: str, syntax: CueSyntax, ctx: ReadContext, where: str) -> tuple[float, float]:
    left, _, right = line.partition("-->")
    start_text = left.strip()
    end_parts = right.split()
    end_text = end_parts[0] if end_parts else ""
    times = []
    for label, value in (("start", start_text), ("end", end_text)):
        match = syntax.time.fullmatch(value)
        if match is None:
            hint = syntax.comma_hint if "," in value else ""
            raise ctx.error(
                f"{label} time {value!r} is malformed{hint}; write it as {syntax.time_example}.",
                where=where,
            )
        times.append(_seconds(*match.groups()))
    start, end = times
    if end < start:
        raise ctx.error(
            f"cue ends ({end_text}) before it starts ({start_text}); fix the timing line.",
            where=where,
        )
    return start, end
