"""SRT reader: subtitle exports carry speakers only as a ``Name:``-style prefix on a line."""

from __future__ import annotations

import html
import re

from callinsight.contracts import Segment
from callinsight.sources.readers.base import ReadContext, collapse, register_reader
from callinsight.sources.readers.cues import CueSyntax, Line, blocks, cue_header, cue_segments, split_lines
from callinsight.sources.readers.roles import NAME_PATTERN, looks_like_name

SRT_SYNTAX = CueSyntax(
    time=re.compile(r"(?:([0-9]{1,7}):)?([0-5]?[0-9]):([0-5][0-9])[,.]([0-9]{3})"),
    time_example="hh:mm:ss,mmm",
    bad_header=(
        "expected a subtitle number followed by a line like "
        "'00:00:01,000 --> 00:00:04,000', found {found!r}."
    ),
    id_where=", subtitle {id}",
    numeric_id=True,
)

_SRT_TAG = re.compile(r"<[^<>]*>|\{\\[^{}]*\}")
_ENTITY = re.compile(r"&(?:[A-Za-z]{2,8}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_NAME = NAME_PATTERN
_SRT_SPEAKER = re.compile(
    rf"\s*(?:>>\s*(?:(?P<chev>{_NAME})\s*:(?=\s|$))?"
    rf"|\[(?P<brk>{_NAME})\]\s*:?"
    rf"|(?:-\s+)?(?P<plain>{_NAME})\s*:(?=\s|$))\s*"
)
def _srt_text(line: str) -> str:
    line = _SRT_TAG.sub("", line)
    return _ENTITY.sub(lambda m: html.unescape(m.group()), line)


@register_reader("srt", suffixes=(".srt",))
def read_srt(text: str, ctx: ReadContext) -> list[Segment]:
    """SRT: speakers from a leading ``Name:``, ``[Name]`` or ``>> Name:`` on a line."""
    return cue_segments(blocks(split_lines(text)), ctx, _srt_cue)


def _srt_cue(cue: list[Line], ctx: ReadContext) -> list[Segment]:
    start, end, payload = cue_header(cue, ctx, SRT_SYNTAX)
    spans: list[tuple[str | None, list[str]]] = [(None, [])]
    for _, raw_line in payload:
        line = _srt_text(raw_line)
        match = _SRT_SPEAKER.match(line)
        if match is not None and match.end() > 0:
            name = match.group("chev") or match.group("brk") or match.group("plain")
            is_marker = line.lstrip().startswith(">>")
            if name is not None and not looks_like_name(name):
                spans[-1][1].append(line)
                continue
            if name is not None or is_marker:
                spans.append((name, [line[match.end() :]]))
                continue
        spans[-1][1].append(line)
    out = []
    for name, parts in spans:
        body = collapse(" ".join(parts))
        if body:
            out.append(ctx.segment(start, end, name or None, body))
    return out
