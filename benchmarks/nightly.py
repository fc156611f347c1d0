"""Nightly runs: a first run over the sample calls, an unchanged rerun, and a rerun with 10% new calls.

    .venv/bin/python benchmarks/nightly.py                       # sample_calls/, prints a Markdown section
    .venv/bin/python benchmarks/nightly.py --write BENCHMARKS.md # also (re)writes its "## Nightly runs"

Each run is the real command (``callinsight run``) in a fresh process, against a Prefect
server this script starts on loopback (as a deployment's worker would use one); one extra
unchanged rerun uses no server (``callinsight run`` then starts a temporary one itself).
Per run: wall time, CPU time (user + system, the process and its children; other jobs on the
machine inflate wall time, not CPU time), peak resident memory (``wait4``), and the run
summary's counts and in-flow stage durations.

The 10%-new rerun copies ``ceil(10% * N)`` sample calls under new ids. The same audio under
a new id would be answered from the transcript cache (keyed by content hash) and come out
"cached", so each copy's audio is made genuinely different: decoded with PyAV (faster-whisper's
``decode_audio``, 16 kHz, both channels), gain x0.98 plus 0.5 s of trailing silence, and
written as a 16-bit stereo WAV. Targets: the unchanged rerun takes <= 10% of the first run's
time and transcribes nothing; the 10%-new rerun transcribes only the new calls.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import wave
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECTION = "## Nightly runs"


@dataclass
class Measured:
    label: str
    wall: float
    cpu: float
    peak_mb: float
    summary: dict


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(home: Path) -> tuple[subprocess.Popen, str]:
    """A Prefect server on loopback with its own PREFECT_HOME; returns (process, API URL)."""
    import httpx

    port = free_port()
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_UI_ENABLED": "false",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    log = open(home.parent / "server.log", "w")
    cmd = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    api = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"prefect server exited; see {log.name}")
        try:
            if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                return proc, api
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("prefect server did not start")


def stop(proc: subprocess.Popen) -> None:
    import signal

    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def measure(label: str, args: list[str], env: dict[str, str], out: Path, log: Path) -> Measured:
    """Run one command; wall time, CPU time and peak RSS from wait4; the run's summary JSON."""
    before = set((out / "runs").glob("*.json")) if (out / "runs").is_dir() else set()
    with open(log, "w") as fh:
        t0 = time.perf_counter()
        proc = subprocess.Popen(args, env=env, stdout=fh, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{label}: exit {proc.returncode}; see {log}")
    new = sorted(set((out / "runs").glob("*.json")) - before)
    summary = json.loads(new[-1].read_text()) if new else {}
    return Measured(label, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, summary)


def copy_manifest(calls_csv: Path, deals_csv: Path, target: Path) -> list[dict]:
    """Copy the manifest and its recordings under ``target`` (paths must stay inside it)."""
    root = calls_csv.parent
    with open(calls_csv, newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        for col in ("recording", "transcript"):
            if r.get(col):
                dest = target / r[col]
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(root / r[col], dest)
    write_manifest(target / "calls.csv", rows)
    shutil.copyfile(deals_csv, target / "deals.csv")
    return rows


def write_manifest(path: Path, rows: list[dict]) -> None:
    fields = list(dict.fromkeys(k for r in rows for k in r))
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def altered_copy(src: Path, dest: Path, gain: float = 0.98, pad_seconds: float = 0.5) -> None:
    """Same speech, different bytes: PyAV decode, gain change, trailing silence, 16-bit WAV."""
    from faster_whisper import decode_audio

    left, right = decode_audio(str(src), sampling_rate=16000, split_stereo=True)
    pad = np.zeros(int(16000 * pad_seconds), dtype=np.float32)
    channels = [np.concatenate([c * gain, pad]) for c in (left, right)]
    data = np.stack([(np.clip(c, -1, 1) * 32767).astype(np.int16) for c in channels], axis=1)
    with wave.open(str(dest), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(data.tobytes())


def add_new_calls(target: Path, rows: list[dict], fraction: float) -> list[str]:
    """Append ceil(fraction * N) altered copies of sample calls to target/calls.csv."""
    k = max(1, math.ceil(fraction * len(rows)))
    step = max(1, len(rows) // k)
    new_rows, ids = [], []
    for r in rows[::step][:k]:
        call_id = f"{r['call_id']}n"
        dest = target / "audio" / f"{call_id}.wav"
        dest.parent.mkdir(parents=True, exist_ok=True)
        altered_copy(target / r["recording"], dest)
        new_rows.append({**r, "call_id": call_id, "recording": f"audio/{call_id}.wav"})
        ids.append(call_id)
    write_manifest(target / "calls.csv", rows + new_rows)
    return ids


def load_average() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def audio_minutes(summary: dict, out: Path) -> float:
    import sqlite3

    with sqlite3.connect(out / "insights.db") as con:
        return (con.execute("SELECT COALESCE(SUM(duration), 0) FROM calls").fetchone()[0] or 0) / 60


def markdown(results: list[Measured], n_calls: int, new_ids: list[str], minutes: float,
             loads: list[str], args: argparse.Namespace) -> str:
    from callinsight.settings import load_settings

    settings = load_settings(args.config, env={})
    model = f"{settings.whisper_model} {settings.whisper_compute_type}"
    config = f", settings `{_shown(args.config)}`" if args.config else ""
    first = results[0]
    rows = []
    for m in results:
        s, d = m.summary, m.summary.get("durations", {})
        nan = float("nan")
        rows.append(
            f"| {m.label} | {m.wall:.1f} | {m.cpu:.1f} | {m.peak_mb:.0f} | {d.get('total', nan):.1f} "
            f"| {d.get('transcribe', nan):.1f} | {d.get('extract', nan):.1f} "
            f"| {d.get('analyse', nan):.1f} | {s.get('new')} | {s.get('cached')} "
            f"| {s.get('extracted')} | {100 * m.wall / first.wall:.0f}% |")
    unchanged, grown = results[1], results[2]
    ok_unchanged = unchanged.summary.get("new") == 0 and unchanged.wall <= 0.1 * first.wall
    ok_grown = grown.summary.get("new") == len(new_ids) and grown.summary.get("cached") == n_calls
    return "\n".join([
        SECTION,
        "",
        f"Date {date.today().isoformat()}; machine: 2 cores ({platform.machine()}, Python "
        f"{platform.python_version()}); load average before each run: {', '.join(loads)} (other jobs "
        "share the machine: wall times are inflated, CPU times much less). Command: "
        f"`.venv/bin/python benchmarks/nightly.py` (task runner {args.task_runner}, "
        f"{args.workers} workers, Whisper {model}{config}).",
        "",
        f"Corpus: {n_calls} sample calls ({minutes:.1f} min of two-channel audio, `{_shown(args.calls)}`), "
        f"then {len(new_ids)} more ({', '.join(new_ids)}): copies of sample calls whose audio was "
        "re-encoded (PyAV decode, gain x0.98, 0.5 s of silence appended, 16-bit WAV) so that their "
        "content hash differs and they are genuinely new, not transcript-cache hits. Each run is "
        "`callinsight run` in a fresh process against a Prefect server already running on loopback "
        "(as with a deployment and its worker); the last row is an unchanged rerun without a server "
        "(Prefect starts a temporary one)." + (f" {args.note}" if args.note else ""),
        "",
        "| run | wall s | CPU s | peak MB | in-flow s | transcribe s | extract s | analyse s "
        "| new | cached | extracted | wall vs first |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *rows,
        "",
        "wall: the whole command (Python and model imports, Prefect flow-run setup, the flow); "
        "in-flow: the flow body as the run summary times it (`durations.total`); new: calls "
        "transcribed this run; extracted: calls whose phrases and objections were extracted.",
        "",
        f"Targets: unchanged rerun <= 10% of the first run's time and transcribes nothing: "
        f"{'met' if ok_unchanged else 'NOT met'} ({100 * unchanged.wall / first.wall:.0f}% wall, "
        f"{unchanged.summary.get('new')} transcribed); the 10%-new rerun transcribes only the new "
        f"calls: {'met' if ok_grown else 'NOT met'} ({grown.summary.get('new')} new, "
        f"{grown.summary.get('cached')} cached).",
        "",
    ])


def _shown(path: Path) -> str:
    """A path relative to the repository when it is inside it."""
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def write_section(path: Path, text: str) -> None:
    """Replace this script's section in BENCHMARKS.md (or append it); other sections stay."""
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text + "\n", current, count=1)
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    path.write_text(updated.rstrip("\n") + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", type=Path, default=REPO / "sample_calls" / "calls.csv")
    ap.add_argument("--deals", type=Path, default=None, help="default: deals.csv next to --calls")
    ap.add_argument("--fraction", type=float, default=0.1, help="share of new calls in the third run")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--task-runner", default="threads", choices=["threads", "dask"])
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    ap.add_argument("--write", type=Path, default=None, help="write the section into this Markdown file")
    ap.add_argument("--note", default="", help="a sentence about the corpus, added to the section")
    ap.add_argument("--config", type=Path, default=None,
                    help="settings YAML (default: callinsight.yaml next to --calls, if any)")
    args = ap.parse_args(argv)
    deals = args.deals or args.calls.with_name("deals.csv")
    if args.config is None and args.calls.with_name("callinsight.yaml").is_file():
        args.config = args.calls.with_name("callinsight.yaml")
    if not args.calls.is_file():
        print(f"error: {args.calls} does not exist (the sample audio is not there yet?)", file=sys.stderr)
        return 2
    work = args.work or Path(tempfile.mkdtemp(prefix="callinsight-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    target, out = work / "in", work / "out"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(target, ignore_errors=True)
    rows = copy_manifest(args.calls, deals, target)
    (work / "prefect-home").mkdir(exist_ok=True)
    server, api = start_server(work / "prefect-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CALLINSIGHT_"))}
    env.update(PREFECT_API_URL=api, PREFECT_HOME=str(work / "prefect-home"), HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")
    cmd = [str(BIN / "callinsight"), "run", "--calls", str(target / "calls.csv"), "--deals",
           str(target / "deals.csv"), "--out", str(out), "--workers", str(args.workers),
           "--task-runner", args.task_runner] + (["--config", str(args.config)] if args.config else [])
    results: list[Measured] = []
    loads: list[str] = []
    try:
        for label in ("first run", "unchanged rerun"):
            loads.append(load_average())
            results.append(measure(label, cmd, env, out, work / f"{len(results)}.log"))
            print(f"{label}: {results[-1].wall:.1f} s", flush=True)
        new_ids = add_new_calls(target, rows, args.fraction)
        loads.append(load_average())
        results.append(measure(f"rerun + {len(new_ids)} new calls", cmd, env, out, work / "2.log"))
        print(f"{results[-1].label}: {results[-1].wall:.1f} s", flush=True)
    finally:
        stop(server)
    no_server = {k: v for k, v in env.items() if k != "PREFECT_API_URL"}
    no_server["PREFECT_HOME"] = str(work / "prefect-home-ephemeral")
    loads.append(load_average())
    label = f"unchanged rerun ({len(rows) + len(new_ids)} calls), no server"
    results.append(measure(label, cmd, no_server, out, work / "3.log"))
    print(f"{results[-1].label}: {results[-1].wall:.1f} s", flush=True)
    text = markdown(results, len(rows), new_ids, audio_minutes(results[0].summary, out), loads, args)
    print(text)
    if args.write:
        write_section(args.write, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
