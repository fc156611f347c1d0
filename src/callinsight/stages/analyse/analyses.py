"""The built-in analyses: phrases, themes, objections and conversation metrics.

Each is a plain function from an :class:`~callinsight.stages.analyse.insights.AnalysisContext`
to an :class:`~callinsight.stages.analyse.insights.AnalysisOutput`, registered by name in
``callinsight.registry.analyses``; the ``analyses`` setting says which run, in which order.
Every table an analysis returns is declared in ``contracts.OUTPUT_TABLES``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from callinsight.contracts import OUTPUT_TABLES, Deal, Segment
from callinsight.registry import analyses
from callinsight.settings import Settings
from callinsight.stages.analyse.insights import AnalysisContext, AnalysisOutput, deal_sets
from callinsight.stages.analyse.smalltalk import example_vectors, load_small_talk, small_talk_scores
from callinsight.stages.analyse.stats import StatsOptions, association_table, metric_association
from callinsight.stages.analyse.themes import ThemeOptions, ThemeResult, build_themes
from callinsight.stages.extract import conversation_metrics
from callinsight.store.sql import embeddings_matrix


@analyses.register("phrases")
def phrase_analysis(ctx: AnalysisContext) -> AnalysisOutput:
    """Customer phrases (lemmatised noun and verb phrases) against deal outcomes."""
    return AnalysisOutput({"phrases": _phrase_table(ctx.customer, ctx.deals, ctx.deal_reps, ctx.stats)})


@analyses.register("themes")
def theme_analysis(ctx: AnalysisContext) -> AnalysisOutput:
    """Clusters of customer sentences with stable ids, their quotes and their statistics."""
    result, themes, quotes, assigned = _theme_tables(
        ctx.customer, ctx.deals, ctx.deal_reps, ctx.stats, ctx.settings, ctx.previous_themes,
        ctx.used_theme_ids, ctx.small_talk_vectors)
    records = [{"theme_id": t.theme_id, "label": t.label, "n_quotes": t.n_quotes, "centroid": t.centroid}
               for t in result.themes]
    return AnalysisOutput({"themes": themes, "quotes": quotes}, theme_records=records,
                          sentence_themes=assigned)


@analyses.register("objections")
def objection_analysis(ctx: AnalysisContext) -> AnalysisOutput:
    """Objection sentences (taxonomy patterns and embeddings) and each category's statistics."""
    cust = ctx.customer
    frame = cust[cust["objection"].notna()].rename(columns={"objection": "category",
                                                             "objection_score": "score"})
    frame = frame[OUTPUT_TABLES["objections"].names].reset_index(drop=True)
    stats = association_table(deal_sets(frame, "category", ctx.deals), ctx.deals,
                              deal_reps=ctx.deal_reps, mentions=Counter(frame["category"]),
                              options=ctx.stats)
    return AnalysisOutput({"objections": frame,
                           "objection_stats": OUTPUT_TABLES["objection_stats"].conform(stats)})


@analyses.register("conversation_metrics")
def metric_analysis(ctx: AnalysisContext) -> AnalysisOutput:
    """Talk ratio, longest customer monologue and rep questions, per call and won vs lost."""
    call_metrics, metrics = _metrics(ctx.segments, ctx.deals)
    return AnalysisOutput({"conversation_metrics": metrics, "call_metrics": call_metrics})


def _phrase_table(cust: pd.DataFrame, deals, deal_reps, opts: StatsOptions) -> pd.DataFrame:
    exploded = cust[["deal_id", "phrases"]].explode("phrases").dropna(subset=["phrases"])
    mentions = Counter(exploded["phrases"])
    items = deal_sets(exploded.rename(columns={"phrases": "phrase"}), "phrase", deals)
    if deals:
        items = {p: d for p, d in items.items() if len(d) >= opts.min_support}
    else:
        items = {p: d for p, d in items.items() if mentions[p] >= 2}
    support = _closed_support(items, deals)
    min_support = max(opts.min_support, tarone_min_support(support, deals, opts.alpha))
    table = association_table(items, deals, deal_reps=deal_reps, mentions=mentions,
                              options=StatsOptions(**{**opts.__dict__, "test": "fisher",
                                                      "min_support": min_support}))
    table = table.rename(columns={"item": "phrase"})
    if not deals and len(table):
        table["mentions"] = table["phrase"].map(mentions)
    return OUTPUT_TABLES["phrases"].conform(table)


