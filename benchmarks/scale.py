"""Analysis stages at scale: extract, correlate, themes, report data (no transcription).

Usage:
    .venv/bin/python benchmarks/scale.py                 # 1k, 3k, 10k calls
    .venv/bin/python benchmarks/scale.py --sizes 1000    # one size

Each size runs in a fresh subprocess (so peak RSS is per size, read with
``resource.getrusage(RUSAGE_SELF).ru_maxrss`` plus spaCy's worker processes via
RUSAGE_CHILDREN) on a synthetic corpus of ~1,000 words per call
(:mod:`evaluation.synthetic`, ``words_per_call=1000``), stored in a temporary SQLite
store exactly as the flow does. Prints one JSON line per size and a Markdown table.
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
    """CPU seconds of this process and its finished children (spaCy workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def worker(n_calls: int, n_process: int, batch_calls: int, cache: bool = True) -> dict:
    import pandas as pd

    from callinsight.contracts import Transcript
    from callinsight.settings import Settings
    from callinsight.stages.analyse.insights import analysed_speakers, build_insights
    from callinsight.stages.embed import get_embedder
    from callinsight.stages.extract import ExtractOptions, Extractor, ObjectionDetector, load_taxonomy
    from callinsight.stages.report import ReportData, RunInfo, render_html
    from callinsight.store.sqlite import Store
    from evaluation.synthetic import generate

    settings = Settings()
    corpus = generate(None, n_calls=n_calls, words_per_call=1000, seed=0)
    embedder = get_embedder(settings.embedding_model)
    if not cache:  # every batch encodes its own distinct sentences, as real, unrepetitive speech would
        embedder = embedder.embedder
    detector = ObjectionDetector(load_taxonomy(settings.objections_file), embedder,
                                 settings.objection_threshold).fit()
    extractor = Extractor(embedder, detector, ExtractOptions(
        spacy_model=settings.spacy_model, n_process=n_process, batch_size=64))
    embedder.encode(["warm up"])
    out: dict = {"calls": n_calls, "deals": len(corpus.deals)}
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "insights.db")
        t0, c0 = time.perf_counter(), _cpu()
        words = sentences = analysed = unique = 0
        pending = []

        def flush() -> None:
            nonlocal sentences, analysed, unique
            rows = extractor.extract({c.call_id: c.segments for c in pending})
            texts = set()
            for c in pending:
                store.save_utterances(c.call_id, "bench", rows[c.call_id])
                sentences += len(rows[c.call_id])
                cust = [r for r in rows[c.call_id] if r["embedding"] is not None]
                analysed += len(cust)
                texts.update(r["text"] for r in cust)
            unique += len(texts)
            pending.clear()

        for call in corpus.iter_calls():
            words += call.n_words
            store.save_transcript(call.as_call(), Transcript(call.call_id, call.segments,
                                                             "import:synthetic"), call.call_id)
            pending.append(call)
            if len(pending) >= batch_calls:
                flush()
        if pending:
            flush()
        out["extract_s"] = round(time.perf_counter() - t0, 1)
        out["extract_cpu_s"] = round(_cpu() - c0, 1)
        out.update(words=words, sentences=sentences, customer_sentences=analysed,
                   embedded_unique_per_batch=unique,
                   encoded=getattr(embedder, "misses", unique))  # texts the model ran on

        t0 = time.perf_counter()
        utterances = store.utterances(speakers=analysed_speakers(settings))
        segments = store.segments_frame()
        out["load_s"] = round(time.perf_counter() - t0, 1)

        import callinsight.stages.analyse.theme_analysis  # noqa: F401  (registers "themes")
        from callinsight.registry import analyses

        timings: dict[str, float] = {}
        real_themes = analyses.get("themes")

        def timed_themes(ctx):
            t = time.perf_counter()
            try:
                return real_themes(ctx)
            finally:
                timings["themes_s"] = round(time.perf_counter() - t, 1)

        analyses.add("themes", timed_themes, replace=True)
        t0, c0 = time.perf_counter(), _cpu()
        insights = build_insights(utterances, segments, corpus.deals, settings)
        total = time.perf_counter() - t0
        out["insights_cpu_s"] = round(_cpu() - c0, 1)
        analyses.add("themes", real_themes, replace=True)
        out["themes_s"] = timings.get("themes_s", 0.0)
        out["correlate_s"] = round(total - out["themes_s"], 1)
        out["n_themes"] = len(insights.themes)

        t0 = time.perf_counter()
        deals = pd.DataFrame([{"deal_id": d.deal_id, "outcome": d.outcome, "amount": d.amount}
                              for d in corpus.deals.values()])
        run = RunInfo(generated_at="2026-11-24T00:00:00+00:00", n_calls=n_calls, n_ok=n_calls,
                      n_failed=0, n_skipped=0, n_deals_closed=insights.n_won + insights.n_lost,
                      n_won=insights.n_won, n_lost=insights.n_lost,
                      baseline_win_rate=insights.baseline_win_rate, has_deals=True, notes=[],
                      failed=[])
        data = ReportData(themes=insights.themes, quotes=insights.quotes,
                          objections=insights.objection_stats.rename(columns={"item": "item"}),
                          objection_quotes=insights.objections, phrases=insights.phrases,
                          metrics=insights.metrics, run=run, deals=deals)
        html = render_html(data)
        for name, df in (("phrases", insights.phrases), ("themes", insights.themes),
                         ("quotes", insights.quotes), ("objections", insights.objections)):
            df.to_csv(Path(tmp) / f"{name}.csv", index=False)
        out["report_s"] = round(time.perf_counter() - t0, 1)
        out["report_kb"] = len(html) // 1024
        out["db_mb"] = round((Path(tmp) / "insights.db").stat().st_size / 2**20)
    out["total_s"] = round(out["extract_s"] + out["load_s"] + out["correlate_s"] + out["themes_s"]
                           + out["report_s"], 1)
    out["cpu_s"] = round(_cpu(), 1)
    out["loadavg_1m"] = os.getloadavg()[0]
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out["peak_rss_mb"] = round(self_kb / 1024)
    out["peak_child_rss_mb"] = round(child_kb / 1024)
    return out


