"""WhisperX and openai-whisper JSON readers: ``{"segments": [...]}`` written by the CLIs.

WhisperX names diarized speakers "SPEAKER_00", "SPEAKER_01": anonymous labels, so the role
stays "unknown" with the label kept (a segment without a speaker has neither). The
``whisper`` CLI's ``--output_format json`` has no speakers at all; its ``avg_logprob`` is
the same confidence the project's own Whisper stage records.
"""

from __future__ import annotations

import math
from typing import Any

from callinsight.contracts import Segment
from callinsight.sources.readers.base import ReadContext, register_reader
from callinsight.sources.readers.json_fields import (
    as_float,
    label_field,
    list_field,
    load_json,
    sniff_json,
    timed_entries,
)

_WHISPER_KEYS = ("tokens", "seek", "avg_logprob")


def _segment_dicts(data: Any) -> list[dict[str, Any]] | None:
    segments = data.get("segments") if isinstance(data, dict) else None
    if not isinstance(segments, list):
        return None
    return [s for s in segments if isinstance(s, dict)]


def _is_whisper(data: Any) -> bool:
    """openai-whisper: segments with decoder fields (tokens, seek) and no speakers."""
    segments = _segment_dicts(data)
    return (segments is not None and any(k in s for s in segments for k in _WHISPER_KEYS)
            and not any("speaker" in s for s in segments))


def _is_whisperx(data: Any) -> bool:
    """WhisperX: word-aligned segments (``words`` lists or top-level ``word_segments``)."""
    segments = _segment_dicts(data)
    return (segments is not None and not _is_whisper(data)
            and ("word_segments" in data or any(isinstance(s.get("words"), list) for s in segments)))


def _sniff_whisper(text: str) -> bool:
    return sniff_json(text, ('"segments"',), _is_whisper)


def _sniff_whisperx(text: str) -> bool:
    return sniff_json(text, ('"segments"',), _is_whisperx)


def _segments(data: Any, ctx: ReadContext, what: str) -> list[Any]:
    if not isinstance(data, dict) or not isinstance(data.get("segments"), list):
        raise ctx.error(f"expected {what} JSON: an object with a 'segments' list.")
    return list_field(data, "segments", ctx, "segments", "{start, end, text} segments")


@register_reader("whisperx", suffixes=(".json",), sniff=_sniff_whisperx)
def read_whisperx(text: str, ctx: ReadContext) -> list[Segment]:
    """WhisperX segments: ``speaker`` labels kept for role assignment, words ignored."""
    segments = _segments(load_json(text, ctx), ctx, "WhisperX")
    out = []
    for where, item, start, end, body in timed_entries(segments, ctx, "segments", 1.0, "seconds"):
        if body:
            out.append(ctx.segment(start, end, label_field(item, "speaker", ctx, where), body))
    return out


@register_reader("whisper", suffixes=(".json",), sniff=_sniff_whisper)
def read_whisper(text: str, ctx: ReadContext) -> list[Segment]:
    """openai-whisper segments: no speakers (role "unknown"), ``avg_logprob`` as confidence."""
    segments = _segments(load_json(text, ctx), ctx, "openai-whisper")
    out = []
    for _, item, start, end, body in timed_entries(segments, ctx, "segments", 1.0, "seconds"):
        confidence = as_float(item.get("avg_logprob"))
        if confidence is not None and not math.isfinite(confidence):
            confidence = None
        if body:
            out.append(ctx.segment(start, end, None, body, confidence=confidence))
    return out
