"""Transcript importers (WebVTT, SRT, simple JSON, Gong JSON) and a WebVTT writer.

Readers live in a small registry keyed by format name, like spaCy's registries:

    @register_reader("otter", suffixes=(".otter",))
    def read_otter(text: str, ctx: ReadContext) -> Iterable[Segment]: ...

A reader gets the decoded file text and a :class:`ReadContext` (file path, rep names,
party roles, Gong call id) and returns segments; it reports problems with
``raise ctx.error("what is wrong and how to fix it", where="line 12")``.
:func:`read_transcript` picks the reader from the file suffix (:func:`detect_format`),
drops empty-text segments and returns the rest sorted by start time.

Conventions shared by all readers:

* Text is whitespace-normalised (runs of spaces and newlines become one space).
* Times are seconds, rounded to the millisecond.
* Speaker names become roles with :func:`speaker_role`; a ``parties`` mapping given to
  :func:`read_transcript` (speaker name or Gong speakerId -> ``rep``/``customer``/
  ``unknown`` or Gong's ``Internal``/``External``/``Unknown``) takes precedence.
* Gong files holding several calls: pass ``call_id`` (Gong's ``callId``) to pick one;
  without it such a file is refused (a silent "first call" would mix up calls).
  ``call_id`` must match a call in the file even when the file holds only one.
* Input files are only read, never written.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from callinsight.contracts import ROLES, InputError, Role, Segment

__all__ = [
    "MAX_TRANSCRIPT_BYTES",
    "READERS",
    "REP_LABELS",
    "CUSTOMER_LABELS",
    "ReadContext",
    "TranscriptError",
    "detect_format",
    "parse_transcript",
    "read_transcript",
    "register_reader",
    "speaker_role",
    "to_vtt",
    "write_vtt",
]

MAX_TRANSCRIPT_BYTES = 50 * 1024 * 1024  # larger files are refused

REP_LABELS = frozenset({"rep", "agent", "sales", "salesperson", "ae", "sdr", "sales rep"})
CUSTOMER_LABELS = frozenset({"customer", "prospect", "client", "buyer"})


class TranscriptError(InputError):
    """A transcript file cannot be read: names the file, the place, and what to fix."""

    def __init__(self, message: str, *, path: Path | str | None = None, where: str | None = None):
        self.path = None if path is None else str(path)
        self.where = where
        self.detail = message
        prefix = ""
        if path is not None:
            prefix = f"{path}: " if where is None else f"{path} ({where}): "
        elif where is not None:
            prefix = f"{where}: "
        super().__init__(prefix + message)


# --------------------------------------------------------------------------- roles


def _norm_name(name: object) -> str:
    return " ".join(str(name).split()).casefold() if name is not None else ""


def speaker_role(name: str | None, rep_names: Iterable[str] = ()) -> Role:
    """Role of a speaker label: rep words or the call's rep -> rep; other names -> customer.

    ``rep_names`` match case-insensitively, on the full name or on the first name when one
    side is a single word ("Maria" matches "Maria Lopez" and vice versa). Empty names and
    the literal "unknown" give "unknown".
    """
    key = _norm_name(name)
    if not key or key == "unknown":
        return "unknown"
    if key in REP_LABELS:
        return "rep"
    if _is_rep_name(key, rep_names):
        return "rep"
    return "customer"


def _is_rep_name(key: str, rep_names: Iterable[str]) -> bool:
    words = key.split()
    for rep in rep_names:
        rep_key = _norm_name(rep)
        if not rep_key:
            continue
        if key == rep_key:
            return True
        rep_words = rep_key.split()
        if (len(words) == 1 or len(rep_words) == 1) and words[0] == rep_words[0]:
            return True
    return False


_ROLE_VALUES: dict[str, Role] = {
    "rep": "rep",
    "internal": "rep",
    "customer": "customer",
    "external": "customer",
    "unknown": "unknown",
    "": "unknown",
}


def _role_value(value: object) -> Role | None:
    """A role given explicitly (rep/customer/unknown, Internal/External/Unknown, or a label)."""
    if not isinstance(value, str):
        return None
    key = _norm_name(value)
    if key in _ROLE_VALUES:
        return _ROLE_VALUES[key]
    if key in REP_LABELS:
        return "rep"
    if key in CUSTOMER_LABELS:
        return "customer"
    return None


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class ReadContext:
    """What a reader knows besides the text: where it came from and how to name roles."""

    path: Path
    rep_names: tuple[str, ...] = ()
    parties: Mapping[str, Role] = field(default_factory=dict)
    call_id: str | None = None

    def error(self, message: str, *, where: str | None = None) -> TranscriptError:
        """A TranscriptError naming this file (raise it)."""
        return TranscriptError(message, path=self.path, where=where)

    def role(self, name: object) -> Role:
        """Role of a speaker name: the ``parties`` mapping first, then :func:`speaker_role`."""
        if name is None:
            return "unknown"
        text = " ".join(str(name).split())
        if text in self.parties:
            return self.parties[text]
        folded = text.casefold()
        for key, role in self.parties.items():
            if key.casefold() == folded:
                return role
        return speaker_role(text, self.rep_names)


Reader = Callable[[str, ReadContext], Iterable[Segment]]
Sniffer = Callable[[str], bool]

READERS: dict[str, Reader] = {}
_SUFFIXES: dict[str, list[str]] = {}
_SNIFFERS: dict[str, Sniffer] = {}


def register_reader(
    name: str, suffixes: Iterable[str], *, sniff: Sniffer | None = None
) -> Callable[[Reader], Reader]:
    """Decorator adding a reader for files ending in ``suffixes``.

    When several readers share a suffix, the first one whose ``sniff(text)`` returns True
    is used; a reader without ``sniff`` is the fallback. Registering a name again
    replaces the earlier reader.
    """

    def decorate(func: Reader) -> Reader:
        READERS[name] = func
        if sniff is not None:
            _SNIFFERS[name] = sniff
        else:
            _SNIFFERS.pop(name, None)
        for suffix in suffixes:
            key = suffix.lower() if suffix.startswith(".") else "." + suffix.lower()
            names = _SUFFIXES.setdefault(key, [])
            if name not in names:
                names.append(name)
        return func

    return decorate


def detect_format(path: Path | str, text: str | None = None) -> str:
    """Format name for a file, by suffix; ``.json`` is "gong" if it has ``callTranscripts``."""
    path = Path(path)
    names = [n for n in _SUFFIXES.get(path.suffix.lower(), []) if n in READERS]
    if not names:
        known = ", ".join(sorted(s for s, n in _SUFFIXES.items() if n))
        raise TranscriptError(
            f"unsupported transcript type {path.suffix or '(no suffix)'!r}; "
            f"use one of {known} or add a reader with register_reader().",
            path=path,
        )
    if len(names) == 1:
        return names[0]
    if text is None:
        text = _read_text(path)
    for name in names:
        sniffer = _SNIFFERS.get(name)
        if sniffer is not None and sniffer(text):
            return name
    fallback = [n for n in names if n not in _SNIFFERS]
    return fallback[0] if fallback else names[0]


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise TranscriptError("does not exist; check the transcript path.", path=path) from None
    except OSError as exc:
        raise TranscriptError(f"cannot read the file ({exc.strerror}).", path=path) from None
    if not path.is_file():
        raise TranscriptError("is not a file; give the path of a transcript file.", path=path)
    if size > MAX_TRANSCRIPT_BYTES:
        raise TranscriptError(
            f"is {size / 1024 / 1024:.0f} MB; transcripts over "
            f"{MAX_TRANSCRIPT_BYTES // 1024 // 1024} MB are refused. Split the file or check it "
            "is really a transcript.",
            path=path,
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TranscriptError(f"cannot read the file ({exc.strerror}).", path=path) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TranscriptError(
            f"is not valid UTF-8 (bad byte at offset {exc.start}); the transcript must be "
            "UTF-8 text: re-export or convert it (e.g. iconv -t UTF-8).",
            path=path,
        ) from None
    if not text.strip():
        raise TranscriptError("is empty; export the transcript again.", path=path)
    return text


def read_transcript(
    path: Path | str,
    *,
    rep_names: Iterable[str] = (),
    parties: Mapping[str, str] | None = None,
    call_id: str | None = None,
    fmt: str | None = None,
) -> list[Segment]:
    """Read a transcript file into segments sorted by start time.

    ``fmt`` overrides suffix detection; ``parties`` maps speaker names or Gong speakerIds to
    roles; ``call_id`` picks one call of a multi-call Gong file. Raises TranscriptError.
    """
    path = Path(path)
    text = _read_text(path)
    name = fmt or detect_format(path, text)
    return parse_transcript(text, name, path=path, rep_names=rep_names, parties=parties,
                            call_id=call_id)


def parse_transcript(
    text: str,
    fmt: str,
    *,
    path: Path | str = "<string>",
    rep_names: Iterable[str] = (),
    parties: Mapping[str, str] | None = None,
    call_id: str | None = None,
) -> list[Segment]:
    """Parse transcript text in the named format (``path`` is only used in messages)."""
    path = Path(path)
    reader = READERS.get(fmt)
    if reader is None:
        raise TranscriptError(
            f"unknown transcript format {fmt!r}; known: {', '.join(sorted(READERS))}.", path=path
        )
    ctx = ReadContext(
        path=path,
        rep_names=tuple(str(r) for r in rep_names),
        parties=_clean_parties(parties or {}, "the parties argument", path),
        call_id=None if call_id is None else str(call_id),
    )
    segments = [s for s in reader(text.lstrip("\ufeff"), ctx) if s.text.strip()]
    if not segments:
        raise ctx.error(f"contains no {fmt} cues with text; export the transcript again.")
    segments.sort(key=lambda s: s.start)
    return segments


def _clean_parties(parties: Mapping[str, Any], what: str, path: Path) -> dict[str, Role]:
    clean: dict[str, Role] = {}
    for key, value in parties.items():
        role = _role_value(value)
        if role is None:
            raise TranscriptError(
                f"{what} gives {value!r} for speaker {key!r}; use rep, customer or unknown "
                "(or Gong's Internal / External / Unknown).",
                path=path,
            )
        clean[" ".join(str(key).split())] = role
    return clean


# --------------------------------------------------------------------------- helpers


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _blocks(lines: list[str], start_index: int = 0) -> list[list[tuple[int, str]]]:
    """Blank-line separated blocks of (1-based line number, line)."""
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, line in enumerate(lines[start_index:], start=start_index + 1):
        if line.strip():
            current.append((number, line))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _split_cues(block: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """Split a block where a later line is a timing line (a forgotten blank line).

    An all-digit line just before that timing line goes with it (its cue id / number).
    """
    parts: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
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


def _ms(hours: str | None, minutes: str, seconds: str, millis: str) -> float:
    total = ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)
    return total / 1000


_VTT_TIME = re.compile(r"(?:([0-9]{1,7}):)?([0-5][0-9]):([0-5][0-9])\.([0-9]{3})")
_SRT_TIME = re.compile(r"(?:([0-9]{1,7}):)?([0-5]?[0-9]):([0-5][0-9])[,.]([0-9]{3})")


def _timing(
    line: str, pattern: re.Pattern[str], ctx: ReadContext, where: str, example: str
) -> tuple[float, float]:
    left, _, right = line.partition("-->")
    start_text = left.strip()
    end_parts = right.split()
    end_text = end_parts[0] if end_parts else ""
    times = []
    for label, value in (("start", start_text), ("end", end_text)):
        match = pattern.fullmatch(value)
        if match is None:
            hint = ""
            if pattern is _VTT_TIME and "," in value:
                hint = " (a comma: this looks like SRT; rename the file to .srt)"
            raise ctx.error(
                f"{label} time {value!r} is malformed{hint}; write it as {example}.", where=where
            )
        times.append(_ms(*match.groups()))
    start, end = times
    if end < start:
        raise ctx.error(
            f"cue ends ({end_text}) before it starts ({start_text}); fix the timing line.",
            where=where,
        )
    return start, end


# --------------------------------------------------------------------------- WebVTT

_TAG = re.compile(r"<([^<>]*)>")
_VOICE_OPEN = re.compile(r"v(?:\.[^\s>]*)?(?:[ \t\f]+(.*))?", re.S)
_VOICE_CLOSE = re.compile(r"/v\s*")
_SKIP_BLOCK = re.compile(r"(?:NOTE|STYLE|REGION)(?:[ \t].*)?")


def _vtt_spans(payload: str) -> list[tuple[str | None, str]]:
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
        text = _collapse(html.unescape("".join(parts)))
        if text:
            out.append((voice_name, text))
    return out


@register_reader("vtt", suffixes=(".vtt", ".webvtt"))
def read_vtt(text: str, ctx: ReadContext) -> list[Segment]:
    """WebVTT: voice tags give speakers; several voices in a cue share the cue's times."""
    lines = _lines(text)
    first = lines[0].lstrip("\ufeff")
    if not (first == "WEBVTT" or first.startswith(("WEBVTT ", "WEBVTT\t"))):
        raise ctx.error(
            f"a WebVTT file must start with the line 'WEBVTT', found {first[:40]!r}.",
            where="line 1",
        )
    blocks = _blocks(lines)
    header = blocks[0] if blocks else []
    # lenient: a cue written right under the header without a blank line
    cue_in_header = next((i for i, (_, ln) in enumerate(header) if "-->" in ln), None)
    body = blocks[1:]
    if cue_in_header is not None:
        body.insert(0, header[cue_in_header:])
    segments: list[Segment] = []
    for block in body:
        first_line = block[0][1].strip()
        if _SKIP_BLOCK.fullmatch(first_line) and "-->" not in first_line:
            continue
        for cue in _split_cues(block):
            segments.extend(_vtt_cue(cue, ctx))
    return segments


