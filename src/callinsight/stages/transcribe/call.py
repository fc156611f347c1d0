"""A call's transcript: its recording through the ASR engine, or its transcript file imported.

Both paths end in :func:`finalize`, so an imported transcript comes out as the same
cleaned, redacted :class:`Transcript` as a transcribed one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, replace

import numpy as np

from callinsight.contracts import Call, InputError, Role, Segment, Transcript
from callinsight.registry import asr_engines
from callinsight.settings import Settings
from callinsight.sources.readers import read_transcript
from callinsight.stages.redact import redact
from callinsight.stages.redact.names import NameRedactor
from callinsight.stages.speakers import assign_roles
from callinsight.stages.speakers.diarize import Diarization, diarize, label_words
from callinsight.stages.speakers.voices import encode_voices
from callinsight.stages.transcribe.audio import (
    SAMPLE_RATE,
    SILENCE_RMS,
    AudioError,
    iter_chunks,
    rms,
    same_signal,
)
from callinsight.stages.transcribe.engine import DEFAULT_ENGINE, ASREngine  # registers faster-whisper
from callinsight.stages.transcribe.options import TranscribeOptions
from callinsight.stages.transcribe.separate import merge_by_time
from callinsight.util.markup import without_markup


def _channel_roles(call: Call, settings: Settings, n_channels: int) -> tuple[Role, ...]:
    """Role of each channel: ``unknown`` for mono, else the call's (or settings') channel roles."""
    if n_channels == 1:
        return ("unknown",)
    roles = call.channels or tuple(settings.channels)
    return tuple(roles[:n_channels])  # type: ignore[return-value]


def transcribe_call(
    call: Call, settings: Settings, progress: Callable[[float], object] | None = None
) -> Transcript:
    """Transcribe a call's recording into a role-labelled, redacted transcript.

    The recording streams through in chunks (``chunk_seconds``); ``progress`` is called
    with the seconds done after each chunk. The engine is the one the ``asr_engine``
    setting names in :data:`callinsight.registry.asr_engines`.
    """
    if call.recording is None:
        raise InputError(f"call {call.call_id} has no recording")
    options = TranscribeOptions.from_settings(settings)
    engine: ASREngine = asr_engines.get(getattr(settings, "asr_engine", DEFAULT_ENGINE))(settings)
    tracks: list[list[Segment]] = []
    roles: tuple[Role, ...] = ()
    mono: bool | None = None
    samples, heard = 0, False
    voices = VoiceTracker()
    for offset, channels in iter_chunks(call.recording, settings.chunk_seconds):
        if mono is None:
            mono = len(channels) == 1 or same_signal(channels[0], channels[1])
            roles = _channel_roles(call, settings, 1 if mono else 2)
            tracks = [[] for _ in roles]
        if mono:
            channels = channels[:1]
        samples = max(samples, int(offset * SAMPLE_RATE) + max(c.size for c in channels))
        if all(rms(c) < SILENCE_RMS for c in channels):
            continue
        heard = True
        if mono and settings.diarizer != "none":
            tracks[0] += _transcribe_voices(engine, channels[0], options, voices, settings, offset)
            continue
        for seg in engine.transcribe(channels, options, roles=roles, mono=mono):
            tracks[seg.channel or 0].append(_shift(seg, offset))
        if progress:
            progress(offset + max(c.size for c in channels) / SAMPLE_RATE)
    name = call.recording.name
    if samples == 0:
        raise AudioError(f"recording {name} holds no audio samples (truncated or not audio)")
    if not heard:
        raise AudioError(f"recording {name} is silent (no speech to transcribe)")
    segments = merge_by_time(tracks)
    if not segments:
        raise AudioError(f"recording {name}: no speech was recognised")
    transcript = Transcript(
        call_id=call.call_id,
        segments=segments,
        source=f"whisper:{options.model}",
        options={**asdict(options), "channels": list(roles)},
        duration=round(samples / SAMPLE_RATE, 3),
    )
    if voices.prints:
        transcript.options.update(diarizer=settings.diarizer, voices=encode_voices(voices.prints))
    return finalize(assign_roles(transcript, call, settings), settings, [call.rep] if call.rep else [])


def _transcribe_voices(engine: ASREngine, audio: np.ndarray, options: TranscribeOptions,
                       voices: VoiceTracker, settings: Settings, offset: float) -> list[Segment]:
    """A mono chunk diarized and decoded once; its words cut into segments by voice.

    An engine without ``decode_words`` (a plugin) gets its segments labelled by the voice
    that overlaps each one most.
    """
    diarization = voices.consistent(diarize(audio, settings))
    decode_words = getattr(engine, "decode_words", None)
    if decode_words is not None and len(diarization.voices) > 1:
        segments = label_words(decode_words(audio, options), diarization, options.split_gap)
    else:
        segments = engine.transcribe([audio], options, roles=("unknown",), mono=True)
        if len(diarization.voices) > 1:
            segments = [replace(s, label=_main_voice(s, diarization)) for s in segments]
    return [_shift(s, offset) for s in segments]


def _main_voice(seg: Segment, diar: Diarization) -> str | None:
    overlap: dict[str, float] = {}
    for a, b, label in diar.turns:
        overlap[label] = overlap.get(label, 0.0) + max(0.0, min(b, seg.end) - max(a, seg.start))
    best = max(overlap, key=overlap.__getitem__, default=None)
    return best if best is not None and overlap[best] > 0 else None


class VoiceTracker:
    """Keeps a long recording's voice labels the same from chunk to chunk.

    Each chunk is diarized on its own, so its ``S0`` may be the previous chunk's ``S1``:
    labels are matched to the voice prints seen so far by cosine similarity.
    """

    def __init__(self) -> None:
        self.prints: dict[str, np.ndarray] = {}

    def consistent(self, diar: Diarization) -> Diarization:
        if not self.prints:
            self.prints = dict(diar.voices)
            return diar
        rename: dict[str, str] = {}
        free = dict(self.prints)
        for label, v in sorted(diar.voices.items()):
            if free:
                best = max(free, key=lambda k: float(free[k] @ v))
                rename[label] = best
                free.pop(best)
            else:
                rename[label] = f"S{len(self.prints) + len(rename)}"
                self.prints[rename[label]] = v
        turns = [(a, b, rename.get(lab, lab)) for a, b, lab in diar.turns]
        return Diarization(turns, {rename.get(k, k): v for k, v in diar.voices.items()})


def _shift(s: Segment, offset: float) -> Segment:
    """A chunk's segment moved to the recording's timeline."""
    if not offset:
        return s
    return replace(s, start=round(s.start + offset, 3), end=round(s.end + offset, 3))


def import_transcript(call: Call, settings: Settings) -> Transcript:
    """Read an existing transcript file (VTT, SRT, JSON, Gong) into a Transcript."""
    assert call.transcript is not None
    rep_names = [call.rep] if call.rep else []
    segments = read_transcript(call.transcript, rep_names=rep_names)
    duration = max((s.end for s in segments), default=0.0)
    transcript = Transcript(
        call_id=call.call_id,
        segments=sorted(segments, key=lambda s: (s.start, s.end)),
        source=f"import:{call.transcript.suffix.lstrip('.').lower()}",
        options={},
        duration=duration,
    )
    return finalize(assign_roles(transcript, call, settings), settings, [call.rep] if call.rep else [])


def finalize(transcript: Transcript, settings: Settings, rep_names: Sequence[str] = ()) -> Transcript:
    """Remove markup from every segment, and redact PII (on by default) and person names
    (``redact_names``), before anything is stored. Segments left without words are dropped.

    Runs again on a stored transcript when the name detector or its settings change
    (redaction is idempotent), so turning it on re-redacts without transcribing.
    """
    total = 0
    texts = []
    for s in transcript.segments:
        text = without_markup(s.text)
        if settings.redact:
            text, counts = redact(text)
            total += sum(counts.values())
        texts.append(text)
    if settings.redact and settings.redact_names:
        named = NameRedactor(settings).redact_batch(texts, rep_names)
        texts = [t for t, _ in named]
        total += sum(n for _, n in named)
    transcript.segments = [replace(s, text=t) for s, t in zip(transcript.segments, texts, strict=True) if t]
    transcript.redactions = total
    return transcript
