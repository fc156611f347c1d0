"""ASR engines: what turns a chunk of audio channels into role-labelled segments.

``transcribe_call`` streams the recording, keeps the roles and merges the tracks; the
engine named by the ``asr_engine`` setting does the speech recognition. An engine is
registered in :data:`callinsight.registry.asr_engines` as a factory ``(settings) ->
engine``; the factory loads the model once, and ``transcribe`` is called per chunk.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

import numpy as np

from callinsight.contracts import Role, Segment
from callinsight.registry import asr_engines
from callinsight.settings import Settings
from callinsight.stages.transcribe import models
from callinsight.stages.transcribe.mixed import transcribe_mixed
from callinsight.stages.transcribe.options import TranscribeOptions
from callinsight.stages.transcribe.separate import transcribe_audio

DEFAULT_ENGINE = "faster-whisper"  # the `asr_engine` setting's default


class ASREngine(Protocol):
    """What ``transcribe_call`` needs of an engine."""

    def transcribe(
        self, channels: list[np.ndarray], options: TranscribeOptions, *, roles: tuple[Role, ...], mono: bool
    ) -> list[Segment]:
        """Segments of one chunk (times from the chunk's start), each with its ``channel``
        (``None`` for mono), in order within each channel."""
        ...


@asr_engines.register(DEFAULT_ENGINE)
class FasterWhisperEngine:
    """faster-whisper: the mixed decode for two channels under ``stereo: mix``, else one
    decode per channel."""

    def __init__(self, settings: Settings):
        self.model = models.load_whisper(settings)  # via the module, so a patch of it applies

    def decode_words(self, audio: np.ndarray, options: TranscribeOptions) -> list:
        """Every word of one signal with its times and probability (diarized mono calls)."""
        return [w for s in models.decode(audio, self.model, replace(options, word_timestamps=True))
                for w in (s.words or ())]

    def transcribe(
        self, channels: list[np.ndarray], options: TranscribeOptions, *, roles: tuple[Role, ...], mono: bool
    ) -> list[Segment]:
        if len(channels) == 2 and options.stereo == "mix":
            return transcribe_mixed(channels, self.model, options, roles=roles)
        return [
            seg
            for i, (audio, role) in enumerate(zip(channels, roles, strict=True))
            for seg in transcribe_audio(audio, self.model, options, speaker=role, channel=None if mono else i)
        ]