def _vtt_cue(cue: list[tuple[int, str]], ctx: ReadContext) -> list[Segment]:
    number, first_line = cue[0]
    if "-->" in first_line:
        cue_id, timing, payload = None, cue[0], cue[1:]
    elif len(cue) > 1 and "-->" in cue[1][1]:
        cue_id, timing, payload = first_line.strip(), cue[1], cue[2:]
    else:
        raise ctx.error(
            f"expected a cue timing line like '00:01.000 --> 00:04.000' (or a NOTE block), "
            f"found {first_line.strip()[:40]!r}; remove stray text or blank lines inside cues.",
            where=f"line {number}",
        )
    where = f"line {timing[0]}" + (f", cue {cue_id!r}" if cue_id else "")
    start, end = _timing(timing[1], _VTT_TIME, ctx, where, "hh:mm:ss.mmm or mm:ss.mmm")
    spans = _vtt_spans("\n".join(line for _, line in payload))
    return [
        Segment(start=start, end=end, speaker=ctx.role(voice) if voice else "unknown", text=text)
        for voice, text in spans
    ]


# --------------------------------------------------------------------------- SRT

_SRT_TAG = re.compile(r"<[^<>]*>|\{\\[^{}]*\}")
_ENTITY = re.compile(r"&(?:[A-Za-z]{2,8}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_NAME = r"[^\W\d_][\w.'’\-]*(?: [\w.'’\-]+){0,3}"
_SRT_SPEAKER = re.compile(
    rf"\s*(?:>>\s*(?:(?P<chev>{_NAME})\s*:(?=\s|$))?"
    rf"|\[(?P<brk>{_NAME})\]\s*:?"
    rf"|(?:-\s+)?(?P<plain>{_NAME})\s*:(?=\s|$))\s*"
)
_NON_SPEECH = frozenset(
    {
        "laughs", "laughter", "laughing", "music", "applause", "inaudible", "crosstalk",
        "silence", "noise", "background noise", "coughs", "cough", "pause", "sighs",
        "chuckles", "phone rings", "unintelligible", "no audio", "static", "beep",
    }
)


