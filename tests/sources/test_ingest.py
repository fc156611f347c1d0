"""Ingest stage: calls.csv / deals.csv validation and CRM stage spellings."""

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from callinsight.contracts import InputError
from callinsight.sources.manifest import normalize_stage, parse_speakers, read_calls, read_deals

NOV30 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "stage, outcome",
    [
        ("closed_won", "won"), ("Closed Won", "won"), ("closedwon", "won"), ("CLOSED-WON", "won"),
        ("closed_lost", "lost"), ("Closed Lost", "lost"), ("closedlost", "lost"),
        ("open", "open"), ("Negotiation", "open"), ("", "open"), ("appointmentscheduled", "open"),
    ],
)
def test_crm_stage_spellings(stage, outcome):
    assert normalize_stage(stage) == outcome


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_calls_rows_validated_per_row(tmp_path):
    (tmp_path / "a.ogg").write_bytes(b"x")
    (tmp_path / "t.vtt").write_text("WEBVTT\n")
    manifest = write(
        tmp_path / "calls.csv",
        "call_id,deal_id,rep,started_at,recording,transcript,channels\n"
        "c1,D1,Ann,2026-10-01T10:00:00Z,a.ogg,,\n"
        "c2,,Ann,2026-10-01,,t.vtt,\n"
        "c1,D1,Ann,2026-10-01,a.ogg,,\n"
        "c3,D2,Bob,not-a-date,a.ogg,,\n"
        "c4,D2,Bob,2026-10-02,../../etc/passwd,,\n"
        "c5,D2,Bob,2026-10-02,,,\n"
        "c6,D3,Bob,2026-10-02,a.ogg,,customer,rep\n"
        "c7,D3,Bob,2026-10-02,a.ogg,,\"customer,rep\"\n",
    )
    m = read_calls(manifest)
    assert [c.call_id for c in m.calls] == ["c1", "c2", "c7"]
    assert m.calls[0].recording == (tmp_path / "a.ogg").resolve()
    assert m.calls[1].deal_id is None and m.calls[1].transcript.name == "t.vtt"
    assert m.calls[2].channels == ("customer", "rep")
    reasons = {s.call_id: s.reason for s in m.statuses}
    assert "duplicate call_id" in reasons["c1"] and "row 3" in reasons["c1"]
    assert "row 4" in reasons["c3"]
    assert "outside" in reasons["c4"]
    assert "neither recording nor transcript" in reasons["c5"]
    assert "channels" in reasons["c6"]
    assert all(s.status == "failed" for s in m.statuses)


def test_calls_missing_column_names_it(tmp_path):
    p = write(tmp_path / "calls.csv", "id,deal_id,recording\nc1,D1,a.ogg\n")
    with pytest.raises(InputError, match="call_id"):
        read_calls(p)
    p = write(tmp_path / "calls.csv", "call_id,rep,started_at\nc1,Ann,2026-10-01\n")
    with pytest.raises(InputError, match="'recording' or 'transcript' column"):
        read_calls(p)


def test_empty_manifest_and_missing_file(tmp_path):
    p = write(tmp_path / "calls.csv", "call_id,rep,started_at,recording\n")
    with pytest.raises(InputError, match="no calls"):
        read_calls(p)
    with pytest.raises(InputError, match="does not exist"):
        read_calls(tmp_path / "nope.csv")


def test_deals_spellings_amounts_duplicates(tmp_path):
    p = write(
        tmp_path / "deals.csv",
        "deal_id,stage,amount,created_at,closed_at\n"
        "D1,Closed Won,\"$12,000\",2026-09-01,2026-10-01\n"
        "D2,closedlost,5000,2026-09-01,2026-10-01\n"
        "D3,Negotiation,7000,2026-09-01,\n"
        "D4,closed_won,-5,2026-09-01,2026-10-01\n"
        "D5,closed_won,abc,2026-09-01,2026-10-01\n"
        "D6,closed_won,100,yesterday,\n"
        "D2,closed_won,6000,2026-09-01,2026-10-05\n",
    )
    table = read_deals(p)
    assert table.deals["D1"].outcome == "won" and table.deals["D1"].amount == 12000
    assert table.deals["D3"].outcome == "open"
    assert table.deals["D2"].outcome == "won" and table.deals["D2"].amount == 6000  # latest wins
    assert set(table.deals) == {"D1", "D2", "D3"}
    text = "\n".join(table.warnings)
    assert "row 4" in text and "row 5" in text and "row 6" in text and "duplicate deal 'D2'" in text


def test_input_files_not_modified(tmp_path):
    p = write(tmp_path / "deals.csv", "deal_id,stage,amount,created_at,closed_at\nD1,open,1,,\n")
    before = p.read_bytes()
    read_deals(p)
    assert p.read_bytes() == before


def test_allowed_roots_admit_paths_outside_the_manifest_folder(tmp_path):
    shared = tmp_path / "nas"
    shared.mkdir()
    (shared / "a.ogg").write_bytes(b"x")
    sub = tmp_path / "manifests"
    sub.mkdir()
    p = write(sub / "calls.csv", f"call_id,rep,started_at,recording\nc1,Ann,2026-10-01,{shared / 'a.ogg'}\n")
    assert read_calls(p).calls == [] and "outside" in read_calls(p).statuses[0].reason
    m = read_calls(p, allowed_roots=(shared,))
    assert [c.call_id for c in m.calls] == ["c1"]


# --- minimal manifests: call_id and a recording or a transcript --------------------------------

