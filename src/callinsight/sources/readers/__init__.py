"""Transcript importers (WebVTT incl. Zoom/Teams, SRT, JSON from Gong, AssemblyAI, Deepgram,
AWS Transcribe, WhisperX, openai-whisper, or a simple list) and a WebVTT writer.

Importing this package registers every built-in reader. A new format is one module::

    @register_reader("otter", suffixes=(".otter",))
    def read_otter(text: str, ctx: ReadContext) -> Iterable[Segment]: ...

A reader gets the decoded text and a :class:`ReadContext` (path, rep names, party roles,
Gong call id), returns segments, and reports problems with ``raise ctx.error(...)``.
:func:`read_transcript` picks the reader by suffix (:func:`detect_format`), drops
empty-text segments and sorts the rest by start. All readers whitespace-normalise text,
give times in seconds rounded to the millisecond, and turn speaker names into roles with
:func:`speaker_role` unless a ``parties`` mapping says otherwise. Anonymous labels
("SPEAKER_00", "A", "spk_0", "ch_1"; :func:`is_anonymous_label`) get role "unknown" and are
kept in ``Segment.label`` (build segments with ``ctx.segment(...)``), for the stage that
assigns rep and customer from what is said. ``.json`` files are told apart by content;
the simple list is the fallback. Input files are only read, never written.
"""

from __future__ import annotations

# Importing the reader modules registers them; in this order, the order of the old module.
# isort: off
from callinsight.sources.readers import vtt, srt, json_simple, gong  # noqa: F401
from callinsight.sources.readers import assemblyai, deepgram, aws, whisper_json  # noqa: F401
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
from callinsight.sources.readers.roles import (
    CUSTOMER_LABELS,
    REP_LABELS,
    is_anonymous_label,
    speaker_role,
)
from callinsight.sources.readers.vtt_writer import to_vtt, write_vtt

__all__ = [
    "MAX_TRANSCRIPT_BYTES",
    "READERS",
    "REP_LABELS",
    "CUSTOMER_LABELS",
    "ReadContext",
    "TranscriptError",
    "detect_format",
    "is_anonymous_label",
    "parse_transcript",
    "read_transcript",
    "register_reader",
    "speaker_role",
    "to_vtt",
    "write_vtt",
]
