"""Transcribe stage: faster-whisper on call recordings, one conversation with roles.

Two-channel recordings carry one party per channel. By default (``stereo_decode:
mix``) the two channels are mixed and decoded once, so Whisper hears the whole
conversation in context, and each word goes to the channel whose voice carries it
at that moment; ``separate`` decodes each channel on its own. Mono recordings, and
stereo files whose channels are identical, get speaker ``unknown``. Imported transcripts
(VTT, SRT, JSON, Gong) go through the same path and come out as the same :class:`Transcript`.

Modules: ``options`` (decoding options, cache keys), ``models`` (offline Whisper models,
loaded once per process), ``audio`` (decoding, chunks, channels), ``mixed`` and
``separate`` (the two decodes), ``engine`` (the ``faster-whisper`` entry of
``callinsight.registry.asr_engines``), ``call`` (``transcribe_call``, ``import_transcript``).
"""

from callinsight.stages.transcribe.audio import (
    FRAME,
    SAMPLE_RATE,
    SILENCE_RMS,
    SUPPORTED_AUDIO,
    AudioError,
    frame_energy,
    iter_chunks,
    load_channels,
)
from callinsight.stages.transcribe.call import finalize, import_transcript, transcribe_call
from callinsight.stages.transcribe.engine import DEFAULT_ENGINE, ASREngine, FasterWhisperEngine
from callinsight.stages.transcribe.mixed import transcribe_mixed
from callinsight.stages.transcribe.models import _load_whisper, cache_dir, load_whisper, resolve_whisper_model
from callinsight.stages.transcribe.options import (
    STEREO_MODES,
    TranscribeOptions,
    file_hash,
    input_key,
    uses_transcript,
)
from callinsight.stages.transcribe.separate import TURN_GAP, merge_by_time, transcribe_audio

__all__ = [
    "DEFAULT_ENGINE", "FRAME", "SAMPLE_RATE", "SILENCE_RMS", "STEREO_MODES", "SUPPORTED_AUDIO", "TURN_GAP",
    "ASREngine", "AudioError", "FasterWhisperEngine", "TranscribeOptions",
    "_load_whisper",  # its cache_info() tells tests how often a worker loaded a model
    "cache_dir", "file_hash", "finalize", "frame_energy", "import_transcript", "input_key", "iter_chunks",
    "load_channels", "load_whisper", "merge_by_time", "resolve_whisper_model", "transcribe_audio",
    "transcribe_call", "transcribe_mixed", "uses_transcript",
]
