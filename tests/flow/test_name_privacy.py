"""A customer's full name never reaches an output file, the store included (byte-wise), and
turning name redaction on re-redacts what is stored without transcribing again."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from callinsight.contracts import Segment, Transcript
from callinsight.settings import Settings
from callinsight.stages.transcribe import finalize
from support.paths import SHARED_DATA

VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Rep>Hello, this is Harper Valley National Bank, my name is Linda. How can I help you today?

00:00:05.000 --> 00:00:09.000
<v Customer>Hi, my name is Jennifer Williams and I need a new checkbook.

00:00:10.000 --> 00:00:13.000
<v Rep>Sure, Ms. Williams. Which account is it for?

00:00:14.000 --> 00:00:18.000
<v Customer>My checking account. Thanks, Linda, you have been very helpful.
"""


def files_holding(out: Path, needles: list[bytes]) -> dict[str, list[str]]:
    """Every file under ``out`` (the SQLite file and its WAL included) holding a needle,
    searched case-insensitively in the raw bytes."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        data = path.read_bytes().lower()
        hits = [n.decode() for n in needles if n.lower() in data]
        if hits:
            found[str(path.relative_to(out))] = hits
    return found


def test_finalize_redacts_names_before_anything_is_stored():
    t = Transcript("c1", [Segment(0, 2, "customer", "Hi, my name is Jennifer Williams."),
                          Segment(2, 4, "rep", "Thanks, Jennifer. Email me at jw@example.com")], "test")
    out = finalize(t, Settings())
    assert [s.text for s in out.segments] == ["Hi, my name is [NAME].", "Thanks, [NAME]. Email me at [EMAIL]"]
    assert out.redactions == 3
    kept = finalize(Transcript("c1", [Segment(0, 2, "rep", "This is Linda from Relay.")], "test"),
                    Settings(keep_rep_first_names=True, company_names=("Relay",)), ["Linda Park"])
    assert kept.segments[0].text == "This is Linda from Relay."
    off = finalize(Transcript("c1", [Segment(0, 2, "customer", "I'm Jennifer Williams.")], "test"),
                   Settings(redact_names=False))
    assert off.segments[0].text == "I'm Jennifer Williams."


def _manifest(root: Path, transcript: Path | None = None, recording: Path | None = None) -> Path:
    calls = root / "calls.csv"
    with calls.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["call_id", "rep", "started_at", "recording", "transcript"])
        w.writerow(["c1", "Linda", "2026-11-02T10:00:00", recording or "", transcript or ""])
    return calls


def test_turning_names_on_re_redacts_the_store_without_reading_again(tmp_path, prefect_server):
    from flows.nightly import nightly_insights

    root = tmp_path / "in"
    root.mkdir()
    (root / "c1.vtt").write_text(VTT, encoding="utf-8")
    calls = _manifest(root, transcript=Path("c1.vtt"))
    out = tmp_path / "out"
    needles = [b"Jennifer", b"Williams"]

    nightly_insights(calls=str(calls), out=str(out), settings={"redact_names": False})
    assert "insights.db" in " ".join(files_holding(out, needles))  # the check can fail

    summary = nightly_insights(calls=str(calls), out=str(out))  # names on, the default
    assert summary["cached"] == 1 and summary["new"] == 0  # taken from the store, not read again
    assert files_holding(out, needles) == {}
    vtt = (out / "transcripts" / "c1.vtt").read_text()
    assert "my name is [NAME]" in vtt and "Harper Valley National Bank" in vtt


@pytest.mark.slow
def test_a_real_calls_customer_name_is_in_no_output_file(tmp_path, prefect_server):
    """A real phone call (HarperValleyBank): the customer says her full name."""
    dev = SHARED_DATA / "real_calls_dev"
    if not (dev / "reference.json").is_file():
        pytest.skip(f"{dev} is absent: the real dev calls live in ../shared/data (see its README)")
    from flows.nightly import nightly_insights

    reference = json.loads((dev / "reference.json").read_text())["0002f70f7386445b"]
    assert "patricia brown" in reference["customer"]
    root = tmp_path / "in"
    root.mkdir()
    calls = root / "calls.csv"
    audio = dev / "audio" / "0002f70f7386445b_stereo.flac"
    calls.write_text(f'call_id,rep,started_at,recording,channels\nc1,agent,2020-01-01,{audio},"customer,rep"\n')
    out = tmp_path / "out"
    summary = nightly_insights(calls=str(calls), out=str(out), settings={"allowed_roots": str(dev)})
    assert summary["ok"] == 1
    assert files_holding(out, [b"Patricia", b"Brown"]) == {}
    assert "[NAME]" in (out / "transcripts" / "c1.vtt").read_text()
