"""Nightly operations: failure isolation, crash-resume, the run lock, Dask, a real deployment.

Subprocess tests run the real ``callinsight`` command against the session's Prefect test
server (``PREFECT_API_URL``); the deployment test starts its own ``prefect server``,
work pool and process worker on loopback. Tests that need real speech use the sample
audio in ``sample_calls/`` (``CALLINSIGHT_SAMPLE_CALLS`` points elsewhere) and skip
without it; the rest use imported transcripts (``make_corpus``) or tones.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from callinsight.pipeline import LOCK_NAME, compare_runs, summary_markdown
from callinsight.store.sqlite import Store
from support.audio import tone, write_wav
from support.corpus import make_corpus, run
from support.paths import REPO, SAMPLE_CALLS

BIN = Path(sys.executable).parent
CLI = str(BIN / "callinsight")
PREFECT = str(BIN / "prefect")
SAMPLES = Path(os.environ.get("CALLINSIGHT_SAMPLE_CALLS", SAMPLE_CALLS))
SMALL = {"min_support": 3, "theme_min_size": 3}
CLI_SMALL = ["--min-support", "3"]


# --- helpers ------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def api_url(prefect_server) -> str:
    """The session test server's API, for subprocesses."""
    from prefect.settings import PREFECT_API_URL

    return str(PREFECT_API_URL.value())