def encoder_rate(n_calls: int = 300, limit: int = 3000) -> dict:
    """Sentences per second of the bare encoder on distinct generated customer sentences."""
    from callinsight.stages.embed import SentenceTransformerEmbedder
    from callinsight.stages.extract import strip_discourse
    from evaluation.synthetic import generate

    texts: list[str] = []
    for call in generate(None, n_calls=n_calls, words_per_call=1000, seed=0).iter_calls():
        for seg in call.segments:
            if seg.speaker == "customer":
                for sent in seg.text.replace("?", ".").replace("!", ".").split("."):
                    text = strip_discourse(sent.strip())
                    if len(text.split()) >= 3:
                        texts.append(text)
    texts = list(dict.fromkeys(texts))[:limit]
    encoder = SentenceTransformerEmbedder()
    encoder.encode(["warm up"])
    t0, c0 = time.perf_counter(), time.process_time()
    encoder.encode(texts)
    wall = time.perf_counter() - t0
    return {"sentences": len(texts), "mean_words": round(sum(len(t.split()) for t in texts) / len(texts), 1),
            "wall_s": round(wall, 2), "cpu_s": round(time.process_time() - c0, 2),
            "sentences_per_s": round(len(texts) / wall)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,3000,10000")
    ap.add_argument("--n-process", type=int, default=2)
    ap.add_argument("--batch-calls", type=int, default=200)
    ap.add_argument("--no-cache", action="store_true",
                    help="no cross-batch embedding cache (what speech that never repeats costs)")
    ap.add_argument("--encoder-rate", action="store_true", help="only measure the bare encoder's rate")
    ap.add_argument("--worker", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.encoder_rate:
        print(json.dumps(encoder_rate()))
        return
    if args.worker:
        print("RESULT " + json.dumps(worker(args.worker, args.n_process, args.batch_calls,
                                            cache=not args.no_cache)),
              flush=True)
        return
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, __file__, "--worker", str(size), "--n-process", str(args.n_process),
             "--batch-calls", str(args.batch_calls), *(["--no-cache"] if args.no_cache else [])],
            capture_output=True, text=True, check=False,
        )
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
        if line is None:
            print(proc.stdout[-2000:], proc.stderr[-4000:], file=sys.stderr)
            raise SystemExit(f"size {size} failed (exit {proc.returncode})")
        r = json.loads(line[len("RESULT "):])
        r["wall_s"] = round(time.perf_counter() - t0, 1)
        results.append(r)
        print(json.dumps(r), flush=True)
    print()
    print("| calls | words | customer sentences (encoded) | extract s | correlate s | themes s | report s "
          "| total s | CPU s | peak RSS MB (main + spaCy workers) |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r['calls']:,} | {r['words']:,} | {r['customer_sentences']:,} ({r['encoded']:,}) "
              f"| {r['extract_s']} "
              f"| {r['correlate_s']} | {r['themes_s']} | {r['report_s']} | {r['total_s']} | {r['cpu_s']} "
              f"| {r['peak_rss_mb']:,} + {r['peak_child_rss_mb']:,} |")


if __name__ == "__main__":
    main()
