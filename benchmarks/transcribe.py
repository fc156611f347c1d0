"""Transcription benchmark: accuracy, speaker attribution, speed and memory.

Compares, on the same files in one run:
  (a) naive faster-whisper: ``WhisperModel(path).transcribe(file)`` with defaults
      (stereo mixed down to mono, beam 5, no VAD, the model's own compute type);
  (b) callinsight's pipeline (the settings' defaults: both channels mixed and decoded
      once, each word given to the channel that carries it; int8; decoding options
      picked by the sweep),
and a sweep of decoding options that picked the defaults.

Data: the sample calls with their reference scripts (sample_calls/reference/*.json), and
real recorded 8 kHz telephone prompts from Debian's ``asterisk-core-sounds-en-wav`` with
transcripts from ``asterisk-core-sounds-en`` (installed by package name if missing).

Each variant runs in its own subprocess so peak memory (ru_maxrss) is its own.

    .venv/bin/python benchmarks/transcribe.py                 # naive vs pipeline, real speech
    .venv/bin/python benchmarks/transcribe.py --sweep         # + option sweep
    .venv/bin/python benchmarks/transcribe.py --write         # append results to BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import platform
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # evaluation/ is not installed

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
SOUNDS = Path("/usr/share/asterisk/sounds/en")
SOUNDS_TEXT = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")

VARIANTS: dict[str, dict] = {
    "naive": {},
    "pipeline": {},  # the defaults in callinsight.settings
}
SWEEP: dict[str, dict] = {
    "separate channels, base beam 1 (the default before)": {
        "stereo_decode": "separate", "beam_size": 1, "condition_on_previous_text": False,
        "vocabulary": "PROMPT"},
    "mix, base beam 1": {"beam_size": 1, "vocabulary": "PROMPT"},
    "mix, base beam 5": {"beam_size": 5, "vocabulary": "PROMPT"},
    "mix, base beam 3, no cond-prev": {"condition_on_previous_text": False, "vocabulary": "PROMPT"},
    "mix, base beam 3, no prompt": {},
    "mix, tiny.en beam 3": {"whisper_model": "tiny.en", "vocabulary": "PROMPT"},
}
PROMPT_WORDS = ["Relay", "Salesforce", "HubSpot", "Outreach", "Gong", "Salesloft", "SOC 2", "CRM", "SSO"]


# --- data ---------------------------------------------------------------------

def sample_calls(manifest: Path, limit: int | None) -> list[dict]:
    rows = list(csv.DictReader(manifest.open(encoding="utf-8")))
    out = []
    for row in rows[: limit or None]:
        ref = manifest.parent / "reference" / f"{row['call_id']}.json"
        if row.get("recording") and ref.is_file():
            out.append({"call_id": row["call_id"], "audio": str(manifest.parent / row["recording"]),
                        "reference": json.loads(ref.read_text())})
    return out


def ensure_real_speech() -> None:
    if SOUNDS.is_dir() and SOUNDS_TEXT.is_file():
        return
    print("installing asterisk-core-sounds-en-wav and asterisk-core-sounds-en (Debian) ...", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "-qq", "asterisk-core-sounds-en-wav",
                    "asterisk-core-sounds-en"], check=True)


def real_speech(limit: int) -> list[dict]:
    ensure_real_speech()
    items = []
    for line in gzip.open(SOUNDS_TEXT, "rt", encoding="utf-8", errors="replace"):
        if ":" not in line or line.startswith(";"):
            continue
        name, text = line.split(":", 1)
        text = text.strip()
        wav = SOUNDS / f"{name.strip()}.wav"
        if wav.is_file() and "[" not in text and len(text.split()) >= 6:
            items.append({"call_id": name.strip(), "audio": str(wav), "text": text})
    items.sort(key=lambda x: x["call_id"])
    return items[:limit]


# --- variants (run inside a child process) --------------------------------------

def _audio_seconds(path: str) -> float:
    import av

    with av.open(path) as c:
        s = c.streams.audio[0]
        return float(s.duration * s.time_base) if s.duration else float(c.duration / 1e6)


def run_naive(calls: list[dict], model_name: str) -> dict:
    from faster_whisper import WhisperModel

    from callinsight.stages.transcribe import resolve_whisper_model

    t0 = time.perf_counter()
    model = WhisperModel(resolve_whisper_model(model_name))
    load = time.perf_counter() - t0
    hyps = {}
    t0 = time.perf_counter()
    for c in calls:
        segments, _ = model.transcribe(c["audio"])
        hyps[c["call_id"]] = [{"start": s.start, "end": s.end, "speaker": "unknown", "text": s.text}
                              for s in segments]
    return {"load": load, "wall": time.perf_counter() - t0, "hyps": hyps}


def run_pipeline(calls: list[dict], overrides: dict) -> dict:
    from callinsight.contracts import Call
    from callinsight.settings import load_settings
    from callinsight.stages.transcribe import load_whisper, transcribe_call

    if overrides.get("vocabulary") == "PROMPT":
        overrides = {**overrides, "vocabulary": ",".join(PROMPT_WORDS)}
    settings = load_settings(env={}, redact=False, **overrides)
    t0 = time.perf_counter()
    load_whisper(settings)
    load = time.perf_counter() - t0

    def one(c: dict):
        call = Call(call_id=c["call_id"], recording=Path(c["audio"]))
        t = transcribe_call(call, settings)
        return c["call_id"], [asdict(s) for s in t.segments]

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=settings.workers) as pool:
        hyps = dict(pool.map(one, calls))
    return {"load": load, "wall": time.perf_counter() - t0, "hyps": hyps,
            "settings": {k: v for k, v in settings.as_dict().items()
                         if k in ("whisper_model", "beam_size", "vad_filter", "language",
                                  "condition_on_previous_text", "vocabulary", "workers")}}


def child(args: argparse.Namespace) -> None:
    spec = json.loads(args.child)
    calls = spec["calls"]
    if spec["kind"] == "naive":
        result = run_naive(calls, spec.get("model", "tiny.en"))
    else:
        result = run_pipeline(calls, spec.get("overrides", {}))
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["audio_seconds"] = sum(_audio_seconds(c["audio"]) for c in calls)
    print(json.dumps(result))


def spawn(kind: str, calls: list[dict], **extra) -> dict:
    spec = json.dumps({"kind": kind, "calls": calls, **extra})
    proc = subprocess.run([sys.executable, __file__, "--child", spec], capture_output=True, text=True,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- scoring --------------------------------------------------------------------

def score_calls(calls: list[dict], result: dict) -> dict:
    from callinsight.contracts import Segment
    from evaluation.metrics import WER, attribution

    overall, per_role = WER(), {"rep": WER(), "customer": WER()}
    correct = total = 0
    for c in calls:
        ref = [Segment(r["start"], r["end"], r["speaker"], r["text"]) for r in c["reference"]]
        hyp = [Segment(h["start"], h["end"], h["speaker"], h["text"]) for h in result["hyps"][c["call_id"]]]
        overall.add(" ".join(r.text for r in ref), " ".join(h.text for h in hyp))
        if any(h.speaker != "unknown" for h in hyp):
            for role, w in per_role.items():
                w.add(" ".join(r.text for r in ref if r.speaker == role),
                      " ".join(h.text for h in hyp if h.speaker == role))
            ok, n = attribution(ref, hyp)
            correct, total = correct + ok, total + n
    return {
        "wer": overall.rate,
        "wer_rep": per_role["rep"].rate if per_role["rep"].words else None,
        "wer_customer": per_role["customer"].rate if per_role["customer"].words else None,
        "attribution": f"{correct}/{total}" if total else "n/a (no roles)",
        "rtf": result["audio_seconds"] / result["wall"],
        "wall": result["wall"],
        "load": result["load"],
        "audio_seconds": result["audio_seconds"],
        "peak_rss_mb": result["peak_rss_mb"],
    }


def score_real(items: list[dict], result: dict) -> dict:
    from evaluation.metrics import WER

    w = WER()
    for it in items:
        w.add(it["text"], " ".join(h["text"] for h in result["hyps"][it["call_id"]]))
    return {"wer": w.rate, "words": w.words, "rtf": result["audio_seconds"] / result["wall"]}


def fmt(x, pct=False) -> str:
    if x is None or x != x:
        return "n/a"
    return f"{100 * x:.1f}%" if pct else f"{x:.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", default=str(REPO / "sample_calls" / "calls.csv"))
    ap.add_argument("--limit", type=int, default=None, help="first N sample calls")
    ap.add_argument("--real", type=int, default=120, help="number of real-speech prompts")
    ap.add_argument("--sweep", action="store_true", help="also run the decoding-option sweep")
    ap.add_argument("--naive-model", default="tiny.en")
    ap.add_argument("--write", action="store_true", help="append a section to BENCHMARKS.md")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)

    calls = sample_calls(Path(args.calls), args.limit)
    real = real_speech(args.real)
    rows, real_rows = [], []
    plan = [("naive", {"model": args.naive_model}, f"naive ({args.naive_model}, defaults, mixed down)"),
            ("naive", {"model": "base"}, "naive (base, defaults, mixed down)"),
            ("pipeline", {"overrides": {"vocabulary": "PROMPT"}},
             "callinsight pipeline (defaults + sample vocabulary)")]
    if args.sweep:
        plan += [("pipeline", {"overrides": o}, f"sweep: {name}") for name, o in SWEEP.items()]
    for kind, extra, label in plan:
        print(f"running {label} on {len(calls)} calls ...", file=sys.stderr)
        res = spawn(kind, [{k: v for k, v in c.items()} for c in calls], **extra)
        row = {"variant": label, **score_calls(calls, res)}
        if res.get("settings"):
            row["settings"] = res["settings"]
        rows.append(row)
        print(json.dumps(row), file=sys.stderr)
        if label.startswith(("naive", "callinsight")):
            rr = spawn(kind, real, **extra)
            real_rows.append({"variant": label, **score_real(real, rr)})
            print(json.dumps(real_rows[-1]), file=sys.stderr)

    lines = [f"### Transcription ({date.today().isoformat()}, {os.cpu_count()} cores, "
             f"{platform.processor() or platform.machine()}, Python {platform.python_version()})", "",
             f"Sample calls: {len(calls)} two-channel calls, "
             f"{sum(r['audio_seconds'] for r in rows[:1]) / 60:.1f} min of audio.", "",
             "| variant | WER | WER rep | WER customer | attribution | x realtime | model load s "
             "| peak RSS MB |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r['variant']} | {fmt(r['wer'], True)} | {fmt(r['wer_rep'], True)} | "
                     f"{fmt(r['wer_customer'], True)} | {r['attribution']} | {fmt(r['rtf'])} | "
                     f"{r['load']:.1f} | {r['peak_rss_mb']:.0f} |")
    lines += ["", f"Real recorded speech: {len(real)} Asterisk telephone prompts (8 kHz), "
              f"{real_rows[0]['words'] if real_rows else 0} reference words.", "",
              "| variant | WER | x realtime |", "| --- | --- | --- |"]
    for r in real_rows:
        lines.append(f"| {r['variant']} | {fmt(r['wer'], True)} | {fmt(r['rtf'])} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        path = REPO / "BENCHMARKS.md"
        old = path.read_text() if path.exists() else "# Benchmarks\n"
        path.write_text(old.rstrip() + "\n\n" + text)


if __name__ == "__main__":
    main()
