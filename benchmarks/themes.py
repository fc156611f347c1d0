"""callinsight themes vs BERTopic (default settings) on the synthetic corpus.

Usage (BERTopic is only needed here: ``pip install -c constraints.txt -e ".[bench]"``):
    .venv/bin/python benchmarks/themes.py [--deals 120] [--seeds 0,1,2] [--runs 3]

Both methods get the same customer sentences (>= theme_min_words words, as the themes
stage uses) and the same all-MiniLM-L6-v2 embeddings from the extract stage; both get the
same deal-level statistics (:func:`callinsight.stages.analyse.stats.association_table`, Fisher + BH over
the themes with enough support). Scored against the planted ground truth with
:func:`evaluation.synthetic.evaluate_themes`: a planted theme is recovered when one theme's
sentences match it with F1 >= 0.6 and that theme has the planted direction (q < 0.05 for
win / loss themes, not significant for balanced ones); a false significant theme is a
significant theme that is not mostly one planted theme of that direction.
BERTopic's UMAP is unseeded by default, so it runs ``--runs`` times per corpus.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # evaluation/ is not installed

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402

from callinsight.settings import Settings  # noqa: E402
from callinsight.stages.analyse.insights import _deal_reps, build_insights  # noqa: E402
from callinsight.stages.analyse.stats import StatsOptions, association_table  # noqa: E402
from callinsight.stages.embed import _load_st, get_embedder, resolve_embedding_model  # noqa: E402
from callinsight.stages.extract import ExtractOptions, Extractor, ObjectionDetector, load_taxonomy  # noqa: E402
from callinsight.store import Store, embeddings_matrix  # noqa: E402
from evaluation.synthetic import evaluate_themes, generate, load_into_store  # noqa: E402


def prepare(n_deals: int, seed: int, settings: Settings, tmp: Path):
    corpus = generate(n_deals, seed=seed)
    embedder = get_embedder(settings.embedding_model)
    detector = ObjectionDetector(load_taxonomy(settings.objections_file), embedder,
                                 settings.objection_threshold).fit()
    extractor = Extractor(embedder, detector, ExtractOptions(spacy_model=settings.spacy_model))
    store = Store(tmp / f"seed{seed}.db")
    load_into_store(corpus, store, extractor)
    utterances = store.utterances()
    cust = utterances[utterances["speaker"] == "customer"]
    ok = (cust["text"].str.split().str.len() >= settings.theme_min_words) & cust["embedding"].notna()
    pool = cust[ok].reset_index(drop=True)
    return corpus, utterances, store.segments_frame(), pool


def keys_of(pool):
    return list(zip(pool["call_id"], pool["segment_idx"].astype(int), pool["text"], strict=True))


def score(corpus, pool, labels, directions, q_values, settings):
    keys = keys_of(pool)
    sentences: dict[str, set] = {}
    for key, lab in zip(keys, labels, strict=True):
        if lab is not None:
            sentences.setdefault(lab, set()).add(key)
    return evaluate_themes(corpus, sentences, directions, q_values, set(keys), alpha=settings.alpha)


def run_callinsight(corpus, utterances, segments, pool, settings):
    t0 = time.perf_counter()
    insights = build_insights(utterances, segments, corpus.deals, settings)
    seconds = time.perf_counter() - t0
    key_to_theme = {}
    cust = utterances[utterances["speaker"] == "customer"]
    by_start = {(r.call_id, r.start, r.text): (r.call_id, int(r.segment_idx), r.text)
                for r in cust.itertuples()}
    for r in insights.quotes.itertuples():
        key_to_theme[by_start[(r.call_id, r.start, r.text)]] = r.theme_id
    labels = [key_to_theme.get(k) for k in keys_of(pool)]
    t = insights.themes
    ev = score(corpus, pool, labels, dict(zip(t["theme_id"], t["direction"], strict=True)),
               dict(zip(t["theme_id"], t["q_value"], strict=True)), settings)
    outliers = float(np.mean([lab is None for lab in labels]))
    return ev, {"themes": len(t), "outlier_share": outliers, "seconds": seconds,
                "significant": int((t["direction"] != "none").sum())}


def run_bertopic(corpus, utterances, pool, settings):
    from bertopic import BERTopic

    docs = list(pool["text"])
    vectors = embeddings_matrix(list(pool["embedding"]))
    model = BERTopic(embedding_model=_load_st(resolve_embedding_model(settings.embedding_model)))
    t0 = time.perf_counter()
    topics, _ = model.fit_transform(docs, embeddings=vectors)
    fit_s = time.perf_counter() - t0
    topics = np.asarray(topics)
    items: dict[str, set] = {}
    mentions: Counter = Counter()
    for topic, deal in zip(topics, pool["deal_id"], strict=True):
        if topic < 0:
            continue
        tid = f"B{topic}"
        mentions[tid] += 1
        items.setdefault(tid, set())
        if isinstance(deal, str) and deal in corpus.deals:
            items[tid].add(deal)
    opts = StatsOptions(min_support=settings.min_support, alpha=settings.alpha,
                        single_rep_share=settings.single_rep_share)
    table = association_table(items, corpus.deals, deal_reps=_deal_reps(utterances),
                              mentions=mentions, options=opts)
    seconds = time.perf_counter() - t0
    labels = [f"B{t}" if t >= 0 else None for t in topics]
    ev = score(corpus, pool, labels, dict(zip(table["item"], table["direction"], strict=True)),
               dict(zip(table["item"], table["q_value"], strict=True)), settings)
    return ev, {"themes": len(items), "outlier_share": float(np.mean(topics < 0)),
                "seconds": seconds, "fit_seconds": fit_s,
                "significant": int((table["direction"] != "none").sum())}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deals", type=int, default=120)
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--runs", type=int, default=3, help="BERTopic runs per corpus (UMAP is unseeded)")
    args = ap.parse_args()
    settings = Settings()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in [int(s) for s in args.seeds.split(",")]:
            corpus, utterances, segments, pool = prepare(args.deals, seed, settings, Path(tmp))
            ev, info = run_callinsight(corpus, utterances, segments, pool, settings)
            rows.append(("callinsight", seed, 0, ev, info))
            print(json.dumps({"method": "callinsight", "seed": seed, **info,
                              "recovered": ev["n_recovered"], "false": ev["false_significant"],
                              "f1": {k: v["f1"] for k, v in ev["planted"].items()}}), flush=True)
            for run in range(args.runs):
                ev, info = run_bertopic(corpus, utterances, pool, settings)
                rows.append(("BERTopic", seed, run, ev, info))
                print(json.dumps({"method": "BERTopic", "seed": seed, "run": run, **info,
                                  "recovered": ev["n_recovered"],
                                  "false": ev["false_significant"],
                                  "composition": ev["composition"],
                                  "f1": {k: v["f1"] for k, v in ev["planted"].items()}}),
                      flush=True)
    n_planted = len(rows[0][3]["planted"])
    print()
    print(f"| method | corpus seed | run | planted recovered (of {n_planted}) | false significant "
          "| themes | outlier share | runtime s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for method, seed, run, ev, info in rows:
        print(f"| {method} | {seed} | {run} | {ev['n_recovered']} | {len(ev['false_significant'])} "
              f"| {info['themes']} | {info['outlier_share']:.0%} | {info['seconds']:.1f} |")
    print()
    names = list(rows[0][3]["planted"])
    print("| method | seed | run | " + " | ".join(names) + " |")
    print("| --- | ---: | ---: | " + " | ".join("---:" for _ in names) + " |")
    for method, seed, run, ev, _ in rows:
        cells = []
        for n in names:
            p = ev["planted"][n]
            mark = "" if p["recovered"] else " ✗"
            cells.append(f"{p['f1']:.2f} {p['direction']}{mark}")
        print(f"| {method} | {seed} | {run} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
