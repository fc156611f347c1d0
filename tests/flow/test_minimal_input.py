"""Minimal input: a folder of files instead of calls.csv, calls.csv with only call_id and a
file, and what the command says when no call at all could be processed."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from callinsight.contracts import CallStatus, InputError
from callinsight.pipeline import NoCallProcessed, failure_kind, group_failures
from callinsight.sources.folder import scan_folder
from callinsight.store.sqlite import Store
from support.audio import tone, write_wav
from support.corpus import make_corpus

CLI = str(Path(sys.executable).parent / "callinsight")
OCT1 = datetime(2026, 10, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def api_url(prefect_server) -> str:
    """The session test server's API, for the subprocess that runs the command."""
    from prefect.settings import PREFECT_API_URL

    return str(PREFECT_API_URL.value())


def date_files(folder: Path, when: datetime = OCT1) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            os.utime(path, (when.timestamp(), when.timestamp()))


# --- folder scan --------------------------------------------------------------------------

def test_folder_scan_names_pairs_and_skips(tmp_path):
    root = tmp_path / "calls"
    (root / "east" / "deep").mkdir(parents=True)
    (root / ".hidden").mkdir()
    (root / "out").mkdir()
    write_wav(root / "a.wav", [tone(0.5)])
    (root / "a.vtt").write_text("WEBVTT\n")  # same name, same folder: one call
    (root / "east" / "acme.mp3").write_bytes(b"x")
    (root / "east" / "deep" / "b.json").write_text("[]")
    (root / "east" / "deep" / "b.parties.json").write_text("[]")  # a Gong sidecar, not a call
    (root / "two.wav").write_bytes(b"x")
    (root / "two.flac").write_bytes(b"x")
    (root / ".secret.wav").write_bytes(b"x")
    (root / ".hidden" / "c.wav").write_bytes(b"x")
    (root / "out" / "old.vtt").write_text("WEBVTT\n")
    (root / "notes.txt").write_text("not a call")
    (root / "calls.csv").write_text("call_id,recording\nzz,a.wav\n")
    date_files(root)

    m = scan_folder(root, skip=(root / "out",))
    by_id = {c.call_id: c for c in m.calls}
    assert sorted(by_id) == ["a", "east-acme", "east-deep-b"]
    assert by_id["a"].recording == (root / "a.wav").resolve()
    assert by_id["a"].transcript == (root / "a.vtt").resolve()
    assert by_id["east-deep-b"].recording is None and by_id["east-deep-b"].rep == ""
    assert all(c.started_at == OCT1 and c.deal_id is None for c in m.calls)
    (two,) = m.statuses
    assert two.call_id == "two" and two.status == "failed" and "2 recordings" in two.reason
    assert m.warnings[0].startswith("3 calls have no started_at; used the file's modification time")
    assert "calls.csv" in m.warnings[1] and "not used" in m.warnings[1]


def test_folder_scan_refuses_an_empty_folder_and_symlinks_out(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "calls.csv").write_text("call_id,recording\n")
    with pytest.raises(InputError, match="no recordings"):
        scan_folder(tmp_path / "empty")
    (tmp_path / "in").mkdir()
    write_wav(tmp_path / "outside.wav", [tone(0.5)])
    (tmp_path / "in" / "link.wav").symlink_to(tmp_path / "outside.wav")
    m = scan_folder(tmp_path / "in")
    assert m.calls == [] and "outside" in m.statuses[0].reason


# --- failure kinds --------------------------------------------------------------------------

def test_failures_group_by_kind_without_the_call_specific_parts():
    statuses = [
        CallStatus("c1", "failed", "recording does not exist: /data/c1.wav"),
        CallStatus("c2", "failed", "recording does not exist: /data/c2.wav (unchanged since the last run)"),
        CallStatus("c3", "failed", "calls.csv row 3: started_at: Invalid isoformat string: 'x'"),
        CallStatus("c4", "failed", "calls.csv row 4: started_at: Invalid isoformat string: 'y'"),
        CallStatus("c5", "failed", "/data/t.vtt (line 3): start time '00:xx' is malformed; use hh:mm:ss"),
        CallStatus("ok", "ok", "deal D9 is not in deals.csv"),
    ]
    lines = [k.line() for k in group_failures(statuses)]
    assert lines == [
        "2 calls failed: calls.csv row: started_at: Invalid isoformat string (e.g. c3: row 3, 'x')",
        "2 calls failed: recording does not exist (e.g. c1: /data/c1.wav)",
        "1 call failed: start time is malformed; use hh:mm:ss (e.g. c5: /data/t.vtt, line 3, '00:xx')",
    ]
    kind, _ = failure_kind("calls.csv row 2: channels must be two roles like 'rep,customer', got 'x'")
    assert "like 'rep,customer'" in kind  # advice is kept, the call's value set aside
    error = NoCallProcessed(group_failures(statuses), 6, "/out/calls_status.csv")
    assert str(pickle.loads(pickle.dumps(error))) == str(error)


