"""Transcription with real Whisper on a real two-channel sample call: roles, mono, cache."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from callinsight.contracts import Call, Segment
from callinsight.pipeline import process_call
from callinsight.settings import Settings
from callinsight.stages.transcribe import input_key, load_channels, transcribe_call
from callinsight.store.sqlite import Store
from evaluation.metrics import WER, attribution
from support.audio import write_wav
from support.paths import SAMPLE_CALLS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sample():
    with open(SAMPLE_CALLS / "calls.csv", encoding="utf-8") as fh:
        row = next(csv.DictReader(fh))
    ref = json.loads((SAMPLE_CALLS / "reference" / f"{row['call_id']}.json").read_text())
    call = Call(call_id=row["call_id"], rep=row["rep"], deal_id=row["deal_id"] or None,
                recording=(SAMPLE_CALLS / row["recording"]).resolve())
    return call, [Segment(r["start"], r["end"], r["speaker"], r["text"]) for r in ref]


@pytest.mark.parametrize("stereo_decode", ["mix", "separate"])
def test_stereo_roles_from_channels(sample, stereo_decode):
    call, ref = sample
    settings = Settings(stereo_decode=stereo_decode)
    transcript = transcribe_call(call, settings)
    segs = transcript.segments
    assert {s.speaker for s in segs} == {"rep", "customer"}
    assert [s.start for s in segs] == sorted(s.start for s in segs)  # merged by time
    ok, n = attribution(ref, segs)
    assert ok == n
    for role in ("rep", "customer"):
        w = WER().add(" ".join(r.text for r in ref if r.speaker == role),
                      " ".join(s.text for s in segs if s.speaker == role))
        assert w.rate < 0.5, (role, w.rate)
    assert all(s.confidence is not None and s.confidence < 0 for s in segs)
    assert transcript.options["channels"] == ["rep", "customer"]
    assert transcript.options["stereo"] == stereo_decode

    swapped = Call(**{**call.__dict__, "channels": ("customer", "rep")})
    flipped = transcribe_call(swapped, settings)
    assert {s.text for s in flipped.segments if s.speaker == "customer"} == {
        s.text for s in segs if s.speaker == "rep"}


def test_mono_and_duplicated_stereo_are_unknown_without_diarization(sample, tmp_path):
    """With ``diarizer: none`` a mono call stays unknown (tests/stages/test_speakers.py
    diarizes real mono calls; espeak voices are too alike to tell apart)."""
    call, _ = sample
    left, right = load_channels(call.recording)
    mixed = (left + right) / 2
    mono = write_wav(tmp_path / "mono.wav", [mixed])
    dup = write_wav(tmp_path / "dup.wav", [mixed, mixed])
    for path in (mono, dup):
        t = transcribe_call(Call(call_id="m", recording=path), Settings(diarizer="none"))
        assert t.segments and {s.speaker for s in t.segments} == {"unknown"}
        assert all(s.label is None for s in t.segments)
        assert all(s.channel is None for s in t.segments)


def test_cache_hit_and_key_change(sample, tmp_path):
    call, _ = sample
    store = Store(tmp_path / "insights.db")
    settings = Settings()
    first = process_call(call, settings, store, tmp_path)
    assert first.status == "new"
    key = store.current_cache_key(call.call_id)
    rows = store.calls_frame()
    second = process_call(call, settings, store, tmp_path)
    assert second.status == "cached"
    assert store.calls_frame().equals(rows)  # nothing rewritten
    with store.connect() as con:
        assert con.execute("SELECT COUNT(*) FROM transcript_cache").fetchone()[0] == 1
    beam = settings.replace(beam_size=2)
    assert input_key(call, beam) != key
    third = process_call(call, beam, store, tmp_path)
    assert third.status == "new"
    with store.connect() as con:
        assert con.execute("SELECT COUNT(*) FROM transcript_cache").fetchone()[0] == 2
    assert np.isclose(first.audio_seconds, third.audio_seconds)
