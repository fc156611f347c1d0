"""Transcription benchmark on real speech: accuracy per role, attribution, diarization, speed.

Corpora, each scored in the same run (WER with jiwer after whisper-normalizer's English
normaliser, per role where roles exist):
  real_calls  ../shared/data/real_calls_dev: 6 real HarperValleyBank phone calls (8 kHz,
              customer and rep on their own channels) with human reference turns;
  real_mono   the same calls mixed down to one channel: diarization, roles, DER;
  pyannote    pyannote.audio's sample (a real 30 s two-party phone conversation, mono),
              fetched from the pyannote.audio wheel on PyPI;
  prompts     real 8 kHz telephone prompts (Debian asterisk-core-sounds-en-wav);
  synthetic   the espeak-ng sample calls: attribution only (they decide nothing).
Naive variants run side by side: faster-whisper defaults on the file (stereo mixed down),
and per-channel greedy decoding with Whisper's VAD, for tiny.en and base. Every variant
runs in its own process; x realtime counts the whole process work: model load included.

    .venv/bin/python benchmarks/transcribe.py            # all corpora
    .venv/bin/python benchmarks/transcribe.py --write    # append the tables to BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # evaluation/ is not installed

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"
SOUNDS = Path("/usr/share/asterisk/sounds/en")
SOUNDS_TEXT = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")
PYANNOTE_CACHE = Path(tempfile.gettempdir()) / "callinsight-bench-pyannote"

# naive = faster-whisper as a user would first call it; per channel = each channel decoded
# greedily with Whisper's VAD (the strong simple baseline on two-channel calls)
NAIVE = {
    "naive base, defaults, mixed down": {"model": "base", "per_channel": False, "kw": {}},
    "naive tiny.en, defaults, mixed down": {"model": "tiny.en", "per_channel": False, "kw": {}},
    "naive base, per channel, greedy, VAD": {
        "model": "base", "per_channel": True, "kw": {"beam_size": 1, "vad_filter": True}},
    "naive tiny.en, per channel, greedy, VAD": {
        "model": "tiny.en", "per_channel": True, "kw": {"beam_size": 1, "vad_filter": True}},
}


# --- data ---------------------------------------------------------------------

def real_calls(mono: bool) -> list[dict]:
    """The dev calls: audio path, reference turns (role, start, end, text) per call."""
    folder = SHARED / "real_calls_dev"
    ref = json.loads((folder / ("reference_mono.json" if mono else "reference.json")).read_text())
    rows = list(csv.DictReader((folder / ("calls_mono.csv" if mono else "calls.csv")).open()))
    out = []
    for row in rows:
        r = ref[row["call_id"]]
        out.append({"call_id": row["call_id"], "audio": str(folder / row["recording"]),
                    "rep": row.get("rep", ""), "channels": row.get("channels") or None,
                    "reference": [{"speaker": t["speaker"], "start": t["start"], "end": t["end"],
                                   "text": t["text"]} for t in r["turns"] if t["text"].strip()]})
    return out


def pyannote_sample() -> list[dict]:
    """pyannote.audio's sample.wav with its reference (sample.stm), from the PyPI wheel."""
    wav = PYANNOTE_CACHE / "sample.wav"
    if not wav.is_file():
        PYANNOTE_CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                        "pyannote.audio==4.0.7", "-d", str(PYANNOTE_CACHE)], check=True)
        whl = next(PYANNOTE_CACHE.glob("pyannote_audio-*.whl"))
        with zipfile.ZipFile(whl) as z:
            for name in ("sample.wav", "sample.stm"):
                (PYANNOTE_CACHE / name).write_bytes(z.read(f"pyannote/audio/sample/{name}"))
    turns = []
    for line in (PYANNOTE_CACHE / "sample.stm").read_text().splitlines():
        _, _, who, a, b, text = line.split(" ", 5)
        turns.append({"speaker": who, "start": float(a), "end": float(b), "text": text})
    return [{"call_id": "pyannote-sample", "audio": str(wav), "rep": "", "channels": None,
             "reference": turns}]


def sample_calls(manifest: Path, limit: int | None) -> list[dict]:
    """The synthetic sample calls (espeak-ng voices) with their reference scripts."""
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
        text = re.sub(r"\s+([.,!?])", r"\1", text.strip())  # "participants ." as written
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


def run_naive(calls: list[dict], spec: dict) -> dict:
    from faster_whisper import WhisperModel, decode_audio

    from callinsight.stages.transcribe import resolve_whisper_model

    t0 = time.perf_counter()
    model = WhisperModel(resolve_whisper_model(spec["model"]), device="cpu", compute_type="int8")
    hyps = {}
    for c in calls:
        if not spec["per_channel"]:
            segments, _ = model.transcribe(c["audio"], **spec["kw"])
            hyps[c["call_id"]] = [{"start": s.start, "end": s.end, "speaker": "unknown", "text": s.text}
                                  for s in segments]
            continue
        roles = (c["channels"] or "rep,customer").split(",")
        out = []
        for role, audio in zip(roles, decode_audio(c["audio"], split_stereo=True), strict=True):
            segments, _ = model.transcribe(audio, language="en", **spec["kw"])
            out += [{"start": s.start, "end": s.end, "speaker": role, "text": s.text} for s in segments]
        hyps[c["call_id"]] = sorted(out, key=lambda h: h["start"])
    return {"wall": time.perf_counter() - t0, "hyps": hyps}


