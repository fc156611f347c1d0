"""Deepgram reader: the pre-recorded ``/v1/listen`` response JSON.

``results.utterances`` (``utterances=true``) are used when present; otherwise the words of
``results.channels[i].alternatives[0]`` are grouped into runs per speaker (``diarize``) or
per channel (``multichannel``). Speakers are integers and channels indexes: anonymous
labels ("0", "ch_1"), so roles stay "unknown" with the label kept. With several channels
each channel counts as one party, labelled ``ch_<index>``. Times are seconds.
"""

from __future__ import annotations

from typing import Any

from callinsight.contracts import Segment
from callinsight.sources.readers.base import ReadContext, register_reader
from callinsight.sources.readers.json_fields import (
    entry_text,
    entry_times,
    label_field,
    list_field,
    load_json,
    object_at,
    sniff_json,
)
from callinsight.sources.readers.words import Word, word_segments


def _is_deepgram(data: Any) -> bool:
    results = data.get("results") if isinstance(data, dict) else None
    return isinstance(results, dict) and (isinstance(results.get("channels"), list)
                                          or isinstance(results.get("utterances"), list))


def _sniff(text: str) -> bool:
    return sniff_json(text, ('"channels"', '"utterances"'), _is_deepgram)


def _channel(item: dict[str, Any], ctx: ReadContext, where: str) -> int | None:
    value = item.get("channel")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ctx.error(f"'channel' must be a channel index (0, 1, ...), got {value!r:.40}.",
                        where=where)
    return value


def _name(item: dict[str, Any], channel: int | None, multichannel: bool, ctx: ReadContext,
          where: str) -> str | None:
    if multichannel:
        return f"ch_{channel or 0}"
    return label_field(item, "speaker", ctx, where)


@register_reader("deepgram", suffixes=(".json",), sniff=_sniff)
def read_deepgram(text: str, ctx: ReadContext) -> list[Segment]:
    """Deepgram utterances, or word runs per speaker / channel; labels kept (see module doc)."""
    data = load_json(text, ctx)
    if not _is_deepgram(data):
        raise ctx.error("expected a Deepgram response: an object with 'results.channels' or "
                        "'results.utterances'.")
    results = data["results"]
    channels = list_field(results, "channels", ctx, "results", "channel results")
    utterances = list_field(results, "utterances", ctx, "results", "utterances")
    if utterances:
        items = [object_at(utterances, i, ctx, f"results.utterances[{i}]")
                 for i in range(len(utterances))]
        seen = {_channel(item, ctx, f"results.utterances[{i}]") for i, item in enumerate(items)}
        multichannel = len(channels) > 1 or len(seen - {None}) > 1
        segments = []
        for i, item in enumerate(items):
            where = f"results.utterances[{i}]"
            start, end = entry_times(item, ctx, where, 1.0, "seconds")
            body = entry_text(item, ctx, where, "transcript")
            channel = _channel(item, ctx, where)
            if body:
                segments.append(ctx.segment(start, end, _name(item, channel, multichannel, ctx, where),
                                            body, channel=(channel or 0) if multichannel else None))
        return segments
    multichannel = len(channels) > 1
    words = []
    for c in range(len(channels)):
        channel = object_at(channels, c, ctx, f"results.channels[{c}]")
        alternatives = list_field(channel, "alternatives", ctx, f"results.channels[{c}]",
                                  "alternatives")
        if not alternatives:
            continue
        base = f"results.channels[{c}].alternatives[0]"
        found = list_field(object_at(alternatives, 0, ctx, base), "words", ctx, base, "words")
        for i in range(len(found)):
            where = f"{base}.words[{i}]"
            item = object_at(found, i, ctx, where)
            start, end = entry_times(item, ctx, where, 1.0, "seconds")
            key = "punctuated_word" if item.get("punctuated_word") is not None else "word"
            body = entry_text(item, ctx, where, key)
            if body:
                words.append(Word(start, end, body, _name(item, c, multichannel, ctx, where),
                                  c if multichannel else None))
    return word_segments(words, ctx)