def cli_env(api_url: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CALLINSIGHT_"))}
    env.update(PREFECT_API_URL=api_url, PREFECT_HOME=str(home), HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")
    return env


def callinsight_run(calls: Path, deals: Path, out: Path, *extra: str) -> list[str]:
    return [CLI, "run", "--calls", str(calls), "--deals", str(deals), "--out", str(out), *extra]


def audio_corpus(root: Path, n: int) -> tuple[Path, Path, list[str]]:
    """A manifest of the ``n`` shortest sample calls, copied under ``root``."""
    audio_dir = SAMPLES / "audio"
    if not (SAMPLES / "calls.csv").is_file() or not audio_dir.is_dir():
        pytest.skip(f"needs the sample audio ({audio_dir} is not there yet)")
    with open(SAMPLES / "calls.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("recording") and (SAMPLES / r["recording"]).is_file()]
    if len(rows) < n:
        pytest.skip(f"needs {n} sample recordings, found {len(rows)}")
    rows = sorted(rows, key=lambda r: (SAMPLES / r["recording"]).stat().st_size)[:n]
    for r in rows:
        target = root / r["recording"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SAMPLES / r["recording"], target)
    calls = root / "calls.csv"
    with open(calls, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    deals = root / "deals.csv"
    shutil.copyfile(SAMPLES / "deals.csv", deals)
    return calls, deals, [r["call_id"] for r in rows]


def count_transcribed(db: Path) -> int:
    """Calls with a saved transcript, read without taking any lock."""
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute("SELECT COUNT(*) FROM calls WHERE cache_key IS NOT NULL").fetchone()[0]
        finally:
            con.close()
    except sqlite3.OperationalError:  # not created yet
        return 0


def assert_store_consistent(out: Path, call_ids: list[str]) -> None:
    """No duplicate row in any table; every call ok, transcribed and extracted once."""
    con = sqlite3.connect(out / "insights.db")
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for t in tables:
            total = con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]
            distinct = con.execute(f'SELECT COUNT(*) FROM (SELECT DISTINCT * FROM "{t}")').fetchone()[0]
            assert total == distinct, f"duplicate rows in {t}"
        calls = pd.read_sql_query("SELECT call_id, cache_key, extract_key FROM calls", con)
        assert sorted(calls.call_id) == sorted(call_ids)
        assert calls.cache_key.notna().all() and calls.extract_key.notna().all()
        per_call = dict(con.execute("SELECT call_id, COUNT(*) FROM segments GROUP BY call_id").fetchall())
        assert all(per_call.get(c, 0) > 0 for c in call_ids), per_call
        status = pd.read_sql_query("SELECT * FROM calls_status", con)
        assert status.call_id.is_unique and sorted(status.call_id) == sorted(call_ids)
        assert (status.status == "ok").all(), status
        assert con.execute("SELECT COUNT(*) FROM runs WHERE finished_at IS NULL").fetchone()[0] == 0
    finally:
        con.close()
    csv_status = pd.read_csv(out / "calls_status.csv")
    assert sorted(csv_status.call_id) == sorted(call_ids) and (csv_status.status == "ok").all()
    assert sorted(p.stem for p in (out / "transcripts").glob("*.vtt")) == sorted(call_ids)
    assert not list(out.rglob(".*.tmp")), "temporary files left behind"


def latest_summary(out: Path) -> dict:
    return json.loads(sorted((out / "runs").glob("*.json"))[-1].read_text())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen, sig: int = signal.SIGINT, timeout: float = 15) -> None:
    """Stop a process group this test started: ``sig``, then SIGKILL after ``timeout``."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=timeout)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)


# --- failure isolation ---------------------------------------------------------------------

def test_bad_and_flaky_calls_do_not_sink_the_run(tmp_path, prefect_server, monkeypatch):
    import flows.nightly as nightly

    root = tmp_path / "in"
    calls, deals = make_corpus(root, n_won=4, n_lost=4,
                               extra_rows="garbage,D00,Ann,2026-10-01,t/garbage.json\n")
    (root / "t" / "garbage.json").write_text("{this is not json")
    out = tmp_path / "out"
    real = nightly.transcribe_one
    attempts: Counter[str] = Counter()

    def flaky(call, settings, **kwargs):
        attempts[call.call_id] += 1
        if call.call_id == "c02" or (call.call_id == "c01" and attempts["c01"] == 1):
            raise OSError(5, "Input/output error")  # c01 recovers on retry, c02 never does
        return real(call, settings, **kwargs)

    monkeypatch.setattr(nightly, "transcribe_one", flaky)
    monkeypatch.setattr(nightly.transcribe_task, "retry_delay_seconds", 0)
    monkeypatch.setattr(nightly, "IMPORT_RETRY_DELAY", 0)
    summary = run(calls, deals, out)  # Completed despite two failed calls
    status = pd.read_csv(out / "calls_status.csv").set_index("call_id")
    assert status.loc["c01", "status"] == "ok" and attempts["c01"] == 2
    assert status.loc["c02", "status"] == "failed" and "transient" in status.loc["c02", "reason"]
    assert attempts["c02"] == 3  # first try + 2 retries
    assert status.loc["garbage", "status"] == "failed" and status.loc["garbage", "reason"]
    assert summary["failed"] == 2 and summary["ok"] == 7
    assert {f["call_id"] for f in summary["failed_calls"]} == {"c02", "garbage"}
    store = Store(out / "insights.db")
    assert store.failure("garbage") is not None  # recorded with its input key
    assert store.failure("c02") is None  # transient: not recorded, retried next run

    attempts.clear()
    monkeypatch.setattr(nightly, "transcribe_one",
                        lambda c, s, **k: (attempts.update([c.call_id]), real(c, s, **k))[1])
    again = run(calls, deals, out)
    assert attempts == Counter({"c02": 1})  # garbage unchanged: not even tried
    assert again["new"] == 1 and again["failed"] == 1
    assert "unchanged since the last run" in pd.read_csv(out / "calls_status.csv").set_index(
        "call_id").loc["garbage", "reason"]

    (root / "t" / "garbage.json").write_text(json.dumps(
        [{"speaker": "Customer", "start": 0, "end": 3, "text": "The price is too high for us."}]))
    fixed = run(calls, deals, out)
    assert attempts["garbage"] == 1 and fixed["failed"] == 0 and fixed["new"] == 1


# --- crash-resume and the run lock -----------------------------------------------------------

def test_sigkill_mid_transcription_then_rerun_finishes_the_work(tmp_path, api_url):
    calls, deals, ids = audio_corpus(tmp_path / "in", 4)
    out = tmp_path / "out"
    env = cli_env(api_url, tmp_path / "home")
    args = callinsight_run(calls, deals, out, "--workers", "1", *CLI_SMALL)
    with open(tmp_path / "killed.log", "w") as log:
        proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 600
            while not 1 <= count_transcribed(out / "insights.db") < len(ids):
                assert proc.poll() is None, (tmp_path / "killed.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "no call was transcribed in time"
                time.sleep(0.1)
        finally:
            stop(proc, signal.SIGKILL)
    done = count_transcribed(out / "insights.db")
    assert 1 <= done < len(ids), "the kill must land mid-transcription"
    assert not (out / "runs").exists() or not list((out / "runs").glob("*.json"))

    rerun = subprocess.run(args, env=env, capture_output=True, text=True, timeout=900)
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    summary = latest_summary(out)
    assert summary["cached"] == done and summary["new"] == len(ids) - done
    assert summary["extracted"] == len(ids) and summary["failed"] == 0
    assert_store_consistent(out, ids)


HOLD_LOCK = """
import sys
from pathlib import Path
from callinsight.pipeline import run_lock
with run_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.read()
"""


def test_a_second_run_is_refused_while_another_process_holds_the_folder(tmp_path, api_url):
    calls, deals = make_corpus(tmp_path / "in", n_won=3, n_lost=3)
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(out)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        refused = subprocess.run(callinsight_run(calls, deals, out, *CLI_SMALL),
                                 env=cli_env(api_url, tmp_path / "home"), capture_output=True,
                                 text=True, timeout=300)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert refused.returncode == 2, refused.stdout[-2000:] + refused.stderr[-2000:]
    assert f"Another callinsight run (pid {holder.pid}" in refused.stderr
    assert "Wait for it to finish, or pass a different --out" in refused.stderr
    assert not (out / "insights.db").exists()  # refused before touching the store


def test_two_runs_started_together_leave_one_consistent_store(tmp_path, api_url):
    calls, deals = make_corpus(tmp_path / "in", n_won=4, n_lost=4)
    out = tmp_path / "out"
    env = cli_env(api_url, tmp_path / "home")
    procs = [subprocess.Popen(callinsight_run(calls, deals, out, *CLI_SMALL), env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
             for _ in range(2)]
    results = [(p.wait(timeout=600), *p.communicate()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes in ([0, 0], [0, 2]), results
    for code, _, err in results:
        if code == 2:  # refused: the other one held the folder
            assert "Another callinsight run (pid" in err and "is using" in err
    assert_store_consistent(out, [f"c{i:02d}" for i in range(8)])
    runs = sorted((out / "runs").glob("*.json"))
    assert len(runs) == codes.count(0) and len({p.name for p in runs}) == len(runs)
    if codes == [0, 0]:  # serialized: the second found everything done
        assert json.loads(runs[-1].read_text())["new"] == 0


def test_lock_file_names_its_holder(tmp_path):
    from callinsight.pipeline import RunLockedError, run_lock

    with run_lock(tmp_path):
        text = (tmp_path / LOCK_NAME).read_text()
        assert text.startswith(f"pid {os.getpid()} on ")
        with pytest.raises(RunLockedError, match="Another callinsight run"), run_lock(tmp_path):
            pass  # a second open of the lock file conflicts, even in the same process
    with run_lock(tmp_path):  # released
        pass


# --- the store's publish is one transaction -----------------------------------------------------

def test_publish_is_all_or_nothing(tmp_path):
    store = Store(tmp_path / "insights.db")
    store.publish("r1", {"themes": pd.DataFrame({"theme_id": ["T1"], "n": [1]}),
                         "quotes": pd.DataFrame({"call_id": ["a"], "text": ["x"]})}, [], {"run_id": "r1"})

    class Boom:  # a cell that cannot be stored: fails halfway through the second table
        def __str__(self):
            raise RuntimeError("disk full")

    bad = {"themes": pd.DataFrame({"theme_id": ["T2", "T3"], "n": [2, 3]}),
           "quotes": pd.DataFrame({"call_id": ["b"], "text": [Boom()]})}
    with pytest.raises(RuntimeError, match="disk full"):
        store.publish("r2", bad, [], {"run_id": "r2"})
    with sqlite3.connect(tmp_path / "insights.db") as con:
        assert con.execute("SELECT theme_id FROM themes").fetchall() == [("T1",)]
        assert con.execute("SELECT call_id FROM quotes").fetchall() == [("a",)]
        assert [r[0] for r in con.execute("SELECT run_id FROM runs")] == ["r1"]
    assert store.last_run()["run_id"] == "r1"


# --- run summary ------------------------------------------------------------------------------

def test_run_comparison_names_new_growing_gone_and_flipped_themes():
    themes = pd.DataFrame({
        "theme_id": ["T1", "T2", "T3"], "label": ["price", "crm sync", "security review"],
        "n_quotes": [12, 5, 4], "n_deals": [6, 3, 2], "direction": ["loss", "win", "none"],
        "trend": ["growing", "stable", "new"], "previous_n_quotes": [8, 5, None],
    })
    previous = {"run_id": "20261123T020000Z", "calls": 40,
                "theme_snapshot": [{"theme_id": "T1", "direction": "loss"},
                                   {"theme_id": "T2", "direction": "none"}]}
    history = [{"theme_id": "T1", "label": "price", "n_quotes": 8},
               {"theme_id": "T2", "label": "crm sync", "n_quotes": 5},
               {"theme_id": "T9", "label": "onboarding", "n_quotes": 6}]
    cmp_ = compare_runs(themes, previous, history, calls=44)
    assert [t["theme_id"] for t in cmp_["new_themes"]] == ["T3"]
    assert cmp_["growing_themes"] == [{"theme_id": "T1", "label": "price", "n_quotes": 12,
                                       "previous_n_quotes": 8, "direction": "loss"}]
    assert [t["theme_id"] for t in cmp_["gone_themes"]] == ["T9"]
    assert cmp_["direction_changes"] == [{"theme_id": "T2", "label": "crm sync", "before": "none",
                                          "after": "win"}]
    assert cmp_["calls_delta"] == 4 and compare_runs(themes, None)["previous_run"] is None
    md = summary_markdown({"run_id": "r", "calls": 44, "new": 4, "cached": 40, "failed": 0,
                           "skipped": 0, "extracted": 4, "themes": 3, "durations": {"total": 9.5},
                           "comparison": cmp_, "report": "out/report.html"})
    assert "8 → 12 quotes" in md and "onboarding" in md and "none → win" in md and "+4" in md


def test_incremental_summary_compares_with_the_previous_run(tmp_path, prefect_server):
    calls, deals = make_corpus(tmp_path / "in", n_won=6, n_lost=6)
    lines = calls.read_text().splitlines(keepends=True)
    first_eight = calls.with_name("first8.csv")
    first_eight.write_text("".join(lines[:5] + lines[7:11]))  # c00-c03 won, c06-c09 lost
    out = tmp_path / "out"
    first = run(first_eight, deals, out)
    assert first["comparison"]["previous_run"] is None and first["new_themes"] == []
    second = run(calls, deals, out)  # the same 8 calls plus 4 new ones
    assert second["new"] == 4 and second["cached"] == 8 and second["extracted"] == 4
    assert second["comparison"]["previous_run"] == first["run_id"] < second["run_id"]
    assert second["comparison"]["calls_delta"] == 4
    for stage in ("ingest", "check", "transcribe", "extract", "analyse", "report", "total"):
        assert stage in second["durations"]
    saved = latest_summary(out)
    assert saved["run_id"] == second["run_id"] and saved["report"].endswith("report.html")


# --- scale-out: Dask ------------------------------------------------------------------------------

def _whisper_loads() -> dict:
    from callinsight.stages import transcribe

    info = transcribe._load_whisper.cache_info()
    return {"misses": info.misses, "hits": info.hits}


def _threads_then_dask(calls: Path, deals: Path, tmp_path: Path, probe,
                       **settings) -> tuple[dict, dict, dict]:
    """The flow on 2 threads, then on a local Dask cluster of 2 worker processes; ``probe``
    runs on each worker afterwards (what it loaded, what it ran)."""
    from distributed import Client, LocalCluster

    from callinsight.settings import load_settings
    from flows.nightly import with_task_runner

    def flow_run(out: Path, **more):
        cfg = {**SMALL, "workers": 2, **settings, **more}
        return with_task_runner(load_settings(**cfg))(calls=str(calls), deals=str(deals), out=str(out),
                                                      settings=cfg)

    threads = flow_run(tmp_path / "threads")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        dask = flow_run(tmp_path / "dask", task_runner="dask", dask_address=cluster.scheduler_address)
        probed = client.run(probe)
    return threads, dask, probed


def test_dask_cluster_gives_the_same_outputs_as_threads(tmp_path, prefect_server):
    root = tmp_path / "in"
    calls, deals = make_corpus(root, n_won=5, n_lost=5)
    rows = list(csv.DictReader(open(calls, newline="")))
    for i in range(4):  # tones: whisper loads and finds no speech (a failed call, same on both)
        write_wav(root / f"tone{i}.wav", [tone(2.0, 300 + 40 * i), tone(2.0, 700 + 40 * i)])
        rows.append({"call_id": f"tone{i}", "deal_id": "D00", "rep": "Ann", "started_at": "2026-10-02",
                     "recording": f"tone{i}.wav", "transcript": ""})
    with open(calls, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["call_id", "deal_id", "rep", "started_at", "transcript",
                                                "recording"])
        writer.writeheader()
        writer.writerows(rows)

    threads, dask, loads = _threads_then_dask(calls, deals, tmp_path, _whisper_loads)
    assert dask["task_runner"] == "dask" and threads["task_runner"] == "threads"
    assert (dask["new"], dask["failed"]) == (threads["new"], threads["failed"])
    # the 10 spoken calls are transcribed; a pure tone may or may not make Whisper hear a word
    assert threads["new"] >= 10 and threads["new"] + threads["failed"] == 14
    for name in ("calls_status", "phrases", "themes", "quotes", "objections"):
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "dask" / f"{name}.csv"),
                                      pd.read_csv(tmp_path / "threads" / f"{name}.csv"), obj=name)
    # The model loads once per worker process, not once per call.
    assert all(v["misses"] <= 1 for v in loads.values()), loads
    assert sum(v["misses"] + v["hits"] for v in loads.values()) == 4, loads


def test_the_log_shows_extraction_and_analysis_progress(tmp_path, api_url):
    """Scheduled runs have no terminal: progress goes to the Prefect log, batch by batch."""
    calls, deals = make_corpus(tmp_path / "in", n_won=3, n_lost=3)
    env = {**cli_env(api_url, tmp_path / "home"), "CALLINSIGHT_BATCH_CALLS": "2"}
    proc = subprocess.run(callinsight_run(calls, deals, tmp_path / "out", *CLI_SMALL), env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    assert "6 call(s) to extract in 3 batch(es)" in log
    for done in (2, 4, 6):
        assert f"Extraction progress: {done}/6 calls" in log
    assert "import-c00-and-1-more" in log  # transcripts are imported two calls per task
    assert "Analysis progress: themes done" in log and "(5/5)" in log
    assert "\r" not in log  # no bar drawn into a log that is not a terminal

def _extraction_on_worker() -> dict:
    """What this Dask worker process extracted: its extractors and the batches it ran."""
    from callinsight.pipeline import extraction

    return {"extractors": len(extraction._EXTRACTORS), "batches": extraction.BATCHES_RUN}


def _stored_utterances(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as con:
        return con.execute('SELECT call_id, idx, speaker, start, "end", text, phrases, objection, '
                           "objection_score, embedding FROM utterances ORDER BY call_id, idx").fetchall()


def test_extraction_on_a_dask_cluster_gives_the_same_outputs_as_threads(tmp_path, prefect_server):
    """Batches of calls are parsed and encoded on 2 worker processes (models built once per
    worker); the flow's process stores them. Every stored row, vector bytes included, and
    every output table equal the run on threads."""
    from evaluation.scale_corpus import generate_scale, write_files

    data = write_files(generate_scale(18, seed=4), tmp_path / "in")  # text that does not repeat
    calls, deals = data / "calls.csv", data / "deals.csv"
    threads, dask, workers = _threads_then_dask(calls, deals, tmp_path, _extraction_on_worker, batch_calls=3)
    assert threads["extracted"] == dask["extracted"] == 18
    # the 6 batches ran on the workers, each worker built its models once
    assert sum(w["batches"] for w in workers.values()) == 6, workers
    assert all(w["extractors"] == (1 if w["batches"] else 0) for w in workers.values()), workers
    rows = _stored_utterances(tmp_path / "dask" / "insights.db")
    assert rows and rows == _stored_utterances(tmp_path / "threads" / "insights.db")
    assert sum(r[-1] is not None for r in rows) >= 300  # customer sentences with their vectors
    for name in ("phrases", "themes", "quotes", "objections", "calls_status"):
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "dask" / f"{name}.csv"),
                                      pd.read_csv(tmp_path / "threads" / f"{name}.csv"), obj=name)


# --- scheduling ---------------------------------------------------------------------------------

def test_schedule_command_serves_the_flow_on_cron_with_timezone(tmp_path, monkeypatch):
    import argparse

    import flows.deployment as nightly
    from callinsight.contracts import InputError
    from flows.schedule import schedule_command, serve_options

    calls, deals = make_corpus(tmp_path / "in", n_won=1, n_lost=1)
    served = {}
    monkeypatch.setattr(type(nightly.nightly_insights), "serve", lambda self, **kw: served.update(kw))
    args = argparse.Namespace(calls=str(calls), deals=str(deals), out=str(tmp_path / "out"),
                              cron="30 1 * * 1-5", timezone="Europe/Berlin")
    assert schedule_command(args) == 0
    schedule = served["schedules"][0]
    assert (schedule.cron, schedule.timezone) == ("30 1 * * 1-5", "Europe/Berlin")
    assert served["parameters"] == {"calls": str(calls.resolve()), "deals": str(deals.resolve()),
                                    "out": str((tmp_path / "out").resolve()), "config": None}
    for bad in ({"cron": "every night"}, {"timezone": "Mars/Olympus"}, {"calls": "nope.csv"}):
        with pytest.raises(InputError):
            serve_options(argparse.Namespace(**{**vars(args), **bad}))


def test_deploy_prefect_yaml_to_a_real_server_and_run_it(tmp_path):
    """prefect server + process work pool + `prefect deploy` + a process worker + a triggered run."""
    calls, deals = make_corpus(tmp_path / "in", n_won=3, n_lost=3)
    out = tmp_path / "out"
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = cli_env(api, tmp_path / "prefect-home")
    env.update(PREFECT_UI_ENABLED="false", PREFECT_WORKER_QUERY_SECONDS="1",
               PREFECT_SERVER_LOGGING_LEVEL="WARNING", PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="5")
    logs = tmp_path / "logs"
    logs.mkdir()

    def cli(*args: str, check: bool = True, cwd: Path = tmp_path) -> subprocess.CompletedProcess:
        r = subprocess.run([PREFECT, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
        message = f"prefect {' '.join(args)}:\n{r.stdout[-3000:]}{r.stderr[-3000:]}"
        assert r.returncode == 0 or not check, message
        return r

    server = subprocess.Popen([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=open(logs / "server.log", "w"), stderr=subprocess.STDOUT,
                              start_new_session=True)
    worker = None
    try:
        import httpx

        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, (logs / "server.log").read_text()[-3000:]
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the Prefect server did not start"
            time.sleep(0.5)

        cli("work-pool", "create", "callinsight", "--type", "process")
        deployed = cli("--no-prompt", "deploy", "--all", cwd=REPO, check=False)
        text = deployed.stdout + deployed.stderr
        created = "nightly-insights/nightly-insights' successfully created"
        assert created in " ".join(text.split()), text[-3000:]
        if deployed.returncode != 0:  # known: fastapi>=0.151 rejects the CLI's `limit: null` afterwards
            assert "workers/filter" in text and "422" in text, text[-3000:]
        worker = subprocess.Popen([PREFECT, "worker", "start", "--pool", "callinsight", "--limit", "1"],
                                  env=env, cwd=tmp_path, stdout=open(logs / "worker.log", "w"),
                                  stderr=subprocess.STDOUT, start_new_session=True)
        params = {"calls": str(calls), "deals": str(deals), "out": str(out), "settings": SMALL}
        triggered = cli("deployment", "run", "nightly-insights/nightly-insights",
                        "--params", json.dumps(params), "--watch", "--watch-timeout", "400", check=False)
        assert triggered.returncode == 0 and "Completed" in triggered.stdout, (
            triggered.stdout[-3000:] + triggered.stderr[-2000:] + (logs / "worker.log").read_text()[-4000:])
        for name in ("report.html", "themes.csv", "calls_status.csv", "insights.db"):
            assert (out / name).is_file(), name
        summary = latest_summary(out)
        assert summary["new"] == 6 and summary["failed"] == 0

        arts = httpx.post(f"{api}/artifacts/filter", json={
            "artifacts": {"key": {"any_": ["callinsight-run-summary"]}}, "limit": 5}, timeout=10).json()
        assert arts and "| calls | new | cached |" in arts[0]["data"]
        dep = httpx.get(f"{api}/deployments/name/nightly-insights/nightly-insights", timeout=10).json()
        cron = dep["schedules"][0]["schedule"]
        assert (cron["cron"], cron["timezone"]) == ("0 2 * * *", "UTC")
        assert set(dep["parameters"]) >= {"calls", "deals", "out"}
        # The server's scheduler must create the nightly runs (Prefect 3.8.8's scheduler service
        # fails on SQLAlchemy 2.1: "Can't evaluate bulk DML statement"; 2.0.x works).
        deadline = time.monotonic() + 30
        while True:
            runs = httpx.post(f"{api}/flow_runs/filter", json={
                "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}, "limit": 5}, timeout=10).json()
            if runs or time.monotonic() > deadline:
                break
            time.sleep(2)
        assert runs, ("the Prefect server created no scheduled run for the cron schedule; see "
                      + str(logs / "server.log") + ":\n" + (logs / "server.log").read_text()[-1500:])
        assert all(r["expected_start_time"].endswith("T02:00:00Z") for r in runs)
    finally:
        if worker is not None:
            stop(worker)
        stop(server)


def test_prefect_yaml_declares_the_nightly_deployment():
    import yaml

    spec = yaml.safe_load((REPO / "prefect.yaml").read_text())
    (dep,) = [d for d in spec["deployments"] if d["name"] == "nightly-insights"]
    assert dep["entrypoint"] == "flows/deployment.py:nightly_insights"
    assert (REPO / dep["entrypoint"].split(":")[0]).is_file()
    assert dep["schedules"][0]["cron"] == "0 2 * * *" and dep["schedules"][0]["timezone"]
    assert {"calls", "deals", "out"} <= set(dep["parameters"])
    assert dep["work_pool"]["name"] == "callinsight"


def test_task_runner_setting_picks_threads_or_dask():
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    from callinsight.contracts import InputError
    from callinsight.settings import load_settings
    from flows.nightly import task_runner_for

    assert isinstance(task_runner_for(load_settings(env={})), ThreadPoolTaskRunner)
    remote = task_runner_for(load_settings(env={}, task_runner="dask", dask_address="tcp://10.0.0.5:8786"))
    assert isinstance(remote, DaskTaskRunner) and remote.address == "tcp://10.0.0.5:8786"
    with pytest.raises(InputError):
        task_runner_for(load_settings(env={}, task_runner="ray"))