def run_pipeline(calls: list[dict], overrides: dict) -> dict:
    from callinsight.contracts import Call
    from callinsight.settings import load_settings
    from callinsight.stages.transcribe import transcribe_call

    settings = load_settings(env={}, redact=False, **overrides)
    t0 = time.perf_counter()

    def one(c: dict) -> tuple[str, list[dict], dict | None]:
        channels = tuple(c["channels"].split(",")) if c["channels"] else None
        call = Call(call_id=c["call_id"], rep=c.get("rep", ""), recording=Path(c["audio"]),
                    channels=channels)  # type: ignore[arg-type]
        t = transcribe_call(call, settings)
        return c["call_id"], [asdict(s) for s in t.segments], t.options.get("roles")

    # as the nightly flow runs them: `workers` calls at a time, the model loaded once
    with ThreadPoolExecutor(max_workers=settings.workers) as pool:
        done = list(pool.map(one, calls))
    hyps = {cid: segs for cid, segs, _ in done}
    roles = {cid: r for cid, _, r in done}
    return {"wall": time.perf_counter() - t0, "hyps": hyps, "roles": roles}


def child(args: argparse.Namespace) -> None:
    spec = json.loads(args.child)
    calls = spec["calls"]
    if spec["kind"] == "naive":
        result = run_naive(calls, spec["naive"])
    else:
        result = run_pipeline(calls, spec.get("overrides", {}))
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["audio_seconds"] = sum(_audio_seconds(c["audio"]) for c in calls)
    print(json.dumps(result))


def spawn(kind: str, calls: list[dict], **extra) -> dict:
    spec = json.dumps({"kind": kind, "calls": calls, **extra})
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "--child", spec], capture_output=True, text=True,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process"] = time.perf_counter() - t0  # interpreter start, imports, model load, work
    return result


# --- scoring --------------------------------------------------------------------

def _norm():
    from whisper_normalizer.english import EnglishTextNormalizer

    return EnglishTextNormalizer()


def _wer(pairs: list[tuple[str, str]]) -> float | None:
    import jiwer

    norm = _norm()
    pairs = [(norm(r), norm(h)) for r, h in pairs]
    pairs = [(r, h) for r, h in pairs if r.strip()]
    if not pairs:
        return None
    return jiwer.wer([r for r, _ in pairs], [h for _, h in pairs])


def der(calls: list[dict], result: dict) -> float | None:
    """Diarization error rate (pyannote.metrics, 0.25 s collar), labels mapped optimally."""
    try:
        from pyannote.core import Annotation, Segment
        from pyannote.metrics.diarization import DiarizationErrorRate
    except ImportError:
        return None
    metric = DiarizationErrorRate(collar=0.25, skip_overlap=True)
    for c in calls:
        ref, hyp = Annotation(), Annotation()
        for t in c["reference"]:
            if t["end"] > t["start"]:
                ref[Segment(t["start"], t["end"])] = t["speaker"]
        for h in result["hyps"][c["call_id"]]:
            if h["end"] > h["start"]:
                hyp[Segment(h["start"], h["end"])] = h.get("label") or h["speaker"]
        metric(ref, hyp)
    return abs(metric)


def score(calls: list[dict], result: dict, roles: tuple[str, ...] = ("rep", "customer")) -> dict:
    from callinsight.contracts import Segment
    from evaluation.metrics import attribution

    whole, per_role = [], []
    correct = total = 0
    labelled = False
    for c in calls:
        ref, hyp = c["reference"], result["hyps"][c["call_id"]]
        whole.append((" ".join(r["text"] for r in ref), " ".join(h["text"] for h in hyp)))
        if any(h["speaker"] != "unknown" for h in hyp):
            labelled = True
        for role in roles:  # words left "unknown" count as missed for both roles
            per_role.append((" ".join(r["text"] for r in ref if r["speaker"] == role),
                             " ".join(h["text"] for h in hyp if h["speaker"] == role)))
        ok, n = attribution([Segment(r["start"], r["end"], r["speaker"], r["text"]) for r in ref],
                            [Segment(h["start"], h["end"], h["speaker"], h["text"]) for h in hyp])
        correct, total = correct + ok, total + n
    seconds = result["audio_seconds"]
    return {
        "wer": _wer(whole),
        "wer_roles": _wer(per_role) if labelled else None,
        "attribution": f"{correct}/{total}" if labelled and total else "n/a",
        "rtf_work": seconds / result["wall"],
        "rtf_process": seconds / result["process"],
        "audio_min": seconds / 60,
        "peak_rss_mb": result["peak_rss_mb"],
        "roles": result.get("roles"),
    }


