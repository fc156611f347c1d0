"""Themes, phrases and objections scored on corpora this project did not write, with one set of defaults.

Usage:  .venv/bin/python benchmarks/quality.py [--permutations 20] [--out /tmp/quality] [--corpora ...]
BERTopic side by side needs ``pip install -c constraints.txt -e ".[bench]"`` (skipped without it).

Corpora (each is input for ``callinsight run`` plus a truth.json; see ../shared/data/README.md):
  casino_planted  real negotiation chats, outcome drawn from a known rule on human labels
  casino_real     the same chats with their real outcome: a null control (no association known)
  synthetic       the project's own generator (evaluation.synthetic), written to files here
  synthetic_b     a second generator written independently (evaluation.synthetic_b)
Each corpus runs through the real pipeline once (import, extract, embed, analyse) with the
shipped defaults; the analysis is then re-run in-process on permuted outcomes (closed deals'
outcomes shuffled) to count how often anything comes out significant by chance.
A label is recovered when its best-matching theme (F1 over customer utterances, as
../shared/tools/score_themes.py) has F1 >= 0.3 (real chats) / 0.6 (synthetic) and the expected verdict.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pandas as pd  # noqa: E402

from callinsight.settings import load_settings  # noqa: E402
from callinsight.sources.manifest import read_deals  # noqa: E402
from callinsight.stages.analyse.insights import analysed_speakers, build_insights, pre_decision  # noqa: E402
from callinsight.stages.analyse.smalltalk import example_vectors, load_small_talk  # noqa: E402
from callinsight.store import Store, embeddings_matrix  # noqa: E402

DATA = ROOT.parent / "shared" / "data"


def norm(s: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", str(s).lower()))


# --------------------------------------------------------------------------- corpora
def write_own_synthetic(out: Path, n_deals: int = 90, seed: int = 3) -> Path:
    """The project's own generator as files (calls.csv, deals.csv, transcripts, truth.json)."""
    from evaluation.synthetic import generate

    corpus = generate(n_deals, seed=seed)
    (out / "transcripts").mkdir(parents=True, exist_ok=True)
    calls, utts = [], []
    for c in corpus.calls:
        segs = [{"speaker": "Rep" if s.speaker == "rep" else "Prospect", "start": s.start, "end": s.end,
                 "text": s.text} for s in c.segments]
        (out / "transcripts" / f"{c.call_id}.json").write_text(json.dumps(segs))
        calls.append(f"{c.call_id},{c.deal_id},{c.rep},{c.started_at.isoformat()},transcripts/{c.call_id}.json")
        by_seg = defaultdict(list)
        for t in c.truth:
            by_seg[t.segment_idx].append(t)
        for i, s in enumerate(c.segments):
            if s.speaker != "customer":
                continue
            labels = sorted({t.theme for t in by_seg[i] if t.theme}
                            | {f"objection:{t.objection}" for t in by_seg[i] if t.objection}
                            | {"small-talk" for t in by_seg[i] if t.kind == "small_talk"})
            utts.append({"call_id": c.call_id, "text": s.text, "labels": labels})
    (out / "calls.csv").write_text("call_id,deal_id,rep,started_at,transcript\n" + "\n".join(calls) + "\n")
    rows = [f"{d.deal_id},{ {'won': 'closed_won', 'lost': 'closed_lost'}.get(d.outcome, 'open')},{d.amount},"
            f"{d.created_at.date() if d.created_at else ''},{d.closed_at.isoformat() if d.closed_at else ''}"
            for d in corpus.deals.values()]
    (out / "deals.csv").write_text("deal_id,stage,amount,created_at,closed_at\n" + "\n".join(rows) + "\n")
    expect = {t.name: t.direction if t.direction in ("win", "loss") else "none" for t in corpus.themes}
    (out / "truth.json").write_text(json.dumps({"expect": expect, "utterances": utts}))
    return out


def corpus_dirs(names: list[str], work: Path) -> dict[str, Path]:
    dirs = {}
    for name in names:
        if name in ("casino_planted", "casino_real"):
            if not (DATA / name / "calls.csv").exists():
                print(f"skip {name}: {DATA / name} is absent (see ../shared/data/README.md)")
                continue
            dirs[name] = DATA / name
        elif name == "synthetic":
            dirs[name] = write_own_synthetic(work / "synthetic_in")
        elif name == "synthetic_b":
            from evaluation.synthetic_b import write_corpus

            dirs[name] = write_corpus(work / "synthetic_b_in")
    return dirs


