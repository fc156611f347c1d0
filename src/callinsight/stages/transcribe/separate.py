"""Separate decode (``stereo_decode: separate``, and mono): one pass per channel, then merged.

Each channel is decoded on its own, so a segment can run across the other party's turn
(silence on this channel); segments are cut at pauses and clipped to this channel's voice
activity, then the channels are interleaved by time.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from callinsight.contracts import Role, Segment
from callinsight.stages.transcribe import models
from callinsight.stages.transcribe.audio import SAMPLE_RATE
from callinsight.stages.transcribe.options import TranscribeOptions

TURN_GAP = 1.5  # seconds of silence on a channel that separate two of its turns


def transcribe_audio(
    audio: np.ndarray,
    model: Any,
    options: TranscribeOptions,
    *,
    speaker: Role,
    channel: int | None,
) -> list[Segment]:
    """Transcribe one channel; returns its segments with avg log-prob as confidence."""
    out = []
    for s in models.decode(audio, model, options):
        confidence = round(float(s.avg_logprob), 4)
        for start, end, text in _split_at_pauses(s, options.split_gap):
            if text:
                out.append(Segment(round(start, 3), round(end, 3), speaker, text, confidence, channel))
    if out:  # always: cheap, and it keeps every segment inside its own turn
        out = _clip_to_speech(out, audio, options.vad_min_silence_ms)
    return out


def _retimed(word: Any, start: float) -> SimpleNamespace:
    """A word moved to start where the words after it begin."""
    return SimpleNamespace(start=start, end=max(start, word.end), word=word.word)


def _clip_to_speech(segments: list[Segment], audio: np.ndarray, min_silence_ms: int) -> list[Segment]:
    """Shrink each segment to the speech actually present on its channel.

    Word timestamps after a long pause often start early, inside the other party's
    turn; on a two-channel call that stretch is silence on this channel, so clipping to
    this channel's voice activity puts the segment back inside its own turn.
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    regions: list[tuple[float, float]] = []
    for r in get_speech_timestamps(audio, VadOptions(min_silence_duration_ms=min_silence_ms,
                                                     speech_pad_ms=100)):
        a, b = r["start"] / SAMPLE_RATE, r["end"] / SAMPLE_RATE
        if regions and a - regions[-1][1] < TURN_GAP:  # pauses inside one turn
            regions[-1] = (regions[-1][0], b)
        else:
            regions.append((a, b))
    clipped = []
    for seg in segments:
        hits = [(a, b) for a, b in regions if a < seg.end and b > seg.start]
        if len(hits) > 1:  # a segment running across the other party's turn: keep its main turn
            hits = [max(hits, key=lambda r: min(seg.end, r[1]) - max(seg.start, r[0]))]
        if not hits and regions:  # no voice on this channel then: snap to the nearest speech
            nearest = min(regions, key=lambda r: min(abs(r[0] - seg.end), abs(r[1] - seg.start)))
            hits = [nearest]
            seg = Segment(min(seg.start, nearest[0]), max(seg.end, nearest[1]), seg.speaker, seg.text,
                          seg.confidence, seg.channel)
        if hits:
            start = max(seg.start, hits[0][0])
            end = min(seg.end, hits[-1][1])
            if end > start:
                seg = Segment(round(start, 3), round(end, 3), seg.speaker, seg.text, seg.confidence,
                              seg.channel)
        clipped.append(seg)
    return clipped


def _split_at_pauses(segment: Any, gap: float) -> list[tuple[float, float, str]]:
    """Whisper segments can run across the other party's turn (silence on this channel);
    with word timestamps, cut them where the words pause for ``gap`` seconds or more."""
    words = getattr(segment, "words", None)
    if not words:
        return [(float(segment.start), float(segment.end), segment.text.strip())]
    runs: list[list] = [[words[0]]]
    for prev, word in zip(words, words[1:], strict=False):
        if word.start - prev.end >= gap:
            runs.append([])
        runs[-1].append(word)
    # Whisper often times the first word of a turn too early ("How ... big is the team?"):
    # a leading run of one or two words belongs to the run after it.
    while len(runs) > 1 and len(runs[0]) <= 2:
        first = runs.pop(0)
        runs[0] = [*first, *runs[0]]
        runs[0][0] = _retimed(runs[0][0], runs[0][len(first)].start)
    # ...and a trailing one or two words drifting into the silence after a turn
    while len(runs) > 1 and len(runs[-1]) <= 2:
        last = runs.pop()
        runs[-1] = [*runs[-1], *(_retimed(w, runs[-1][-1].end) for w in last)]
    return [(float(r[0].start), float(r[-1].end), "".join(w.word for w in r).strip()) for r in runs]


def merge_by_time(tracks: list[list[Segment]]) -> list[Segment]:
    """Interleave the channels' segments into one conversation ordered by start time."""
    merged = [s for track in tracks for s in track]
    return sorted(merged, key=lambda s: (s.start, s.end, s.channel or 0))
