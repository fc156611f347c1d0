"""WebVTT writer: transcribed calls are kept as VTT with role voices, readable by ``read_vtt``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from callinsight.contracts import ROLES, Segment
from callinsight.sources.readers.base import collapse
from callinsight.util.fsutil import atomic_write_text


def _timestamp(seconds: float) -> str:
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"cannot write time {seconds!r}: must be finite and >= 0")
    ms = round(seconds * 1000)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _escape(text: str) -> str:
    return collapse(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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
    else:
        atomic_write_text(Path(path_or_stream), text)  # type: ignore[arg-type]
