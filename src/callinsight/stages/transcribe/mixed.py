"""Mixed decode (``stereo_decode: mix``): one pass over both channels, words to channels.

Whisper hears the whole conversation, questions and answers in context, in one pass
instead of two; the channels are used only to tell who spoke each word.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from callinsight.contracts import Role, Segment
from callinsight.stages.transcribe import models
from callinsight.stages.transcribe.audio import SILENCE_RMS, frame_energy
from callinsight.stages.transcribe.options import TranscribeOptions


def transcribe_mixed(
    channels: list[np.ndarray], model: Any, options: TranscribeOptions, *, roles: tuple[Role, ...]
) -> list[Segment]:
    """Decode a two-channel chunk once, from the mix, and give each word to a channel.

    Whisper hears the whole conversation (questions and answers in context) in one
    pass instead of two; each word's speaker is the channel with more energy while
    it is spoken, each channel measured against its own level so a quiet line is not
    outvoted by a loud one. A segment is a run of one speaker's words without a pause
    of ``split_gap`` seconds; its confidence is the mean log-probability of its words.
    """
    n = min(c.size for c in channels)
    mix = (channels[0][:n] + channels[1][:n]) / 2
    energy = np.stack([frame_energy(c[:n]) for c in channels])
    levels = np.percentile(energy, 99, axis=1, keepdims=True)
    energy = energy / np.maximum(levels, SILENCE_RMS)
    words = [w for seg in models.decode(mix, model, options) for w in (seg.words or ())]
    segments: list[Segment] = []
    current: list = []
    speaker_of_current = -1
    for word in words:
        ch = _word_channel(energy, word.start, word.end, speaker_of_current)
        if current and (ch != speaker_of_current or word.start - current[-1].end >= options.split_gap):
            segments.append(_words_segment(current, speaker_of_current, roles, energy))
            current = []
        current.append(word)
        speaker_of_current = ch
    if current:
        segments.append(_words_segment(current, speaker_of_current, roles, energy))
    return [s for s in segments if s.text]


def _word_channel(energy: np.ndarray, start: float, end: float, previous: int) -> int:
    """The channel that carries a word, by its relative energy over the word's frames."""
    a = max(0, int(start * 50))
    b = min(energy.shape[1], max(a + 1, int(np.ceil(end * 50))))
    totals = energy[:, a:b].sum(axis=1)
    if previous < 0 or (totals.max() >= 2 * totals.min() and totals.max() > 1e-3 * (b - a)):
        return int(totals.argmax())  # one channel clearly carries the word (even a faint onset)
    return previous  # both quiet or both alike (timing drift, noise): keep the current speaker


def _words_segment(words: list, channel: int, roles: tuple[Role, ...], energy: np.ndarray) -> Segment:
    """One speaker's run of words as a segment, its start moved to where the voice begins."""
    start, end = float(words[0].start), float(words[-1].end)
    # Whisper often starts a turn's first word inside the pause before it: begin where
    # this channel's voice does.
    a, b = int(start * 50), max(int(start * 50) + 1, int(np.ceil(end * 50)))
    voiced = np.flatnonzero(energy[channel, a:b] > 0.1)
    if voiced.size:
        start = max(start, (a + int(voiced[0])) / 50)
        end = min(end, max(start, (a + int(voiced[-1]) + 1) / 50))
    logprob = float(np.mean([np.log(max(w.probability, 1e-6)) for w in words]))
    text = "".join(w.word for w in words).strip()
    return Segment(round(start, 3), round(end, 3), roles[channel], text, round(logprob, 4), channel)