# --------------------------------------------------------------------------- scoring
class Truth:
    def __init__(self, data: Path):
        path = data / "truth.json"
        raw = json.loads(path.read_text()) if path.exists() else {"expect": {}, "utterances": []}
        self.expect: dict[str, str] = raw.get("expect", {})
        self.by_call: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
        for u in raw.get("utterances", []):
            self.by_call[u["call_id"]].append((norm(u["text"]), u.get("labels", [])))
        self.phrases = raw.get("phrases", {})

    def utterance(self, call_id: str, text: str) -> tuple[str, list[str]]:
        t = norm(text)
        for nt, labels in self.by_call.get(call_id, []):
            if t and (t in nt or nt in t):
                return nt, labels
        return t, []

    def gold(self, label: str) -> set[tuple[str, str]]:
        return {(c, nt) for c, us in self.by_call.items() for nt, labels in us if label in labels}


def score_themes(truth: Truth, members: dict[str, set], verdict: dict[str, str], min_f1: float) -> dict:
    out = {}
    for label, want in truth.expect.items():
        gold = truth.gold(label)
        best, f1 = None, 0.0
        for tid, m in members.items():
            f = 2 * len(gold & m) / (len(gold) + len(m)) if gold or m else 0.0
            if f > f1:
                best, f1 = tid, f
        got = verdict.get(best, "none")
        ok = f1 >= min_f1 and ((got == "none") if want == "none" else got == want)
        out[label] = {"want": want, "best": best, "f1": round(f1, 3), "verdict": got, "ok": bool(ok)}
    return out


def false_significant(truth: Truth, members: dict[str, set], verdict: dict[str, str]) -> list[str]:
    """Significant themes that are not mostly (>= 50% of their utterances) a label of that direction."""
    bad = []
    for tid, v in verdict.items():
        if v not in ("win", "loss"):
            continue
        labels = [truth_labels for truth_labels in (truth_lookup(truth, key) for key in members.get(tid, ()))]
        right = sum(any(truth.expect.get(lab) == v for lab in ls) for ls in labels)
        if not labels or right / len(labels) < 0.5:
            bad.append(tid)
    return bad


def _explained(themes: pd.DataFrame, theme_id: str, false: list[str]) -> bool:
    """A broad theme is significant through its sub-themes: not a false discovery when a
    significant sub-theme of the same direction is a right one."""
    row = themes[themes["theme_id"] == theme_id]
    if not len(row) or row["level"].iloc[0] != "broad":
        return False
    subs = themes[(themes["parent_id"] == theme_id) & (themes["direction"] == row["direction"].iloc[0])]
    return any(t not in false for t in subs["theme_id"])


def truth_lookup(truth: Truth, key: tuple[str, str]) -> list[str]:
    for nt, labels in truth.by_call.get(key[0], []):
        if nt == key[1]:
            return labels
    return []


def theme_members(quotes: pd.DataFrame, truth: Truth) -> dict[str, set]:
    members: dict[str, set] = defaultdict(set)
    for tid, call_id, text in zip(quotes["theme_id"], quotes["call_id"], quotes["text"], strict=True):
        members[tid].add((call_id, truth.utterance(call_id, text)[0]))
    return members


def verdict_of(themes: pd.DataFrame) -> dict[str, str]:
    pairs = zip(themes["theme_id"], themes["direction"], strict=True)
    return {t: (d if d in ("win", "loss") else "none") for t, d in pairs}


def phrase_precision(truth: Truth, cust: pd.DataFrame, phrases: pd.DataFrame, top: int = 15) -> dict:
    """Share of the top significant phrases per direction whose sentences mostly carry a label of it."""
    out = {}
    for direction in ("win", "loss"):
        sig = phrases[phrases["direction"] == direction].head(top)
        good = 0
        for phrase in sig["phrase"]:
            rows = cust[cust["phrases"].map(lambda ps, p=phrase: p in ps)]
            labels = [truth.utterance(c, t)[1] for c, t in zip(rows["call_id"], rows["text"], strict=True)]
            right = sum(any(truth.expect.get(lab) == direction for lab in ls) for ls in labels)
            good += bool(labels) and right / len(labels) >= 0.5
        out[direction] = {"significant": int((phrases["direction"] == direction).sum()),
                          "top": len(sig), "precision": round(good / len(sig), 3) if len(sig) else None}
    return out