def fmt(x, pct=False) -> str:
    if x is None or x != x:
        return "n/a"
    return f"{100 * x:.1f}%" if pct else f"{x:.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", default=str(REPO / "sample_calls" / "calls.csv"))
    ap.add_argument("--limit", type=int, default=None, help="first N synthetic sample calls")
    ap.add_argument("--real", type=int, default=60, help="number of Asterisk prompts")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a setting for the pipeline variant (repeatable)")
    ap.add_argument("--write", action="store_true", help="append a section to BENCHMARKS.md")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)
    if not (SHARED / "real_calls_dev").is_dir():
        sys.exit(f"{SHARED / 'real_calls_dev'} is missing: the real calls decide the defaults "
                 "(see ../shared/data/README.md).")
    overrides = dict(kv.split("=", 1) for kv in args.set)
    stereo, mono = real_calls(False), real_calls(True)
    prompts = [{"call_id": it["call_id"], "audio": it["audio"], "rep": "", "channels": None,
                "reference": [{"speaker": "unknown", "start": 0.0, "end": 1e9, "text": it["text"]}]}
               for it in real_speech(args.real)]
    sample = pyannote_sample()
    synthetic = [{"call_id": c["call_id"], "audio": c["audio"], "rep": "", "channels": None,
                  "reference": c["reference"]} for c in sample_calls(Path(args.calls), args.limit)]
    rows = []

    def record(corpus: str, variant: str, kind: str, calls: list[dict], **extra) -> dict:
        print(f"{corpus}: {variant} ...", file=sys.stderr, flush=True)
        res = spawn(kind, calls, **extra)
        row = {"corpus": corpus, "variant": variant, **score(calls, res)}
        if corpus in ("real_mono", "pyannote"):
            row["der"] = der(calls, res)
        rows.append(row)
        print(json.dumps({k: v for k, v in row.items() if k != "roles"}), file=sys.stderr, flush=True)
        return row

    pipeline = {"overrides": overrides}
    for name, spec in NAIVE.items():
        record("real_calls", name, "naive", stereo, naive=spec)
    record("real_calls", "callinsight pipeline", "pipeline", stereo, **pipeline)
    record("real_mono", "naive base, defaults", "naive", mono,
           naive=NAIVE["naive base, defaults, mixed down"])
    record("real_mono", "callinsight pipeline (diarized, roles)", "pipeline", mono, **pipeline)
    record("real_mono", "callinsight pipeline, diarizer resemblyzer", "pipeline", mono,
           overrides={**overrides, "diarizer": "resemblyzer"})
    for name in ("naive base, defaults, mixed down", "naive tiny.en, defaults, mixed down"):
        record("pyannote", name.replace(", mixed down", ""), "naive", sample, naive=NAIVE[name])
        record("prompts", name.replace(", mixed down", ""), "naive", prompts, naive=NAIVE[name])
    record("pyannote", "callinsight pipeline", "pipeline", sample, **pipeline)
    record("prompts", "callinsight pipeline", "pipeline", prompts, **pipeline)
    record("synthetic", "callinsight pipeline", "pipeline", synthetic, **pipeline)
    text = render(rows, stereo, prompts, synthetic, overrides)
    print(text)
    (REPO / "out").mkdir(exist_ok=True)
    (REPO / "out" / "bench_transcribe.json").write_text(json.dumps(rows, indent=1, default=str))
    if args.write:
        path = REPO / "BENCHMARKS.md"
        path.write_text(path.read_text().rstrip() + "\n\n" + text)


def render(rows: list[dict], stereo: list[dict], prompts: list[dict], synthetic: list[dict],
           overrides: dict) -> str:
    import faster_whisper

    lines = [f"### Transcription on real speech ({date.today().isoformat()}, {os.cpu_count()} cores, "
             f"{platform.machine()}, Python {platform.python_version()}, faster-whisper "
             f"{faster_whisper.__version__})", "",
             "`benchmarks/transcribe.py` " + " ".join(f"--set {k}={v}" for k, v in overrides.items()),
             "", "WER: jiwer after whisper-normalizer's English normaliser. Role WER: each call's "
             "words per role against the reference's, words left `unknown` missed. x realtime: "
             "audio seconds over the whole process (start, imports, model load, every call: the "
             "pipeline 2 at a time as the nightly flow runs them, naive one after the other) and "
             "over the decoding alone.", "",
             "| corpus | variant | WER | role WER | attribution | DER | x realtime (process / work) "
             "| peak RSS MB |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r['corpus']} | {r['variant']} | {fmt(r['wer'], True)} | "
                     f"{fmt(r['wer_roles'], True)} | {r['attribution']} | {fmt(r.get('der'), True)} | "
                     f"{fmt(r['rtf_process'])} / {fmt(r['rtf_work'])} | {r['peak_rss_mb']:.0f} |")
    lines += ["", f"Corpora: real_calls {len(stereo)} HarperValleyBank calls "
              f"({rows[0]['audio_min']:.1f} min, stereo 8 kHz) and their mono mixes; pyannote.audio's "
              f"30 s sample; {len(prompts)} Asterisk prompts; {len(synthetic)} synthetic sample calls "
              "(espeak-ng, attribution only)."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
