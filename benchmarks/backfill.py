"""A first run as a user runs it: `callinsight run` timed as a whole process, stage by stage.

Usage:
    .venv/bin/python benchmarks/backfill.py --data ../shared/data/casino_real     # 1,030 real chats
    .venv/bin/python benchmarks/backfill.py --scale 1000 --task-runner dask        # generated, no repeats
    .venv/bin/python benchmarks/backfill.py --data ../shared/data/casino_real --code /tmp/before/src

``--data DIR``: a folder with calls.csv and deals.csv (read only). ``--scale N``: N calls of
:mod:`evaluation.scale_corpus` written as transcript files into a temporary folder.
``--code SRC``: run another checkout's ``src`` (e.g. a git worktree of an older commit, with
this venv) for a before/after on the same machine and data. Each run gets a fresh output
folder and Prefect home, so it is a first run: nothing cached. Prints one JSON line per run
with the wall time of the process, its CPU time, peak RSS of the process tree's largest
member, the flow's stage durations, and the rates per call.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evaluation.scale_corpus import generate_scale, write_files  # noqa: E402


def run_once(data: Path, runner: str, workers: int, code: str | None, extra: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CALLINSIGHT_"))}
        env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PREFECT_HOME=str(Path(tmp) / "prefect"),
                   PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
        if code:
            env["PYTHONPATH"] = os.pathsep.join([code, str(Path(code).parent)])
        out = Path(tmp) / "out"
        cmd = [sys.executable, "-m", "callinsight.cli", "run", "--calls", str(data / "calls.csv"),
               "--deals", str(data / "deals.csv"), "--out", str(out), "--task-runner", runner,
               "--workers", str(workers), *extra]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False,
                              cwd=Path(code).parent if code else ROOT)  # its flows/ too
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            print(proc.stdout[-3000:], proc.stderr[-3000:], file=sys.stderr)
            raise SystemExit(f"callinsight run failed (exit {proc.returncode})")
        record = json.loads(next((out / "runs").glob("*.json")).read_text())
        durations = record["durations"]
        n = record["calls"]
        return {
            "data": str(data), "code": code or "this checkout", "task_runner": runner, "workers": workers,
            "calls": n, "ok": record["ok"], "failed": record["failed"], "themes": record["themes"],
            "process_s": round(wall, 1),
            "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
            "peak_rss_mb": round(after.ru_maxrss / 1024),
            **{f"{k}_s": round(v, 1) for k, v in durations.items()},
            "import_calls_per_s": round(n / max(durations.get("transcribe", 0), 1e-9), 1),
            "extract_calls_per_s": round(n / max(durations.get("extract", 0), 1e-9), 1),
            "date": time.strftime("%Y-%m-%d %H:%M"), "loadavg_1m": round(os.getloadavg()[0], 2),
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, help="a folder with calls.csv and deals.csv")
    ap.add_argument("--scale", type=int, help="generate this many calls instead")
    ap.add_argument("--task-runner", default="threads", choices=("threads", "dask"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--code", help="another checkout's src folder to run (before/after)")
    ap.add_argument("extra", nargs="*", help="more `callinsight run` flags, after --")
    args = ap.parse_args()
    if (args.data is None) == (args.scale is None):
        ap.error("give --data DIR or --scale N")
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data.resolve() if args.data else write_files(generate_scale(args.scale), Path(tmp))
        print(json.dumps(run_once(data, args.task_runner, args.workers, args.code, args.extra)), flush=True)


if __name__ == "__main__":
    main()
