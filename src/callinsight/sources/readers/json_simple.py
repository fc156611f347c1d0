"""Simple JSON reader: a plain list of timed, labelled segments, the easiest format to produce.

It is the ``.json`` fallback: a file no vendor reader recognises ends up here, so its
error lists every supported schema.
"""

from __future__ import annotations

import math

from callinsight.contracts import Segment
from callinsight.sources.readers.base import ReadContext, register_reader
from callinsight.sources.readers.json_fields import as_float, entry_text, entry_times, load_json

SUPPORTED_JSON = (
    "Gong (top-level 'callTranscripts'), AssemblyAI ('utterances' or 'words'), Deepgram "
    "('results.channels' / 'results.utterances'), AWS Transcribe ('results.items' / "
    "'results.audio_segments'), WhisperX and openai-whisper ('segments'), or the simple list"
)


@register_reader("json", suffixes=(".json",))
def read_json(text: str, ctx: ReadContext) -> list[Segment]:
    """List of ``{speaker, start, end, text, confidence?}`` (seconds) or ``{"segments": list}``."""
    data = load_json(text, ctx)
    if isinstance(data, dict) and "segments" in data:
        data = data["segments"]
        label = "segments"
    else:
        label = ""
    if not isinstance(data, list):
        raise ctx.error(
            "expected a list of {speaker, start, end, text} objects or {\"segments\": [...]}. "
            f"This JSON matches none of the supported schemas: {SUPPORTED_JSON}. Export the "
            "transcript again in one of them, unchanged."
        )
    segments = []
    for i, item in enumerate(data):
        where = f"{label}[{i}]"
        if not isinstance(item, dict):
            raise ctx.error(f"each segment must be an object, got {type(item).__name__}.",
                            where=where)
        start, end = entry_times(item, ctx, where, 1.0, "seconds")
        body = entry_text(item, ctx, where)
        speaker = item.get("speaker")
        if speaker is not None and not isinstance(speaker, str):
            raise ctx.error(f"'speaker' must be a string, got {speaker!r:.40}.", where=where)
        confidence = item.get("confidence")
        if confidence is not None:
            number = as_float(confidence)
            if number is None:
                raise ctx.error(f"'confidence' must be a number, got {confidence!r:.40}.",
                                where=where)
            if not math.isfinite(number):
                raise ctx.error("'confidence' must be finite.", where=where)
            confidence = number
        if body:
            segments.append(ctx.segment(start, end, speaker, body, confidence=confidence))
    return segments
