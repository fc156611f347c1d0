"""A call's transcript: its recording through the ASR engine, or its transcript file imported.

Both paths end in :func:`finalize`, so an imported transcript comes out as the same
cleaned, redacted :class:`Transcript` as a transcribed one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

from callinsight.contracts import Call, InputError, Role, Segment, Transcript
from callinsight.registry import asr_engines
from callinsight.settings import Settings
from callinsight.sources.readers import read_transcript
from callinsight.stages.redact import redact
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
    return finalize(
        Transcript(
            call_id=call.call_id,
            segments=segments,
            source=f"whisper:{options.model}",
            options={**asdict(options), "channels": list(roles)},
            duration=round(samples / SAMPLE_RATE, 3),
        ),
        settings,
    )


def _shift(s: Segment, offset: float) -> Segment:
    """A chunk's segment moved to the recording's timeline."""
    if not offset:
        return s
    return Segment(round(s.start + offset, 3), round(s.end + offset, 3), s.speaker, s.text,
                   s.confidence, s.channel)


def import_transcript(call: Call, settings: Settings) -> Transcript:
    """Read an existing transcript file (VTT, SRT, JSON, Gong) into a Transcript."""
    assert call.transcript is not None
    rep_names = [call.rep] if call.rep else []
    segments = read_transcript(call.transcript, rep_names=rep_names)
    duration = max((s.end for s in segments), default=0.0)
    return finalize(
        Transcript(
            call_id=call.call_id,
            segments=sorted(segments, key=lambda s: (s.start, s.end)),
            source=f"import:{call.transcript.suffix.lstrip('.').lower()}",
            options={},
            duration=duration,
        ),
        settings,
    )


def finalize(transcript: Transcript, settings: Settings) -> Transcript:
    """Remove markup from every segment, and redact PII (on by default), before anything
    is stored. Segments left without words are dropped."""
    total = 0
    cleaned = []
    for s in transcript.segments:
        text = without_markup(s.text)
        if settings.redact:
            text, counts = redact(text)
            total += sum(counts.values())
        if text:
            cleaned.append(Segment(s.start, s.end, s.speaker, text, s.confidence, s.channel))
    transcript.segments = cleaned
    transcript.redactions = total
    return transcript