def objection_scores(truth: Truth, cust: pd.DataFrame) -> dict | None:
    detected: dict[tuple[str, str], set] = defaultdict(set)
    for c, t, cat in zip(cust["call_id"], cust["text"], cust["objection"], strict=True):
        key = (c, truth.utterance(c, t)[0])
        if isinstance(cat, str):
            detected[key].add(cat)
    labelled = [(c, nt, {lab.split(":", 1)[1] for lab in ls if lab.startswith("objection:")})
                for c, us in truth.by_call.items() for nt, ls in us]
    objections = [(c, nt, cats) for c, nt, cats in labelled if cats]
    if not objections:
        return None
    hit = sum(bool(cats & detected.get((c, nt), set())) for c, nt, cats in objections)
    small = [(c, nt) for c, us in truth.by_call.items() for nt, ls in us if ls == ["small-talk"]]
    fp = sum(bool(detected.get(k)) for k in small)
    per_cat = defaultdict(lambda: [0, 0])
    for c, nt, cats in objections:
        for cat in cats:
            per_cat[cat][1] += 1
            per_cat[cat][0] += cat in detected.get((c, nt), set())
    return {"recall": round(hit / len(objections), 3), "labelled": len(objections),
            "small_talk_fp": round(fp / len(small), 3) if small else None,
            "per_category": {k: f"{a}/{b}" for k, (a, b) in sorted(per_cat.items())}}


# --------------------------------------------------------------------------- runs
def run_pipeline(data: Path, out: Path) -> float:
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "callinsight.cli", "run", "--calls", str(data / "calls.csv"),
           "--deals", str(data / "deals.csv"), "--out", str(out)]
    out.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(cmd, capture_output=True, text=True)
    (out.parent / f"{out.name}.log").write_text(done.stdout + done.stderr)
    if done.returncode:
        raise SystemExit(f"callinsight run failed on {data}:\n{(done.stdout + done.stderr)[-3000:]}")
    return time.perf_counter() - t0


def permuted(deals: dict, seed: int) -> dict:
    rng = random.Random(seed)
    closed = [d for d, deal in deals.items() if deal.outcome in ("won", "lost")]
    outcomes = [deals[d].outcome for d in closed]
    rng.shuffle(outcomes)
    moved = {d: dataclasses.replace(deals[d], outcome=o) for d, o in zip(closed, outcomes, strict=True)}
    return {**deals, **moved}


def bertopic_side(utt, deals, settings, truth, min_f1, strata, covariates) -> dict | None:
    """BERTopic (defaults, same embeddings) on the same sentences, with the same statistics
    (flat BH over its topics: it has no hierarchy)."""
    from baseline_bertopic import bertopic_available, bertopic_labels

    from callinsight.stages.analyse.insights import _deal_reps
    from callinsight.stages.analyse.stats import StatsOptions, association_table

    if not bertopic_available():
        return None
    cust = utt[utt["speaker"].isin(analysed_speakers(settings))].reset_index(drop=True)
    cust["pre_decision"] = pre_decision(cust, deals, settings)
    pool = cust[(cust["text"].str.split().str.len() >= settings.theme_min_words) & cust["embedding"].notna()]
    pool = pool.reset_index(drop=True)
    vectors = embeddings_matrix(list(pool["embedding"]))
    labels = bertopic_labels(list(pool["text"]), vectors, seed=settings.seed)
    items: dict[str, set] = defaultdict(set)
    quotes = []
    for lab, row in zip(labels.tolist(), pool.itertuples(index=False), strict=True):
        if lab < 0:
            continue
        items[f"B{lab}"]
        if row.pre_decision and row.deal_id in deals:
            items[f"B{lab}"].add(row.deal_id)
        quotes.append({"theme_id": f"B{lab}", "call_id": row.call_id, "text": row.text})
    stats = association_table(dict(items), deals, deal_reps=_deal_reps(utt), strata=strata,
                              covariates=covariates,
                              options=StatsOptions(min_support=settings.min_support, alpha=settings.alpha))
    pairs = zip(stats["item"], stats["direction"], strict=True)
    verdict = {i: (d if d in ("win", "loss") else "none") for i, d in pairs}
    members = theme_members(pd.DataFrame(quotes, columns=["theme_id", "call_id", "text"]), truth)
    scored = score_themes(truth, members, verdict, min_f1)
    return {"themes": len(items), "outliers": round(float((labels < 0).mean()), 3),
            "significant": sum(v != "none" for v in verdict.values()),
            "recovered": sum(s["ok"] for s in scored.values()), "labels": scored,
            "false_significant": len(false_significant(truth, members, verdict))}


