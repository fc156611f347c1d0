"""AssemblyAI reader: transcript JSON from ``GET /v2/transcript/{id}``.

Speakers are letters ("A", "B"), channels numbers from 1, and with both "1A": anonymous
labels, so roles stay "unknown" with the label kept for the role-assignment stage.
Utterances are used when present (``speaker_labels`` or ``multichannel``); otherwise the
``words`` are grouped into runs per speaker. Times are milliseconds.
"""

from __future__ import annotations

import re
from typing import Any

from callinsight.contracts import Segment
from callinsight.sources.readers.base import ReadContext, register_reader
from callinsight.sources.readers.json_fields import (
    label_field,
    list_field,
    load_json,
    sniff_json,
    timed_entries,
)
from callinsight.sources.readers.words import Word, word_segments


def _is_assemblyai(data: Any) -> bool:
    """Utterances or words lists; null ones too when there is a status (a queued transcript)."""
    if not isinstance(data, dict) or {"results", "segments", "callTranscripts"} & data.keys():
        return False
    lists = [data[k] for k in ("utterances", "words") if k in data]
    return (any(isinstance(v, list) for v in lists)
            or (bool(lists) and "status" in data and all(v is None for v in lists)))


def _sniff(text: str) -> bool:
    return sniff_json(text, ('"utterances"', '"words"'), _is_assemblyai)


def _channel(item: dict[str, Any], ctx: ReadContext, where: str) -> int | None:
    """AssemblyAI's 1-based ``channel`` as a 0-based channel index."""
    label = label_field(item, "channel", ctx, where)
    if label is None:
        return None
    if re.fullmatch(r"[0-9]{1,3}", label) is None or int(label) < 1:
        raise ctx.error(f"'channel' must be a channel number from 1, got {label!r:.40}.", where=where)
    return int(label) - 1


@register_reader("assemblyai", suffixes=(".json",), sniff=_sniff)
def read_assemblyai(text: str, ctx: ReadContext) -> list[Segment]:
    """AssemblyAI ``utterances`` (or ``words`` runs); labels kept, roles from ``parties``."""
    data = load_json(text, ctx)
    if not _is_assemblyai(data):
        raise ctx.error("expected an AssemblyAI transcript: an object with 'utterances' or 'words'.")
    status = data.get("status")
    if status == "error":
        raise ctx.error(f"is a failed AssemblyAI transcript ({str(data.get('error'))[:80]!r}); "
                        "transcribe the call again.")
    if status in ("queued", "processing"):
        raise ctx.error(f"is an unfinished AssemblyAI transcript (status {status!r}); fetch it "
                        "again once its status is 'completed'.")
    utterances = list_field(data, "utterances", ctx, "utterances", "{speaker, start, end, text}")
    if utterances:
        segments = []
        for where, item, start, end, body in timed_entries(utterances, ctx, "utterances", 1000.0,
                                                           "milliseconds"):
            channel = _channel(item, ctx, where)
            name = label_field(item, "speaker", ctx, where) or label_field(item, "channel", ctx, where)
            if body:
                segments.append(ctx.segment(start, end, name, body, channel=channel))
        return segments
    words = list_field(data, "words", ctx, "words", "{text, start, end, speaker}")
    found = []
    for where, item, start, end, body in timed_entries(words, ctx, "words", 1000.0, "milliseconds"):
        channel = _channel(item, ctx, where)
        name = label_field(item, "speaker", ctx, where) or label_field(item, "channel", ctx, where)
        if body:
            found.append(Word(start, end, body, name, channel))
    return word_segments(found, ctx)
