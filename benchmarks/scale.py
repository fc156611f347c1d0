"""Analysis stages at scale on text that does not repeat: extract, correlate, themes, report.

Usage:
    .venv/bin/python benchmarks/scale.py                          # 1k, 3k, 10k calls
    .venv/bin/python benchmarks/scale.py --sizes 1000 --set embedding_backend=sentence-transformers
    .venv/bin/python benchmarks/scale.py --sizes 1000 --profile /tmp/scale.txt   # py-spy, all threads
    .venv/bin/python benchmarks/scale.py --encoder-rate           # the bare encoders side by side

The corpus is :mod:`evaluation.scale_corpus`: ~1,000 words per call and combinatorial
wording, so almost every customer sentence is new (the distinct share is printed), as in
real speech; the older template corpus repeated 2,014 texts 531,850 times and measured a
cache, not the encoder. Transcripts are stored as the flow stores them (not timed: that is
the import stage), then extraction runs through ``extract_pending`` with ``workers`` threads
(the flow's thread runner does the same with tasks), and the analyses and the report as
the nightly flow runs them. Each size runs in a fresh subprocess, so peak RSS
(``ru_maxrss``) is per size. ``--set k=v`` changes a setting, for before/after runs.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # evaluation/ is not installed

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _cpu() -> float:
    """CPU seconds of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _settings(overrides: list[str]):
    from callinsight.settings import load_settings

    values: dict = {}
    for item in overrides:
        key, _, raw = item.partition("=")
        try:
            values[key] = json.loads(raw)
        except json.JSONDecodeError:
            values[key] = raw
    return load_settings(None, **values)