# --- folder mode through the flow --------------------------------------------------------------

def test_folder_mode_end_to_end(tmp_path, prefect_server):
    from callinsight.cli import main

    root = tmp_path / "in"
    make_corpus(root)  # t/c00.json ... plus a calls.csv and a deals.csv, which folder mode ignores
    write_wav(root / "t" / "c00.wav", [tone(0.5)])  # with the transcript of the same name
    (root / "t" / ".c99.json").write_text("{not json")  # hidden: skipped
    date_files(root)
    out = root / "out"  # inside the folder: never scanned
    args = ["run", "--calls", str(root), "--out", str(out), "--min-support", "3"]
    assert main(args) == 0
    status = pd.read_csv(out / "calls_status.csv")
    assert sorted(status.call_id) == [f"t-c{i:02d}" for i in range(12)]
    assert (status.status == "ok").all()
    calls = Store(out / "insights.db").calls_frame().set_index("call_id")
    assert calls.loc["t-c00", "recording"].endswith("c00.wav")
    assert set(calls.started_at) == {OCT1.isoformat()} and set(calls.rep) == {""}
    summary = json.loads(sorted((out / "runs").glob("*.json"))[-1].read_text())
    assert (summary["new"], summary["failed"]) == (12, 0)
    notes = " ".join(summary["notes"])
    assert "12 calls have no started_at" in notes and "is not used when --calls is a folder" in notes
    assert "no started_at" in (out / "report.html").read_text()

    assert main(args) == 0  # out/transcripts/*.vtt are not new calls on the rerun
    again = json.loads(sorted((out / "runs").glob("*.json"))[-1].read_text())
    assert (again["calls"], again["new"], again["cached"]) == (12, 0, 12)


def test_minimal_manifest_end_to_end(tmp_path, prefect_server):
    """call_id, deal_id and transcript only: no rep, dates from the files, statistics still run."""
    from flows.nightly import nightly_insights

    root = tmp_path / "in"
    calls, deals = make_corpus(root)
    frame = pd.read_csv(calls)
    frame[["call_id", "deal_id", "transcript"]].to_csv(calls, index=False)
    date_files(root)  # before every deal's close (2026-10-20): all calls count
    out = tmp_path / "out"
    summary = nightly_insights(calls=str(calls), deals=str(deals), out=str(out),
                               settings={"min_support": 3, "theme_min_size": 3})
    assert summary["ok"] == 12 and summary["failed"] == 0
    assert any("12 calls have no started_at" in n for n in summary["notes"])
    phrases = pd.read_csv(out / "phrases.csv")
    assert phrases.tested.any() and phrases.deals_won.max() > 0


# --- no call could be processed ----------------------------------------------------------------

def test_no_call_processed_says_why_once_without_traceback(tmp_path, api_url):
    root = tmp_path / "in"
    root.mkdir()
    (root / "broken.vtt").write_text("WEBVTT\n\n00:00:xx --> nope\n<v Rep>hi\n")
    (root / "calls.csv").write_text(
        "call_id,deal_id,rep,started_at,recording,transcript\n"
        "m1,D1,Ann,2026-10-01,gone1.wav,\n"
        "m2,D1,Ann,2026-10-01,gone2.wav,\n"
        "m3,D1,Ann,2026-10-01,gone3.wav,\n"
        "bad,D1,Ann,31/02/2026,gone1.wav,\n"
        "vtt,D1,Ann,2026-10-01,,broken.vtt\n")
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CALLINSIGHT_"))}
    env.update(PREFECT_API_URL=api_url, PREFECT_HOME=str(tmp_path / "prefect"), HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")
    done = subprocess.run([CLI, "run", "--calls", str(root / "calls.csv"), "--out", str(out)],
                          env=env, capture_output=True, text=True, timeout=300)
    seen = done.stdout + done.stderr
    assert done.returncode != 0, seen
    assert "Traceback" not in seen, seen

    status = pd.read_csv(out / "calls_status.csv")
    assert sorted(status.call_id) == ["bad", "m1", "m2", "m3", "vtt"]
    assert (status.status == "failed").all()
    assert not list(out.glob(".*.tmp"))

    lines = seen.splitlines()
    expected = [
        f"3 calls failed: recording does not exist (e.g. m1: {(root / 'gone1.wav').resolve()})",
        "1 call failed: calls.csv row: started_at: Invalid isoformat string (e.g. bad: row 4, '31/02/2026')",
        "1 call failed: start time is malformed",
    ]
    for text in expected:
        matching = [line for line in lines if text in line]
        assert len(matching) == 1, (text, seen)  # each kind once, not once per layer
    assert "error: No call could be processed (5 calls):" in lines
    assert f"Every call's status: {(out / 'calls_status.csv').resolve()}" in lines
