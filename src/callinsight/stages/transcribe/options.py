"""Decoding options and cache keys: what decides whether a call must be transcribed again.

A transcript is stored under a key made of its input's content hash and every option that
changes the output, so a rerun with the same audio and settings never re-transcribes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from callinsight.contracts import Call, InputError
from callinsight.settings import Settings

STEREO_MODES = ("mix", "separate")


@dataclass(frozen=True)
class TranscribeOptions:
    """Decoding options; together with the audio hash they form the cache key."""

    model: str = "base"
    compute_type: str = "int8"
    stereo: str = "separate"  # "separate" or "mix"
    beam_size: int = 3
    vad_filter: bool = True
    vad_min_silence_ms: int = 2000
    language: str | None = "en"
    condition_on_previous_text: bool = True
    temperature_fallback: bool = False  # off: greedy/beam at temperature 0 only, reproducible
    initial_prompt: str | None = None
    word_timestamps: bool = True  # split segments at pauses so each one is a single turn
    split_gap: float = 0.6  # seconds of silence between words that start a new segment

    @classmethod
    def from_settings(cls, settings: Settings) -> TranscribeOptions:
        """The options a run's settings ask for; rejects an unknown ``stereo_decode``."""
        prompt = ", ".join(settings.vocabulary) if settings.vocabulary else None
        if settings.stereo_decode not in STEREO_MODES:
            raise InputError(
                f"stereo_decode must be one of {', '.join(STEREO_MODES)}, got {settings.stereo_decode!r}."
            )
        return cls(
            model=settings.whisper_model,
            compute_type=settings.whisper_compute_type,
            stereo=settings.stereo_decode,
            beam_size=settings.beam_size,
            vad_filter=settings.vad_filter,
            vad_min_silence_ms=settings.vad_min_silence_ms,
            language=settings.language,
            condition_on_previous_text=settings.condition_on_previous_text,
            temperature_fallback=settings.temperature_fallback,
            initial_prompt=prompt,
            word_timestamps=settings.word_timestamps or settings.stereo_decode == "mix",
        )

    def cache_key(self, content_hash: str, channels: tuple[str, ...]) -> str:
        """Key of a decode of this audio with these options and channel roles."""
        payload = json.dumps({"audio": content_hash, "channels": channels, **asdict(self)}, sort_keys=True)
        return "whisper:" + hashlib.sha256(payload.encode()).hexdigest()[:32]


def file_hash(path: Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, streamed."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def uses_transcript(call: Call, settings: Settings) -> bool:
    """Whether the call's transcript file is imported instead of transcribing its audio."""
    return call.transcript is not None and (settings.prefer_transcript or call.recording is None)


DERIVED_MARK = "#derived:"


def derived_inputs(call: Call, settings: Settings) -> str:
    """Hash of what is derived from a stored transcript without transcribing again: the
    roles of anonymous speakers (the rep's name, the speakers column, company names, the
    confidence bar, the cue file) and person-name redaction (on or off, the detector's
    version, kept rep first names, the allow-list)."""
    from callinsight.stages.redact.names import NAME_DETECTOR_VERSION

    cues = settings.role_cues_file
    names = settings.redact and settings.redact_names
    payload = json.dumps({
        "rep": call.rep, "speakers": call.speakers, "company": list(settings.company_names),
        "min": settings.role_min_confidence, "cues": file_hash(cues) if cues.is_file() else str(cues),
        "names": [NAME_DETECTOR_VERSION, settings.name_detector, settings.keep_rep_first_names,
                  list(settings.vocabulary), list(settings.company_names),
                  list(settings.name_allow_list)] if names else None,
    }, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def input_key(call: Call, settings: Settings) -> str:
    """Cache key of a call's input: audio or transcript content hash plus options, then
    ``#derived:`` and the hash of what is derived from the transcript (see :func:`split_key`)."""
    redact_flag = {"redact": settings.redact}
    if uses_transcript(call, settings):
        assert call.transcript is not None
        payload = json.dumps({"file": file_hash(call.transcript), "rep": call.rep, **redact_flag})
        base = "import:" + hashlib.sha256(payload.encode()).hexdigest()[:32]
    else:
        assert call.recording is not None
        roles = call.channels or tuple(settings.channels)
        audio = json.dumps({"audio": file_hash(call.recording), "diarizer": settings.diarizer,
                            "speakers": settings.diarize_speakers, "same": settings.diarize_same_voice})
        options = TranscribeOptions.from_settings(settings)
        base = options.cache_key(hashlib.sha256(audio.encode()).hexdigest(), tuple(roles))
        base += "" if settings.redact else ":raw"
    return base + DERIVED_MARK + derived_inputs(call, settings)


def split_key(key: str) -> tuple[str, str]:
    """(the transcription part, the derived part) of a key from :func:`input_key`."""
    base, _, derived = key.partition(DERIVED_MARK)
    return base, derived