def _closed_support(items: Mapping[str, set[str]], deals: Mapping[str, Deal]) -> list[int]:
    closed = {d for d, deal in deals.items() if deal.outcome in ("won", "lost")}
    return [len(ids & closed) for ids in items.values()]


def fisher_min_p(n_won: int, n_lost: int, max_support: int) -> np.ndarray:
    """Smallest two-sided Fisher p an item in ``n`` closed deals can reach, for n = 0..max.

    The most extreme tables put all the item's deals in one outcome; their p-value bounds
    what any item of that support can show.
    """
    from scipy.stats import hypergeom

    total = n_won + n_lost
    out = np.ones(max_support + 1)
    for n in range(1, min(max_support, total) + 1):
        lo, hi = max(0, n - n_lost), min(n, n_won)
        pmf = hypergeom.pmf(np.arange(lo, hi + 1), total, n_won, n)
        ends = (pmf[0], pmf[-1])
        out[n] = min(float(pmf[pmf <= e * (1 + 1e-7)].sum()) for e in ends)
    return np.minimum(out, 1.0)


def tarone_min_support(support: Sequence[int], deals: Mapping[str, Deal], alpha: float) -> int:
    """Support below which an item cannot be significant, so it stays out of the FDR family.

    Tarone (1990) / Gilbert (2005): with discrete tests, items whose smallest attainable
    p-value is above the level they would need only dilute the Benjamini-Hochberg family.
    K is the smallest family size such that at most K items can attain ``alpha / K``;
    items whose best possible p exceeds that are not tested. Returns 1 when no item could.
    """
    support = np.asarray(list(support), dtype=int)
    n_won = sum(d.outcome == "won" for d in deals.values())
    n_lost = sum(d.outcome == "lost" for d in deals.values())
    if not len(support) or not n_won or not n_lost:
        return 1
    pmin = fisher_min_p(n_won, n_lost, int(support.max()))
    item_p = np.sort(pmin[support])
    ks = np.arange(1, len(item_p) + 1)
    attainable = np.searchsorted(item_p, alpha / ks, side="right")
    ok = np.flatnonzero(attainable <= ks)
    k = int(ks[ok[0]]) if len(ok) else len(item_p)
    good = np.flatnonzero(pmin[1:] <= alpha / k)
    return int(good[0]) + 1 if len(good) else int(support.max()) + 1


