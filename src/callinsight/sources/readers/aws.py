"""AWS Transcribe reader: the batch job's output JSON (``results`` with items and labels).

``results.audio_segments`` are used when present; otherwise the word items are grouped
into runs by their ``speaker_label`` or ``channel_label``, or by the older
``results.speaker_labels.segments`` / ``results.channel_labels.channels`` lists. Speakers
("spk_0") and channels ("ch_0") are anonymous labels: roles stay "unknown", label kept.
Times are strings of seconds; punctuation items join the previous word without a space.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import replace
from typing import Any

from callinsight.contracts import Segment
from callinsight.sources.readers.base import ReadContext, register_reader
from callinsight.sources.readers.json_fields import (
    entry_text,
    label_field,
    list_field,
    load_json,
    number,
    object_at,
    sniff_json,
)
from callinsight.sources.readers.words import Word, word_segments

_KEYS = ("items", "transcripts", "audio_segments", "speaker_labels", "channel_labels")
_CHANNEL = re.compile(r"ch_?([0-9]{1,3})", re.I)


def _is_aws(data: Any) -> bool:
    results = data.get("results") if isinstance(data, dict) else None
    return (isinstance(results, dict) and "channels" not in results
            and any(key in results for key in _KEYS))


def _sniff(text: str) -> bool:
    return sniff_json(text, ('"results"',), _is_aws)


def _seconds(item: dict[str, Any], key: str, ctx: ReadContext, where: str) -> float:
    value = item.get(key)
    if value is None:
        raise ctx.error(f"missing {key!r}; every word and segment needs start_time and end_time.",
                        where=where)
    parsed: Any = value
    if isinstance(value, str):
        try:
            parsed = float(value)
        except ValueError:
            raise ctx.error(f"{key!r} must be seconds like \"4.87\", got {value!r:.40}.",
                            where=where) from None
    seconds = round(number(parsed, ctx, where, key, "seconds"), 3)
    if not math.isfinite(seconds):
        raise ctx.error(f"{key!r} is too large.", where=where)
    return seconds


def _times(item: dict[str, Any], ctx: ReadContext, where: str) -> tuple[float, float]:
    start = _seconds(item, "start_time", ctx, where)
    end = _seconds(item, "end_time", ctx, where)
    if end < start:
        raise ctx.error(f"'end_time' ({item['end_time']}) is before 'start_time' "
                        f"({item['start_time']}).", where=where)
    return start, end


def _channel(label: str | None) -> int | None:
    match = _CHANNEL.fullmatch(label or "")
    return int(match.group(1)) if match else None


def _content(item: dict[str, Any], ctx: ReadContext, where: str) -> str:
    alternatives = list_field(item, "alternatives", ctx, where, "{content} alternatives")
    if not alternatives:
        return ""
    return entry_text(object_at(alternatives, 0, ctx, f"{where}.alternatives[0]"), ctx,
                      f"{where}.alternatives[0]", "content")


def _words(items: list[Any], ctx: ReadContext, base: str, default: str | None = None,
           speaker_at: Any = None) -> list[Word]:
    """Word items as words; ``speaker_at(start)`` gives a speaker for unlabelled items."""
    words: list[Word] = []
    for i in range(len(items)):
        where = f"{base}[{i}]"
        item = object_at(items, i, ctx, where)
        content = _content(item, ctx, where)
        kind = item.get("type")
        if kind == "punctuation" or ("start_time" not in item and kind != "pronunciation"):
            if words and content:
                words[-1] = replace(words[-1], text=words[-1].text + content)
            continue
        start, end = _times(item, ctx, where)
        channel_label = label_field(item, "channel_label", ctx, where)
        name = label_field(item, "speaker_label", ctx, where) or channel_label
        if name is None and speaker_at is not None:
            name = speaker_at(start)
        name = name or default
        if content:
            words.append(Word(start, end, content, name, _channel(channel_label or default)))
    return words


def _speaker_lookup(segments: list[Any], ctx: ReadContext) -> Any:
    """start time -> speaker label from ``speaker_labels.segments`` (items, else spans)."""
    exact: dict[float, str] = {}
    spans: list[tuple[float, float, str]] = []
    for i in range(len(segments)):
        where = f"results.speaker_labels.segments[{i}]"
        seg = object_at(segments, i, ctx, where)
        label = label_field(seg, "speaker_label", ctx, where)
        if label is None:
            continue
        if "start_time" in seg:
            spans.append((*_times(seg, ctx, where), label))
        items = list_field(seg, "items", ctx, where, "{start_time, speaker_label} items")
        for j in range(len(items)):
            item = object_at(items, j, ctx, f"{where}.items[{j}]")
            if "start_time" in item:
                exact[_seconds(item, "start_time", ctx, f"{where}.items[{j}]")] = (
                    label_field(item, "speaker_label", ctx, f"{where}.items[{j}]") or label)
    spans.sort()
    starts = [s for s, _, _ in spans]

    def speaker_at(start: float) -> str | None:
        if start in exact:
            return exact[start]
        k = bisect.bisect_right(starts, start) - 1
        return spans[k][2] if k >= 0 and start <= spans[k][1] else None

    return speaker_at


@register_reader("aws", suffixes=(".json",), sniff=_sniff)
def read_aws(text: str, ctx: ReadContext) -> list[Segment]:
    """AWS Transcribe output: audio segments, or word runs per speaker / channel label."""
    data = load_json(text, ctx)
    if not _is_aws(data):
        raise ctx.error("expected an AWS Transcribe output: an object with 'results.items'.")
    status = data.get("status")
    if isinstance(status, str) and status.upper() not in ("COMPLETED", ""):
        raise ctx.error(f"is an AWS Transcribe job with status {status!r}; use the output of a "
                        "COMPLETED job.")
    results = data["results"]
    audio_segments = list_field(results, "audio_segments", ctx, "results", "audio segments")
    if audio_segments:
        segments = []
        for i in range(len(audio_segments)):
            where = f"results.audio_segments[{i}]"
            seg = object_at(audio_segments, i, ctx, where)
            start, end = _times(seg, ctx, where)
            body = entry_text(seg, ctx, where, "transcript")
            channel_label = label_field(seg, "channel_label", ctx, where)
            name = label_field(seg, "speaker_label", ctx, where) or channel_label
            if body:
                segments.append(ctx.segment(start, end, name, body, channel=_channel(channel_label)))
        return segments
    items = list_field(results, "items", ctx, "results", "word items")
    if any(isinstance(item, dict) and ("speaker_label" in item or "channel_label" in item)
           for item in items):
        return word_segments(_words(items, ctx, "results.items"), ctx)
    speaker_labels = results.get("speaker_labels")
    if isinstance(speaker_labels, dict) and speaker_labels.get("segments"):
        segs = list_field(speaker_labels, "segments", ctx, "results.speaker_labels", "segments")
        lookup = _speaker_lookup(segs, ctx)
        return word_segments(_words(items, ctx, "results.items", speaker_at=lookup), ctx)
    channel_labels = results.get("channel_labels")
    if isinstance(channel_labels, dict) and channel_labels.get("channels"):
        channels = list_field(channel_labels, "channels", ctx, "results.channel_labels", "channels")
        words: list[Word] = []
        for c in range(len(channels)):
            where = f"results.channel_labels.channels[{c}]"
            channel = object_at(channels, c, ctx, where)
            label = label_field(channel, "channel_label", ctx, where) or f"ch_{c}"
            channel_items = list_field(channel, "items", ctx, where, "word items")
            words.extend(_words(channel_items, ctx, f"{where}.items", default=label))
        return word_segments(words, ctx)
    return word_segments(_words(items, ctx, "results.items"), ctx)
