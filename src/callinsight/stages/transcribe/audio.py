"""Audio decoding: recordings in any common format as 16 kHz float channels, in chunks.

Two-channel recordings carry one party per channel, so channels are kept apart; stereo
files whose channels are identical carry no such information and count as mono. Every way
a recording can be unusable raises :class:`AudioError` with a reason a person can act on.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from callinsight.contracts import InputError

SAMPLE_RATE = 16_000
SILENCE_RMS = 1e-4  # below this (float PCM), a channel carries no speech
SUPPORTED_AUDIO = "WAV, FLAC, MP3, M4A/AAC, OGG/Opus"
FRAME = SAMPLE_RATE // 50  # 20 ms frames for channel activity


class AudioError(InputError):
    """The recording cannot be used: empty, corrupt, silent or unreadable."""


def iter_chunks(path: Path, chunk_seconds: float = 600.0) -> Iterator[tuple[float, list[np.ndarray]]]:
    """Stream a recording as (offset_seconds, [channel arrays at 16 kHz]) chunks.

    Long recordings never sit in memory whole: each chunk is about ``chunk_seconds``
    long and is cut at the quietest 100 ms of its last 10 seconds, so words are not
    split. Raises AudioError for missing, empty or undecodable files.
    """
    import av

    if not path.is_file():
        raise AudioError(f"recording {path} does not exist")
    if path.stat().st_size == 0:
        raise AudioError(f"recording {path.name} is empty (0 bytes)")
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except Exception as exc:  # PyAV raises many types for corrupt or unsupported input
        raise AudioError(
            f"recording {path.name} could not be decoded: corrupt, truncated or not audio "
            f"({type(exc).__name__}); supported: {SUPPORTED_AUDIO}"
        ) from exc
    with container:
        if not container.streams.audio:
            raise AudioError(f"recording {path.name} has no audio stream (not a recording); "
                             f"supported: {SUPPORTED_AUDIO}")
        n_channels = 2 if (container.streams.audio[0].codec_context.channels or 1) >= 2 else 1
        resampler = av.AudioResampler(format="s16", layout="stereo" if n_channels == 2 else "mono",
                                      rate=SAMPLE_RATE)
        target = int(chunk_seconds * SAMPLE_RATE) if chunk_seconds != float("inf") else None
        pending: list[np.ndarray] = []
        buffered, offset = 0, 0.0
        for frame in _frames(container, path):
            for out in resampler.resample(frame):
                block = out.to_ndarray().reshape(-1, n_channels)
                pending.append(block)
                buffered += len(block)
            if target and buffered >= target:
                data = np.concatenate(pending)
                cut = _quiet_cut(data, target)
                yield offset, _split(data[:cut])
                offset += cut / SAMPLE_RATE
                pending, buffered = [data[cut:]], len(data) - cut
        for out in resampler.resample(None):
            pending.append(out.to_ndarray().reshape(-1, n_channels))
        if pending:
            data = np.concatenate(pending)
            if len(data):
                yield offset, _split(data)


def _frames(container: Any, path: Path) -> Iterator[Any]:
    """The decoded frames, skipping damaged packets and stopping at a truncated end."""
    import av

    frames = container.decode(audio=0)
    decoded = 0
    while True:
        try:
            frame = next(frames)
        except StopIteration:
            return
        except av.error.InvalidDataError:
            continue  # skip a damaged packet, keep the rest
        except Exception as exc:
            if decoded:
                return  # truncated file: keep what decoded
            raise AudioError(
                f"recording {path.name} could not be decoded: corrupt, truncated or not audio "
                f"({type(exc).__name__})"
            ) from exc
        decoded += 1
        yield frame


def _quiet_cut(data: np.ndarray, target: int) -> int:
    """Sample index of the quietest 100 ms in the 10 s before ``target``: where to cut."""
    window = SAMPLE_RATE // 10
    lo = max(0, target - 10 * SAMPLE_RATE)
    energy = np.abs(data[lo:target].astype(np.float32)).sum(axis=1)
    n = len(energy) // window
    if n == 0:
        return target
    per_window = energy[: n * window].reshape(n, window).sum(axis=1)
    return lo + int(per_window.argmin()) * window + window // 2


def _split(block: np.ndarray) -> list[np.ndarray]:
    """Interleaved int16 samples as one float array per channel, in [-1, 1)."""
    return [block[:, i].astype(np.float32) / 32768.0 for i in range(block.shape[1])]


def load_channels(path: Path) -> list[np.ndarray]:
    """Decode a whole (short) recording: one array per party channel (one for mono).

    Raises AudioError for empty, unreadable or silent audio. Stereo files whose two
    channels are (nearly) identical are returned as mono.
    """
    chunks = [channels for _, channels in iter_chunks(path, float("inf"))]
    if not chunks or all(c.size == 0 for c in chunks[0]):
        raise AudioError(f"recording {path.name} holds no audio samples (truncated or not audio)")
    channels = chunks[0]
    if all(rms(c) < SILENCE_RMS for c in channels):
        raise AudioError(f"recording {path.name} is silent (no speech to transcribe)")
    if len(channels) == 2 and same_signal(channels[0], channels[1]):
        return [channels[0]]
    return channels


def rms(x: np.ndarray) -> float:
    """Root mean square level of a signal (0 for an empty one)."""
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


def same_signal(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two channels carry (nearly) the same signal, i.e. the file is really mono."""
    n = min(a.size, b.size)
    if n == 0:
        return True
    diff = rms(a[:n] - b[:n])
    return diff <= 0.01 * max(rms(a[:n]), rms(b[:n]), 1e-9)


def frame_energy(audio: np.ndarray) -> np.ndarray:
    """RMS of each 20 ms frame."""
    n = audio.size // FRAME
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    frames = audio[: n * FRAME].reshape(n, FRAME)
    return np.sqrt(np.mean(np.square(frames, dtype=np.float32), axis=1))