def _theme_tables(cust, deals, deal_reps, opts, settings: Settings, previous, used_ids,
                  small_talk_vectors: np.ndarray | None = None):
    long_enough = cust["text"].str.split().str.len() >= settings.theme_min_words
    pool = cust[long_enough & cust["embedding"].notna()].reset_index(drop=True)
    vectors = embeddings_matrix(list(pool["embedding"])) if len(pool) else np.zeros((0, 1))
    result: ThemeResult = build_themes(
        vectors,
        list(pool["phrases"]),
        previous=previous,
        used_ids=used_ids,
        options=ThemeOptions(
            min_size=settings.theme_min_size,
            distance_threshold=settings.theme_distance,
            match_similarity=settings.theme_match_similarity,
            seed=settings.seed,
            clusterer=settings.clusterer,
            labeller=settings.labeller,
        ),
    )
    small_talk = _small_talk(result, settings, small_talk_vectors)
    quote_rows = []
    assigned: list[tuple[str, int, str]] = []
    items: dict[str, set[str]] = {}
    info = {}
    for t in result.themes:
        rep_set = set(t.representative)
        sub = pool.iloc[t.members]
        for j, row in zip(t.members, sub.itertuples(index=False), strict=True):
            assigned.append((row.call_id, int(row.idx), t.theme_id))
            quote_rows.append({
                "theme_id": t.theme_id, "call_id": row.call_id, "deal_id": row.deal_id,
                "speaker": row.speaker, "start": row.start, "end": row.end, "text": row.text,
                "representative": int(j) in rep_set,
            })
        items[t.theme_id] = {d for d in sub["deal_id"] if isinstance(d, str) and d in deals}
        info[t.theme_id] = (t, sub["call_id"].nunique())
    quotes = pd.DataFrame(quote_rows, columns=OUTPUT_TABLES["quotes"].names)
    mentions = {tid: t.n_quotes for tid, (t, _) in info.items()}
    stats = association_table(items, deals, deal_reps=deal_reps, mentions=mentions, options=opts)
    rows = []
    by_item = {r["item"]: r for r in stats.to_dict("records")}
    for tid, (t, n_calls) in info.items():
        s = by_item.get(tid, {})
        rows.append({
            "theme_id": tid, "label": t.label, "n_quotes": t.n_quotes,
            "n_deals": s.get("deals", 0), "deals_won": s.get("deals_won", 0),
            "deals_lost": s.get("deals_lost", 0), "win_rate": s.get("win_rate"),
            "baseline_win_rate": s.get("baseline_win_rate"), "lift": s.get("lift"),
            "p_value": s.get("p_value"), "q_value": s.get("q_value"),
            "direction": s.get("direction", "none"), "amount_won": s.get("amount_won", 0.0),
            "amount_lost": s.get("amount_lost", 0.0), "top_phrases": "; ".join(t.top_phrases),
            "ci_low": s.get("ci_low"), "ci_high": s.get("ci_high"), "trend": t.trend,
            "single_rep": bool(s.get("single_rep", False)), "top_rep": s.get("top_rep", ""),
            "tested": bool(s.get("tested", False)), "n_calls": n_calls,
            "previous_n_quotes": t.previous_n_quotes, "small_talk": small_talk.get(tid, False),
        })
    themes = pd.DataFrame(rows, columns=OUTPUT_TABLES["themes"].names)
    if len(themes):
        themes["_q"] = themes["q_value"].fillna(2.0)
        themes = themes.sort_values(["small_talk", "_q", "n_quotes", "theme_id"],
                                    ascending=[True, True, False, True])
        themes = themes.drop(columns="_q").reset_index(drop=True)
    return result, themes, quotes, assigned


def _small_talk(result: ThemeResult, settings: Settings, vectors: np.ndarray | None) -> dict[str, bool]:
    """theme_id -> whether the theme's centre is near a small-talk example."""
    if not result.themes:
        return {}
    if vectors is None:
        vectors = example_vectors(load_small_talk(settings.small_talk_file), settings.embedding_model)
    if not len(vectors):
        return {}
    centroids = np.vstack([t.centroid for t in result.themes])
    if vectors.shape[1] != centroids.shape[1]:
        return {}  # sentences were embedded by another model: nothing to compare against
    scores = small_talk_scores(centroids, vectors)
    return {t.theme_id: bool(s >= settings.small_talk_similarity)
            for t, s in zip(result.themes, scores, strict=True)}


def _metrics(segments: pd.DataFrame, deals: Mapping[str, Deal]) -> tuple[pd.DataFrame, pd.DataFrame]:
    per_call = []
    for call_id, group in segments.groupby("call_id", sort=True):
        segs = [Segment(r.start, r.end, r.speaker, r.text) for r in group.itertuples(index=False)]
        per_call.append({"call_id": call_id, "deal_id": group["deal_id"].iloc[0],
                         **conversation_metrics(segs)})
    call_metrics = pd.DataFrame(per_call, columns=OUTPUT_TABLES["call_metrics"].names)
    rows = []
    with_deal = call_metrics[call_metrics["deal_id"].map(lambda d: isinstance(d, str) and d in deals)]
    for metric in ("rep_talk_ratio", "longest_customer_monologue", "rep_questions"):
        per_deal = with_deal.groupby("deal_id")[metric].mean().dropna().to_dict()
        rows.append({"metric": metric, **metric_association(per_deal, deals)})
    return call_metrics, OUTPUT_TABLES["conversation_metrics"].conform(pd.DataFrame(rows))
