"""WebVTT reader: voice tags (``<v Name>``, Teams) or ``Name:`` prefixes (Zoom) name speakers.

A ``Name:`` prefix counts only when most voice-less cues have one: in a speaker-less file,
"Note: the price..." is text, not a speaker called Note.
"""

from __future__ import annotations

import html
import re

from callinsight.contracts import Segment
from callinsight.sources.readers.base import ReadContext, collapse, register_reader
from callinsight.sources.readers.cues import CueSyntax, Line, blocks, cue_header, split_cues, split_lines
from callinsight.sources.readers.roles import NAME_PATTERN, looks_like_name

VTT_SYNTAX = CueSyntax(
    time=re.compile(r"(?:([0-9]{1,7}):)?([0-5][0-9]):([0-5][0-9])\.([0-9]{3})"),
    time_example="hh:mm:ss.mmm or mm:ss.mmm",
    bad_header=(
        "expected a cue timing line like '00:01.000 --> 00:04.000' (or a NOTE block), "
        "found {found!r}; remove stray text or blank lines inside cues."
    ),
    id_where=", cue {id!r}",
    comma_hint=" (a comma: this looks like SRT; rename the file to .srt)",
)

_TAG = re.compile(r"<([^<>]*)>")
_VOICE_OPEN = re.compile(r"v(?:\.[^\s>]*)?(?:[ \t\f]+(.*))?", re.S)
_VOICE_CLOSE = re.compile(r"/v\s*")
_SKIP_BLOCK = re.compile(r"(?:NOTE|STYLE|REGION)(?:[ \t].*)?")
_PREFIX = re.compile(rf"(?P<name>{NAME_PATTERN})\s*:(?:\s+|$)")

Span = tuple[str | None, str]  # (voice annotation or None, text)


def _vtt_spans(payload: str) -> list[Span]:
    """(voice annotation or None, text) spans of a cue payload, tags stripped."""
    spans: list[tuple[str | None, list[str]]] = [(None, [])]
    pos = 0
    for match in _TAG.finditer(payload):
        spans[-1][1].append(payload[pos : match.start()])
        pos = match.end()
        inner = match.group(1).strip()
        voice = _VOICE_OPEN.fullmatch(inner)
        if voice is not None:
            spans.append((html.unescape(voice.group(1) or "").strip(), []))
        elif _VOICE_CLOSE.fullmatch(inner):
            spans.append((None, []))
        # any other tag (<c>, <i>, <b>, <u>, <ruby>, <lang>, timestamps) is dropped
    spans[-1][1].append(payload[pos:])
    out = []
    for voice_name, parts in spans:
        text = collapse(html.unescape("".join(parts)))
        if text:
            out.append((voice_name, text))
    return out


@register_reader("vtt", suffixes=(".vtt", ".webvtt"))
def read_vtt(text: str, ctx: ReadContext) -> list[Segment]:
    """WebVTT: voice tags give speakers; several voices in a cue share the cue's times."""
    lines = split_lines(text)
    first = lines[0].lstrip("\ufeff")
    if not (first == "WEBVTT" or first.startswith(("WEBVTT ", "WEBVTT\t"))):
        raise ctx.error(
            f"a WebVTT file must start with the line 'WEBVTT', found {first[:40]!r}.",
            where="line 1",
        )
    found = blocks(lines)
    header = found[0] if found else []
    # lenient: a cue written right under the header without a blank line
    cue_in_header = next((i for i, (_, ln) in enumerate(header) if "-->" in ln), None)
    body = found[1:]
    if cue_in_header is not None:
        body.insert(0, header[cue_in_header:])
    cues = [_vtt_cue(cue, ctx) for block in body if not _is_skipped(block) for cue in split_cues(block)]
    plain = [text for _, _, spans in cues for voice, text in spans if voice is None]
    prefixed = sum(_name_prefix(text) is not None for text in plain)
    use_prefix = prefixed >= 2 and 2 * prefixed > len(plain)
    segments = []
    for start, end, spans in cues:
        for voice, text in spans:
            match = _name_prefix(text) if use_prefix and voice is None else None
            if match is not None:
                voice, text = match.group("name"), text[match.end():]
            if text:
                segments.append(ctx.segment(start, end, voice or None, text))
    return segments


def _name_prefix(text: str) -> re.Match[str] | None:
    """A leading ``Name:`` (Zoom's speaker prefix), if the name looks like one."""
    match = _PREFIX.match(text)
    return match if match is not None and looks_like_name(match.group("name")) else None


def _is_skipped(block: list[Line]) -> bool:
    """A NOTE, STYLE or REGION block: no cue, nothing spoken."""
    first_line = block[0][1].strip()
    return _SKIP_BLOCK.fullmatch(first_line) is not None and "-->" not in first_line


def _vtt_cue(cue: list[Line], ctx: ReadContext) -> tuple[float, float, list[Span]]:
    start, end, payload = cue_header(cue, ctx, VTT_SYNTAX)
    return start, end, _vtt_spans("\n".join(line for _, line in payload))