def touch(path: Path, when: datetime = NOV30, data: bytes = b"x") -> Path:
    path.write_bytes(data)
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


def test_call_id_and_recording_are_enough(tmp_path):
    touch(tmp_path / "a.ogg")
    m = read_calls(write(tmp_path / "calls.csv", "call_id,recording\nc1,a.ogg\n"))
    (call,) = m.calls
    assert (call.call_id, call.rep, call.deal_id) == ("c1", "", None)
    assert call.recording == (tmp_path / "a.ogg").resolve() and call.transcript is None
    assert call.started_at == NOV30  # the file's modification time, in UTC
    (warning,) = m.warnings
    assert warning.startswith("1 call has no started_at; used the file's modification time")
    assert "call c1: 2026-11-30T10:00:00+00:00" in warning


def test_call_id_and_transcript_are_enough(tmp_path):
    touch(tmp_path / "t1.vtt", data=b"WEBVTT\n")
    touch(tmp_path / "t2.vtt", datetime(2026, 12, 1, tzinfo=UTC), data=b"WEBVTT\n")
    m = read_calls(write(tmp_path / "calls.csv", "call_id,transcript\nt1,t1.vtt\nt2,t2.vtt\nt3,gone.vtt\n"))
    assert [c.call_id for c in m.calls] == ["t1", "t2", "t3"] and m.statuses == []
    assert m.calls[1].started_at == datetime(2026, 12, 1, tzinfo=UTC)
    assert m.calls[2].started_at is None  # no file to date it by: the run reports it missing later
    assert m.warnings[0].startswith("2 calls have no started_at") and "call t1: 2026-11-30" in m.warnings[0]


def test_empty_rep_and_date_cells_fall_back_and_bad_dates_still_fail(tmp_path):
    touch(tmp_path / "a.ogg")
    touch(tmp_path / "t.vtt", datetime(2026, 1, 2, tzinfo=UTC), data=b"WEBVTT\n")
    m = read_calls(write(tmp_path / "calls.csv",
                         "call_id,rep,started_at,recording,transcript\n"
                         "c1,,,a.ogg,t.vtt\n"            # the recording's time wins
                         "c2,Ann,2026-10-01,a.ogg,\n"    # a given date is kept, not reported
                         "c3,,,,t.vtt\n"
                         "c4,Bob,31/02/2026,a.ogg,\n"))
    by_id = {c.call_id: c for c in m.calls}
    assert by_id["c1"].started_at == NOV30 and by_id["c1"].rep == ""
    assert by_id["c2"].started_at == datetime(2026, 10, 1)
    assert by_id["c3"].started_at == datetime(2026, 1, 2, tzinfo=UTC)
    assert m.warnings[0].startswith("2 calls have no started_at")
    (bad,) = m.statuses
    assert bad.call_id == "c4" and bad.status == "failed"
    assert "calls.csv row 4" in bad.reason and "started_at" in bad.reason and "31/02/2026" in bad.reason


def test_dates_given_everywhere_make_no_warning(tmp_path):
    touch(tmp_path / "a.ogg")
    m = read_calls(write(tmp_path / "calls.csv", "call_id,started_at,recording\nc1,2026-10-01,a.ogg\n"))
    assert m.warnings == [] and m.calls[0].started_at == datetime(2026, 10, 1)


# --- the speakers column ---------------------------------------------------------------------

@pytest.mark.parametrize("cell, expected", [
    ("A=rep;B=customer", (("A", "rep"), ("B", "customer"))),
    ("SPEAKER_00=customer; SPEAKER_01=rep", (("SPEAKER_00", "customer"), ("SPEAKER_01", "rep"))),
    (" spk_1 = Customer ; spk_2=REP ; ", (("spk_1", "customer"), ("spk_2", "rep"))),
    ("S0=unknown", (("S0", "unknown"),)),
    ("A=rep,B=customer", (("A", "rep"), ("B", "customer"))),
])
def test_speakers_cells_parse(cell, expected):
    assert parse_speakers(cell) == expected


def test_speakers_column_is_carried_and_malformed_cells_fail_their_row(tmp_path):
    touch(tmp_path / "t.vtt", data=b"WEBVTT\n")
    m = read_calls(write(tmp_path / "calls.csv",
                         "call_id,transcript,speakers\n"
                         "ok,t.vtt,SPEAKER_00=customer; SPEAKER_01=rep\n"
                         "none,t.vtt,\n"
                         "dash,t.vtt,A-rep\n"
                         "role,t.vtt,A=boss;B=customer\n"
                         "nolabel,t.vtt,=rep\n"
                         "twice,t.vtt,A=rep;A=customer\n"
                         "empty,t.vtt,;\n"))
    by_id = {c.call_id: c for c in m.calls}
    assert by_id["ok"].speakers == (("SPEAKER_00", "customer"), ("SPEAKER_01", "rep"))
    assert by_id["none"].speakers is None
    reasons = {s.call_id: s.reason for s in m.statuses}
    assert set(reasons) == {"dash", "role", "nolabel", "twice", "empty"}
    for call_id, row in (("dash", 3), ("role", 4), ("nolabel", 5), ("twice", 6), ("empty", 7)):
        assert f"calls.csv row {row}: speakers must be label=role pairs" in reasons[call_id]
        assert "'A=rep;B=customer'" in reasons[call_id] and "rep, customer, unknown" in reasons[call_id]
    assert "label 'A' appears twice" in reasons["twice"]