def evaluate(name: str, data: Path, work: Path, n_perm: int, with_bertopic: bool,
             perm_seed: int = 1000) -> dict:
    out = work / f"{name}_out"
    seconds = run_pipeline(data, out)
    settings = load_settings()
    store = Store(out / "insights.db", read_only=True)
    utt, seg = store.utterances(speakers=analysed_speakers(settings)), store.segments_frame()
    deals = read_deals(data / "deals.csv").deals
    stv = example_vectors(load_small_talk(settings.small_talk_file), settings.embedding_model,
                          backend=settings.embedding_backend)
    truth = Truth(data)
    min_f1 = 0.6 if name.startswith("synthetic") else 0.3
    t0 = time.perf_counter()
    ins = build_insights(utt, seg, deals, settings, small_talk_vectors=stv)
    analysis_s = time.perf_counter() - t0
    themes, quotes, phrases = ins.themes, ins.quotes, ins.phrases
    members = theme_members(quotes, truth)
    verdict = verdict_of(themes)
    cust = utt[utt["speaker"].isin(analysed_speakers(settings))]
    result = {
        "pipeline_seconds": round(seconds, 1), "analysis_seconds": round(analysis_s, 1),
        "themes": len(themes), "broad": int((themes["level"] == "broad").sum()),
        "significant_themes": themes.loc[themes["direction"] != "none",
                                         ["theme_id", "label", "n_deals", "win_rate", "q_value", "direction",
                                          "stability"]].to_dict("records"),
        "significant_phrases": phrases.loc[phrases["direction"] != "none", ["phrase", "deals", "q_value",
                                                                            "direction"]].head(30).to_dict("records"),
        "unstable_share": round(float((~themes["stable"].astype(bool)).mean()), 3) if len(themes) else None,
        "method": ins.method,
    }
    if truth.expect:
        scored = score_themes(truth, members, verdict, min_f1)
        result["labels"] = scored
        result["recovered"] = f"{sum(s['ok'] for s in scored.values())}/{len(scored)}"
        false = false_significant(truth, members, verdict)
        explained = [t for t in false if _explained(themes, t, false)]
        result["false_significant"] = len(false) - len(explained)
        result["broad_significant_through_a_true_sub_theme"] = len(explained)
        if name.startswith("synthetic"):
            result["phrases"] = phrase_precision(truth, cust, phrases)
            result["objections"] = objection_scores(truth, cust)
    if n_perm:
        hits = []
        fast = settings.replace(theme_stability_resamples=0, analyses=("themes",))  # same verdicts
        for k in range(n_perm):
            p = build_insights(utt, seg, permuted(deals, perm_seed + k), fast, small_talk_vectors=stv)
            hits.append(int((p.themes["direction"] != "none").sum()))
        clean = sum(h == 0 for h in hits)
        low, high = _wilson(clean, n_perm)
        result["permutations"] = {"n": n_perm, "with_significant_theme": n_perm - clean,
                                  "share_clean": round(clean / n_perm, 3),
                                  "share_clean_95ci": [round(low, 3), round(high, 3)]}
    if with_bertopic:
        from callinsight.stages.analyse.insights import _deal_reps, deal_strata

        cust2 = cust.reset_index(drop=True).copy()
        cust2["pre_decision"] = pre_decision(cust2, deals, settings)
        strata, covariates, _ = deal_strata(cust2, deals, _deal_reps(utt), settings.volume_bands,
                                            settings.confounder_test)
        result["bertopic"] = bertopic_side(utt, deals, settings, truth, min_f1, strata, covariates)
    return result


def _wilson(k: int, n: int) -> tuple[float, float]:
    from callinsight.stages.analyse.stats import wilson_interval

    return wilson_interval(k, n)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpora", default="casino_planted,casino_real,synthetic,synthetic_b")
    ap.add_argument("--permutations", type=int, default=20)
    ap.add_argument("--perm-corpora", default="casino_planted,synthetic,synthetic_b")
    ap.add_argument("--out", default="/tmp/callinsight-quality")
    ap.add_argument("--no-bertopic", action="store_true")
    ap.add_argument("--perm-seed", type=int, default=1000, help="first permutation seed")
    args = ap.parse_args()
    work = Path(args.out)
    work.mkdir(parents=True, exist_ok=True)
    report = {"date": time.strftime("%Y-%m-%d"), "machine": f"{os.cpu_count()} cores", "corpora": {}}
    for name, data in corpus_dirs(args.corpora.split(","), work).items():
        n_perm = args.permutations if name in args.perm_corpora.split(",") else 0
        print(f"== {name}", flush=True)
        res = evaluate(name, data, work, n_perm, not args.no_bertopic, args.perm_seed)
        report["corpora"][name] = res
        print(json.dumps({k: v for k, v in res.items() if k not in ("significant_phrases",)}, indent=1,
                         default=str), flush=True)
        (work / "quality.json").write_text(json.dumps(report, indent=1, default=str))
    print(f"wrote {work / 'quality.json'}")


if __name__ == "__main__":
    main()