def _looks_like_name(name: str) -> bool:
    """A speaker prefix, not a sound note ("[laughs]") or a clause ("So the thing is:")."""
    key = _norm_name(name)
    if key in _NON_SPEECH:
        return False
    words = name.split()
    return len(words) == 1 or key in REP_LABELS or key in CUSTOMER_LABELS or all(
        w[0].isupper() for w in words[1:]
    )


def _srt_text(line: str) -> str:
    line = _SRT_TAG.sub("", line)
    return _ENTITY.sub(lambda m: html.unescape(m.group()), line)


@register_reader("srt", suffixes=(".srt",))
def read_srt(text: str, ctx: ReadContext) -> list[Segment]:
    """SRT: speakers from a leading ``Name:``, ``[Name]`` or ``>> Name:`` on a line."""
    segments: list[Segment] = []
    for block in _blocks(_lines(text)):
        for cue in _split_cues(block):
            segments.extend(_srt_cue(cue, ctx))
    return segments


def _srt_cue(cue: list[tuple[int, str]], ctx: ReadContext) -> list[Segment]:
    number, first_line = cue[0]
    if "-->" in first_line:
        index, timing, payload = None, cue[0], cue[1:]
    elif first_line.strip().isdigit() and len(cue) > 1 and "-->" in cue[1][1]:
        index, timing, payload = first_line.strip(), cue[1], cue[2:]
    else:
        raise ctx.error(
            "expected a subtitle number followed by a line like "
            f"'00:00:01,000 --> 00:00:04,000', found {first_line.strip()[:40]!r}.",
            where=f"line {number}",
        )
    where = f"line {timing[0]}" + (f", subtitle {index}" if index else "")
    start, end = _timing(timing[1], _SRT_TIME, ctx, where, "hh:mm:ss,mmm")
    spans: list[tuple[str | None, list[str]]] = [(None, [])]
    for _, raw_line in payload:
        line = _srt_text(raw_line)
        match = _SRT_SPEAKER.match(line)
        if match is not None and match.end() > 0:
            name = match.group("chev") or match.group("brk") or match.group("plain")
            is_marker = line.lstrip().startswith(">>")
            if name is not None and not _looks_like_name(name):
                spans[-1][1].append(line)
                continue
            if name is not None or is_marker:
                spans.append((name, [line[match.end() :]]))
                continue
        spans[-1][1].append(line)
    out = []
    for name, parts in spans:
        body = _collapse(" ".join(parts))
        if body:
            role = ctx.role(name) if name else "unknown"
            out.append(Segment(start=start, end=end, speaker=role, text=body))
    return out


