"""Per call: ``check_call`` (flow process, next to the store), ``transcribe_one`` (a thread
or a Dask worker: pure, no store) and ``finish_call`` (flow process: one transaction);
``process_call`` chains them for use without Prefect."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from callinsight.contracts import Call, CallStatus, InputError, Transcript
from callinsight.pipeline.extraction import extraction_failure_key
from callinsight.registry import load_plugins
from callinsight.settings import Settings
from callinsight.sources.readers import to_vtt
from callinsight.stages.speakers.assign import reassign_roles, with_rep_voice
from callinsight.stages.speakers.voices import rep_profile
from callinsight.stages.transcribe import (
    finalize,
    import_transcript,
    input_key,
    transcribe_call,
    uses_transcript,
)
from callinsight.stages.transcribe.options import DERIVED_MARK, split_key
from callinsight.store.sqlite import Store
from callinsight.util.fsutil import atomic_write_text

# --- per call: check, transcribe, finish -------------------------------------------

@dataclass
class CallResult:
    """What happened to one call in this run."""

    call_id: str
    status: str  # "new", "cached", "failed", "skipped"
    reason: str = ""
    seconds: float = 0.0
    audio_seconds: float = 0.0

    def as_status(self) -> CallStatus:
        if self.status in ("new", "cached"):
            return CallStatus(self.call_id, "ok", self.reason)
        return CallStatus(self.call_id, self.status, self.reason)  # type: ignore[arg-type]


@dataclass(frozen=True)
class PendingCall:
    """A call whose input (``key``) the store has no transcript for: it needs the work."""

    call: Call
    key: str


@dataclass
class TranscribeOutcome:
    """The result of ``transcribe_one``: a transcript, or the reason there is none."""

    call_id: str
    transcript: Transcript | None = None
    error: str = ""
    seconds: float = 0.0


def check_call(call: Call, settings: Settings, store: Store, out_dir: Path) -> CallResult | PendingCall:
    """Answer a call from the store when its input is unchanged; else say what work it needs.

    Cheap: reads the input once to hash it. A transcript cached under the same content
    (the same recording under another call id) is reused here without transcribing.
    """
    t0 = time.perf_counter()
    try:
        key = input_key(call, settings)
    except OSError as exc:  # not recorded: a missing or unreadable file is retried next run
        kind = "transcript" if uses_transcript(call, settings) else "recording"
        path = call.transcript if kind == "transcript" else call.recording
        reason = (f"{kind} does not exist: {path}" if isinstance(exc, FileNotFoundError)
                  else f"cannot read {kind} {path}: {exc.strerror or exc}")
        return CallResult(call.call_id, "failed", reason)
    failure = store.failure(call.call_id)
    if failure and failure[0] in (key, extraction_failure_key(key, settings)):
        return CallResult(call.call_id, "failed", f"{failure[1]} (unchanged since the last run)")
    vtt_path = out_dir / "transcripts" / f"{call.call_id}.vtt"
    if store.current_cache_key(call.call_id) == key:
        store.update_call_meta(call)
        if not vtt_path.exists():
            _write_vtt(vtt_path, store, call.call_id)
        return CallResult(call.call_id, "cached", seconds=time.perf_counter() - t0)
    transcript = store.cached_transcript(key, call.call_id)
    if transcript is None:  # transcribed before, other roles or name redaction: derive again
        base, _ = split_key(key)
        earlier = store.transcribed_as(base + DERIVED_MARK, call.call_id)
        if earlier is not None:
            transcript = rederive(earlier, call, settings, rep_profile(store, call.call_id, call.rep))
    if transcript is not None:
        store.save_transcript(call, transcript, key)
        store.drop_stale_derivations(split_key(key)[0] + DERIVED_MARK, key)
        _write_vtt(vtt_path, store, call.call_id)
        return CallResult(call.call_id, "cached", seconds=time.perf_counter() - t0,
                          audio_seconds=transcript.duration or 0.0)
    return PendingCall(call, key)


def rederive(transcript: Transcript, call: Call, settings: Settings, rep_voice) -> Transcript:
    """A stored transcript with its roles assigned and names redacted again (no transcribing)."""
    transcript = reassign_roles(transcript, call, settings, rep_voice)
    before = transcript.redactions
    transcript = finalize(transcript, settings, [call.rep] if call.rep else [])
    transcript.redactions += before
    return transcript


def transcribe_one(call: Call, settings: Settings,
                   progress: Callable[[float], None] | None = None) -> TranscribeOutcome:
    """Transcribe (or import) one call. Pure: no store, safe on any worker.

    ``progress`` gets the seconds of audio done after each chunk of a recording.
    Bad input comes back as an outcome with the reason; ``OSError`` (a busy disk, a
    network share going away) is raised so the caller can retry.
    """
    t0 = time.perf_counter()
    load_plugins(settings.plugins)  # a Dask worker imports the plugins that register engines
    try:
        transcript = (
            import_transcript(call, settings)
            if uses_transcript(call, settings)
            else transcribe_call(call, settings, progress=progress)
        )
    except InputError as exc:
        return TranscribeOutcome(call.call_id, error=str(exc), seconds=time.perf_counter() - t0)
    except OSError:
        raise
    except Exception as exc:  # one bad call never sinks the run
        return TranscribeOutcome(call.call_id, error=f"unexpected {type(exc).__name__}: {exc}",
                                 seconds=time.perf_counter() - t0)
    return TranscribeOutcome(call.call_id, transcript, seconds=time.perf_counter() - t0)


def finish_call(pending: PendingCall, outcome: TranscribeOutcome, store: Store, out_dir: Path,
                settings: Settings) -> CallResult:
    """Save a transcript (one transaction) and its VTT, or record why there is none.

    A diarized call's roles are settled here, next to the store: the rep's voice enrolled
    from their other calls joins the text cues (stages/speakers/voices.py).

    A recorded failure is retried only when the call's input changes.
    """
    call_id = pending.call.call_id
    if outcome.transcript is None:
        store.record_failure(call_id, pending.key, outcome.error)
        return CallResult(call_id, "failed", outcome.error, outcome.seconds)
    transcript = with_rep_voice(outcome.transcript, pending.call, settings,
                                rep_profile(store, call_id, pending.call.rep))
    store.save_transcript(pending.call, transcript, pending.key)
    _write_vtt(out_dir / "transcripts" / f"{call_id}.vtt", store, call_id)
    return CallResult(call_id, "new", seconds=outcome.seconds,
                      audio_seconds=outcome.transcript.duration or 0.0)


def transient_failure(pending: PendingCall, error: BaseException | str) -> CallResult:
    """A call whose work kept failing with I/O errors: failed now, not recorded, retried next run."""
    detail = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    return CallResult(pending.call.call_id, "failed", f"transient error, retried next run ({detail})")


def process_call(call: Call, settings: Settings, store: Store, out_dir: Path) -> CallResult:
    """check_call, transcribe_one and finish_call in one go (no Prefect needed)."""
    checked = check_call(call, settings, store, out_dir)
    if isinstance(checked, CallResult):
        return checked
    return finish_call(checked, transcribe_one(call, settings), store, out_dir, settings)


def _write_vtt(path: Path, store: Store, call_id: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, to_vtt(store.transcript(call_id)))
