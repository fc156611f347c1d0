"""Ingest stage: calls.csv / deals.csv validation and CRM stage spellings."""

from pathlib import Path

import pytest

from callinsight.contracts import InputError
from callinsight.sources.manifest import normalize_stage, read_calls, read_deals


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
    p = write(tmp_path / "calls.csv", "call_id,deal_id,recording\nc1,D1,a.ogg\n")
    with pytest.raises(InputError, match="rep, started_at"):
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