def worker(n_calls: int, overrides: list[str], workers: int) -> dict:
    import pandas as pd

    from callinsight.contracts import Transcript
    from callinsight.pipeline import extract_pending, make_extractor
    from callinsight.stages.analyse.insights import analysed_speakers, build_insights
    from callinsight.stages.report import ReportData, RunInfo, render_html
    from callinsight.store.sqlite import Store
    from evaluation.scale_corpus import distinct_share, generate_scale

    settings = _settings(overrides)
    corpus = generate_scale(n_calls, seed=0, words_per_call=1000)
    out: dict = {"calls": n_calls, "deals": len(corpus.deals), "set": overrides, "workers": workers,
                 **{f"corpus_{k}": v for k, v in distinct_share(corpus).items()}}
    t0, c0 = time.perf_counter(), _cpu()
    make_extractor(settings).embedder.encode(["warm up the encoder"])
    out["load_models_s"] = round(time.perf_counter() - t0, 1)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "insights.db")
        words, ids = 0, []
        for call in corpus.iter_calls():
            words += call.n_words
            ids.append(call.call_id)
            store.save_transcript(call.as_call(), Transcript(call.call_id, call.segments,
                                                             "import:scale"), call.call_id)
        out["words"] = words

        t0, c0 = time.perf_counter(), _cpu()
        report = extract_pending(ids, settings, store, workers=workers)
        out["extract_s"] = round(time.perf_counter() - t0, 1)
        out["extract_cpu_s"] = round(_cpu() - c0, 1)
        out["failed"] = len(report.failed)

        t0 = time.perf_counter()
        utterances = store.utterances(speakers=analysed_speakers(settings))
        segments = store.segments_frame()
        out["load_s"] = round(time.perf_counter() - t0, 1)
        cust = utterances[utterances["embedding"].notna()]
        out["customer_sentences"] = len(cust)
        out["distinct_embedded"] = int(cust["text"].nunique())

        timings: dict[str, float] = {}
        t0, c0 = time.perf_counter(), _cpu()
        insights = build_insights(utterances, segments, corpus.deals, settings,
                                  progress=lambda d, n, name, s: timings.__setitem__(name, round(s, 1)))
        out["analyse_s"] = round(time.perf_counter() - t0, 1)
        out["analyse_cpu_s"] = round(_cpu() - c0, 1)
        out["analyses_s"] = timings
        out["themes_s"] = timings.get("themes", 0.0)
        out["correlate_s"] = round(out["analyse_s"] - out["themes_s"], 1)
        out["n_themes"] = len(insights.themes)

        t0 = time.perf_counter()
        deals = pd.DataFrame([{"deal_id": d.deal_id, "outcome": d.outcome, "amount": d.amount}
                              for d in corpus.deals.values()])
        run = RunInfo(generated_at="2026-12-02T00:00:00+00:00", n_calls=n_calls, n_ok=n_calls,
                      n_failed=0, n_skipped=0, n_deals_closed=insights.n_won + insights.n_lost,
                      n_won=insights.n_won, n_lost=insights.n_lost,
                      baseline_win_rate=insights.baseline_win_rate, has_deals=True, notes=[],
                      failed=[])
        data = ReportData(themes=insights.themes, quotes=insights.quotes,
                          objections=insights.objection_stats, objection_quotes=insights.objections,
                          phrases=insights.phrases, metrics=insights.metrics, run=run, deals=deals)
        html = render_html(data)
        for name, df in (("phrases", insights.phrases), ("themes", insights.themes),
                         ("quotes", insights.quotes), ("objections", insights.objections)):
            df.to_csv(Path(tmp) / f"{name}.csv", index=False)
        out["report_s"] = round(time.perf_counter() - t0, 1)
        out["report_kb"] = len(html) // 1024
        out["db_mb"] = round((Path(tmp) / "insights.db").stat().st_size / 2**20)
    out["total_s"] = round(out["extract_s"] + out["load_s"] + out["analyse_s"] + out["report_s"], 1)
    out["cpu_s"] = round(_cpu(), 1)
    out["sentences_per_s"] = round(out["customer_sentences"] / max(out["extract_s"], 1e-9))
    out["loadavg_1m"] = os.getloadavg()[0]
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def encoder_rate(limit: int = 4000) -> list[dict]:
    """Distinct customer sentences per second of each encoder backend, and its vectors'
    cosine to sentence-transformers' float32 ones."""
    import numpy as np

    from callinsight.registry import embedders
    from callinsight.stages.extract import strip_discourse
    from evaluation.scale_corpus import generate_scale

    texts: list[str] = []
    for call in generate_scale(200, seed=1).iter_calls():
        for seg in call.segments:
            if seg.speaker == "customer":
                for sent in seg.text.replace("?", ".").replace("!", ".").split("."):
                    if len(sent.split()) >= 3:
                        texts.append(strip_discourse(sent.strip()))
    texts = list(dict.fromkeys(texts))[:limit]
    rows, reference = [], None
    for name, kwargs in (("sentence-transformers", {}), ("openvino", {"precision": "f32"}),
                         ("openvino", {})):
        encoder = embedders.get(name)(**kwargs)
        encoder.encode(["warm up"])
        t0, c0 = time.perf_counter(), time.process_time()
        vectors = encoder.encode(texts)
        wall = time.perf_counter() - t0
        reference = vectors if reference is None else reference
        cos = (vectors * reference).sum(axis=1)
        rows.append({"backend": name, **kwargs, "sentences": len(texts),
                     "mean_words": round(float(np.mean([len(t.split()) for t in texts])), 1),
                     "wall_s": round(wall, 2), "cpu_s": round(time.process_time() - c0, 2),
                     "sentences_per_s": round(len(texts) / wall),
                     "cosine_min": round(float(cos.min()), 5), "cosine_mean": round(float(cos.mean()), 5)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,3000,10000")
    ap.add_argument("--workers", type=int, default=2, help="extraction threads (the flow's `workers`)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a setting for this run (repeatable), e.g. embedding_backend=sentence-transformers")
    ap.add_argument("--profile", metavar="FILE", help="record the worker with py-spy (raw stacks)")
    ap.add_argument("--encoder-rate", action="store_true", help="only measure the bare encoders")
    ap.add_argument("--worker", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.encoder_rate:
        for row in encoder_rate():
            print(json.dumps(row), flush=True)
        return
    if args.worker:
        print("RESULT " + json.dumps(worker(args.worker, args.set, args.workers)), flush=True)
        return
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        cmd = [sys.executable, __file__, "--worker", str(size), "--workers", str(args.workers),
               *[f"--set={s}" for s in args.set]]
        if args.profile:
            cmd = [str(Path(sys.executable).parent / "py-spy"), "record", "-r", "20", "-f", "raw",
                   "-o", f"{args.profile}.{size}", "--", *cmd]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
        if line is None:
            print(proc.stdout[-2000:], proc.stderr[-4000:], file=sys.stderr)
            raise SystemExit(f"size {size} failed (exit {proc.returncode})")
        r = json.loads(line[len("RESULT "):])
        r["wall_s"] = round(time.perf_counter() - t0, 1)
        results.append(r)
        print(json.dumps(r), flush=True)
    print()
    print("| calls | words | customer sentences (distinct share) | extract s | correlate s | themes s "
          "| report s | total s | process s | CPU s | peak RSS MB |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r['calls']:,} | {r['words']:,} | {r['customer_sentences']:,} "
              f"({r['distinct_embedded'] / max(r['customer_sentences'], 1):.1%}) | {r['extract_s']} "
              f"| {r['correlate_s']} | {r['themes_s']} | {r['report_s']} | {r['total_s']} "
              f"| {r['wall_s']} | {r['cpu_s']} | {r['peak_rss_mb']:,} |")


if __name__ == "__main__":
    main()
