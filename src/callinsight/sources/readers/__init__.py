"""Transcript importers (WebVTT, SRT, simple JSON, Gong JSON) and a WebVTT writer.

Importing this package registers every built-in reader. A new format is one module::

    @register_reader("otter", suffixes=(".otter",))
    def read_otter(text: str, ctx: ReadContext) -> Iterable[Segment]: ...

A reader gets the decoded text and a :class:`ReadContext` (path, rep names, party roles,
Gong call id), returns segments, and reports problems with ``raise ctx.error(...)``.
:func:`read_transcript` picks the reader by suffix (:func:`detect_format`), drops
empty-text segments and sorts the rest by start. All readers whitespace-normalise text,
give times in seconds rounded to the millisecond, and turn speaker names into roles with
:func:`speaker_role` unless a ``parties`` mapping says otherwise. Input files are only
read, never written.
"""

from __future__ import annotations

# Importing the reader modules registers them; in this order, the order of the old module.
# isort: off
from callinsight.sources.readers import vtt, srt, json_simple, gong  # noqa: F401
# isort: on
from callinsight.sources.readers.base import (
    _SNIFFERS,  # noqa: F401  (the suffix and sniffer tables, for tests that remove a reader)
    _SUFFIXES,  # noqa: F401
    MAX_TRANSCRIPT_BYTES,
    READERS,
    ReadContext,
    TranscriptError,
    detect_format,
    parse_transcript,
    read_transcript,
    register_reader,
)
from callinsight.sources.readers.roles import CUSTOMER_LABELS, REP_LABELS, speaker_role
from callinsight.sources.readers.vtt_writer import to_vtt, write_vtt

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