# --------------------------------------------------------------------------- JSON helpers


def _load_json(text: str, ctx: ReadContext, path: Path | None = None) -> Any:
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


def _number(value: Any, ctx: ReadContext, where: str, name: str, unit: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ctx.error(
            f"{name!r} must be a number of {unit}, got {value!r:.40}.", where=where
        )
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ctx.error(f"{name!r} must be a finite number of {unit}, got {value!r:.40}.",
                        where=where)
    if number < 0:
        raise ctx.error(f"{name!r} is negative ({value!r}); times count from the call's start.",
                        where=where)
    return number


def _times(item: Mapping[str, Any], ctx: ReadContext, where: str, scale: float, unit: str
           ) -> tuple[float, float]:
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


def _text(item: Mapping[str, Any], ctx: ReadContext, where: str) -> str:
    if "text" not in item:
        raise ctx.error("missing 'text'; every entry needs the spoken text.", where=where)
    value = item["text"]
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ctx.error(f"'text' must be a string, got {type(value).__name__}.", where=where)
    return _collapse(value)


# --------------------------------------------------------------------------- simple JSON


@register_reader("json", suffixes=(".json",))
def read_json(text: str, ctx: ReadContext) -> list[Segment]:
    """List of ``{speaker, start, end, text, confidence?}`` (seconds) or ``{"segments": list}``."""
    data = _load_json(text, ctx)
    if isinstance(data, dict) and "segments" in data:
        data = data["segments"]
        label = "segments"
    else:
        label = ""
    if not isinstance(data, list):
        raise ctx.error(
            "expected a list of {speaker, start, end, text} objects or {\"segments\": [...]}; "
            "for Gong exports keep the top-level 'callTranscripts' key."
        )
    segments = []
    for i, item in enumerate(data):
        where = f"{label}[{i}]"
        if not isinstance(item, dict):
            raise ctx.error(f"each segment must be an object, got {type(item).__name__}.",
                            where=where)
        start, end = _times(item, ctx, where, 1.0, "seconds")
        body = _text(item, ctx, where)
        speaker = item.get("speaker")
        if speaker is not None and not isinstance(speaker, str):
            raise ctx.error(f"'speaker' must be a string, got {speaker!r:.40}.", where=where)
        confidence = item.get("confidence")
        if confidence is not None:
            if isinstance(confidence, bool) or not isinstance(confidence, int | float):
                raise ctx.error(f"'confidence' must be a number, got {confidence!r:.40}.",
                                where=where)
            try:
                confidence = float(confidence)
            except OverflowError:
                confidence = math.inf
            if not math.isfinite(confidence):
                raise ctx.error("'confidence' must be finite.", where=where)
        if body:
            segments.append(Segment(start=start, end=end, speaker=ctx.role(speaker), text=body,
                                    confidence=confidence))
    return segments


# --------------------------------------------------------------------------- Gong JSON


def _sniff_gong(text: str) -> bool:
    if "callTranscripts" not in text:
        return False
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return False
    return isinstance(data, dict) and "callTranscripts" in data


def _speaker_id(value: Any, ctx: ReadContext, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ctx.error(f"'speakerId' must be a string, got {value!r:.40}.", where=where)
    return str(value)


def _party_roles(parties: Any, ctx: ReadContext, where: str, path: Path | None = None
                 ) -> dict[str, Role]:
    """speakerId -> role from a Gong parties list or a {speakerId: role} mapping."""
    src = path or ctx.path
    if isinstance(parties, dict) and isinstance(parties.get("parties"), list):
        parties = parties["parties"]
    roles: dict[str, Role] = {}
    if isinstance(parties, dict):
        for key, value in parties.items():
            role = _role_value(value.get("affiliation") if isinstance(value, dict) else value)
            if role is None:
                raise TranscriptError(
                    f"{where}: speaker {key!r} has role {value!r:.40}; use rep, customer or "
                    "unknown (or Internal / External / Unknown).",
                    path=src,
                )
            roles[str(key)] = role
        return roles
    if not isinstance(parties, list):
        raise TranscriptError(
            f"{where} must be a list of parties ({{speakerId, affiliation, name}}) or a "
            "{speakerId: role} mapping.",
            path=src,
        )
    for i, party in enumerate(parties):
        if not isinstance(party, dict):
            raise TranscriptError(f"{where}[{i}] must be an object.", path=src)
        sid = party.get("speakerId")
        if sid is None or isinstance(sid, bool) or not isinstance(sid, str | int):
            continue  # invited but silent parties have no speakerId
        role = _role_value(party.get("affiliation"))
        if role in (None, "unknown"):
            name = party.get("name")
            role = "rep" if isinstance(name, str) and name.strip() and _is_rep_name(
                _norm_name(name), ctx.rep_names) else "unknown"
        roles[str(sid)] = role
    return roles


def _pick_call(calls: list[Any], ctx: ReadContext) -> tuple[int, dict[str, Any]]:
    ids = []
    for i, call in enumerate(calls):
        if not isinstance(call, dict):
            raise ctx.error("each entry must be an object.", where=f"callTranscripts[{i}]")
        ids.append(str(call.get("callId", "")))
    if ctx.call_id is not None:
        for i, call_id in enumerate(ids):
            if call_id == ctx.call_id:
                return i, calls[i]
        raise ctx.error(
            f"has no call with callId {ctx.call_id!r}; it holds {', '.join(map(repr, ids))}."
        )
    if len(calls) != 1:
        raise ctx.error(
            f"holds {len(calls)} calls ({', '.join(map(repr, ids[:10]))}); pass call_id to "
            "pick one, or export one call per file."
        )
    return 0, calls[0]


@register_reader("gong", suffixes=(".json",), sniff=_sniff_gong)
def read_gong(text: str, ctx: ReadContext) -> list[Segment]:
    """Gong ``/v2/calls/transcript`` JSON; roles from parties affiliation (see module doc)."""
    data = _load_json(text, ctx)
    if not isinstance(data, dict) or not isinstance(data.get("callTranscripts"), list):
        raise ctx.error("expected a Gong transcript: an object with a 'callTranscripts' list.")
    calls = data["callTranscripts"]
    if not calls:
        raise ctx.error("'callTranscripts' is empty; the export holds no call.")
    index, call = _pick_call(calls, ctx)
    base = f"callTranscripts[{index}]"

    roles: dict[str, Role] = {}
    sibling = ctx.path.with_name(ctx.path.stem + ".parties.json")
    if ctx.path.name != "<string>" and sibling.is_file():
        sib_text = _read_text(sibling)
        sib_data = _load_json(sib_text, ctx, path=sibling)
        if isinstance(sib_data, dict) and isinstance(sib_data.get("calls"), list):
            sib_data = _parties_from_extensive(sib_data["calls"], call, ctx, sibling)
        roles.update(_party_roles(sib_data, ctx, "parties", path=sibling))
    if isinstance(data.get("calls"), list):
        roles.update(_party_roles(_parties_from_extensive(data["calls"], call, ctx, ctx.path),
                                  ctx, "calls[].parties"))
    if "parties" in data:
        roles.update(_party_roles(data["parties"], ctx, "parties"))
    if "parties" in call:
        roles.update(_party_roles(call["parties"], ctx, f"{base}.parties"))
    roles.update(ctx.parties)

    monologues = call.get("transcript")
    if not isinstance(monologues, list):
        raise ctx.error("'transcript' must be a list of monologues.", where=base)
    segments = []
    for i, mono in enumerate(monologues):
        where = f"{base}.transcript[{i}]"
        if not isinstance(mono, dict):
            raise ctx.error("each monologue must be an object.", where=where)
        sid = mono.get("speakerId")
        role: Role = "unknown" if sid is None else roles.get(_speaker_id(sid, ctx, where),
                                                             "unknown")
        sentences = mono.get("sentences")
        if not isinstance(sentences, list):
            raise ctx.error("'sentences' must be a list of {start, end, text}.", where=where)
        for j, sentence in enumerate(sentences):
            swhere = f"{where}.sentences[{j}]"
            if not isinstance(sentence, dict):
                raise ctx.error("each sentence must be an object.", where=swhere)
            start, end = _times(sentence, ctx, swhere, 1000.0, "milliseconds")
            body = _text(sentence, ctx, swhere)
            if body:
                segments.append(Segment(start=start, end=end, speaker=role, text=body))
    return segments


def _parties_from_extensive(calls: list[Any], call: dict[str, Any], ctx: ReadContext,
                            path: Path) -> list[Any]:
    """Parties of the matching call in a Gong ``/v2/calls/extensive`` style ``calls`` list."""
    wanted = str(call.get("callId", ""))
    found: list[Any] = []
    for item in calls:
        if not isinstance(item, dict):
            continue
        meta = item.get("metaData")
        item_id = str(meta.get("id", "")) if isinstance(meta, dict) else str(item.get("id", ""))
        if (item_id == wanted or len(calls) == 1) and isinstance(item.get("parties"), list):
            found.extend(item["parties"])
    return found


# --------------------------------------------------------------------------- writer


def _timestamp(seconds: float) -> str:
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"cannot write time {seconds!r}: must be finite and >= 0")
    ms = round(seconds * 1000)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _escape(text: str) -> str:
    return _collapse(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(segments: Sequence[Segment]) -> str:
    """WebVTT text with ``<v rep>``/``<v customer>``/``<v unknown>`` voices, cues by start."""
    out = ["WEBVTT", ""]
    ordered = sorted(segments, key=lambda s: s.start)
    for number, seg in enumerate(ordered, start=1):
        if seg.end < seg.start:
            raise ValueError(f"segment {number} ends before it starts: {seg!r:.80}")
        speaker = seg.speaker if seg.speaker in ROLES else "unknown"
        out += [
            str(number),
            f"{_timestamp(seg.start)} --> {_timestamp(seg.end)}",
            f"<v {speaker}>{_escape(seg.text)}</v>",
            "",
        ]
    return "\n".join(out)


def write_vtt(segments: Sequence[Segment], path_or_stream: Path | str | IO[str]) -> None:
    """Write :func:`to_vtt` output to a text stream or (atomically) to a file path."""
    text = to_vtt(segments)
    if hasattr(path_or_stream, "write"):
        path_or_stream.write(text)  # type: ignore[union-attr]
        return
    path = Path(path_or_stream)  # type: ignore[arg-type]
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
