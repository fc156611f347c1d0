"""Timed words to segments: vendors that give only words (AssemblyAI, Deepgram, AWS) get
turns built the same way, so one call reads alike whichever service transcribed it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from callinsight.contracts import Segment
from callinsight.sources.readers.base import ReadContext, collapse

MAX_PAUSE = 1.5  # seconds of silence that end a run even when the speaker stays the same
LONG_RUN = 30.0  # seconds after which a run ends at the next sentence end
_SENTENCE_END = (".", "?", "!", "…")


@dataclass(frozen=True)
class Word:
    """One timed word (punctuation already attached), as the vendor labelled its speaker."""

    start: float
    end: float
    text: str
    speaker: str | None = None  # the vendor's speaker or channel label; None when not diarized
    channel: int | None = None  # 0-based audio channel for multichannel transcripts


def word_segments(words: Iterable[Word], ctx: ReadContext) -> list[Segment]:
    """Runs of consecutive words by one speaker on one channel, as segments.

    Words are ordered by start (channels interleave into turns); a run also ends at a pause
    over :data:`MAX_PAUSE`, or at a sentence end once it is :data:`LONG_RUN` long, so an
    undiarized transcript is not one segment for the whole call.
    """
    segments: list[Segment] = []
    run: list[Word] = []
    for word in sorted(words, key=lambda w: w.start):
        if run and _ends_run(run, word):
            segments.append(_segment(run, ctx))
            run = []
        run.append(word)
    if run:
        segments.append(_segment(run, ctx))
    return [s for s in segments if s.text]


def _ends_run(run: list[Word], word: Word) -> bool:
    last = run[-1]
    if (word.speaker, word.channel) != (last.speaker, last.channel):
        return True
    if word.start - last.end > MAX_PAUSE:
        return True
    return last.end - run[0].start >= LONG_RUN and last.text.endswith(_SENTENCE_END)


def _segment(run: list[Word], ctx: ReadContext) -> Segment:
    text = collapse(" ".join(w.text for w in run))
    end = max(w.end for w in run)
    return ctx.segment(run[0].start, end, run[0].speaker, text, channel=run[0].channel)
