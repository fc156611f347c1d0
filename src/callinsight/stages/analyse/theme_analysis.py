"""The themes analysis: a two-level theme tree of customer sentences, tested honestly.

Steps: sentences long enough to carry a topic (or short ones that carry an act, such as
"deal!") -> acts -> theme tree (`hierarchy`) -> the marketer's curation -> stability
(`stability`) -> deal-level statistics stratified by rep and talk volume, with only
pre-decision calls counted -> hierarchical FDR over broad families -> verdicts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from callinsight.contracts import OUTPUT_TABLES
from callinsight.registry import analyses, labellers
from callinsight.stages.analyse.acts import STATEMENT, load_acts
from callinsight.stages.analyse.analyses import tarone_min_support
from callinsight.stages.analyse.curation import apply_curation, load_curation
from callinsight.stages.analyse.hierarchy import build_theme_tree
from callinsight.stages.analyse.insights import AnalysisContext, AnalysisOutput
from callinsight.stages.analyse.smalltalk import example_vectors, load_small_talk, small_talk_scores
from callinsight.stages.analyse.stability import theme_stability
from callinsight.stages.analyse.stats import association_table
from callinsight.stages.analyse.stats.association import verdicts
from callinsight.stages.analyse.stats.fdr import hierarchical_fdr
from callinsight.stages.analyse.themes import Theme, ThemeOptions
from callinsight.store.sql import embeddings_matrix

__all__ = ["theme_analysis"]


@analyses.register("themes")
def theme_analysis(ctx: AnalysisContext) -> AnalysisOutput:
    """Broad themes and sub-themes with stable ids, their quotes, stability and statistics."""
    s = ctx.settings
    cust = ctx.customer
    taxonomy = load_acts(s.acts_file)
    acts = pd.Series(taxonomy.classify(list(cust["text"])), index=cust.index, dtype=object)
    words = cust["text"].str.split().str.len()
    usable = cust["embedding"].notna() & ((words >= s.theme_min_words) | ((acts != STATEMENT) & (words >= 1)))
    pool = cust[usable].reset_index(drop=True)
    pool_acts = list(acts[usable])
    vectors = embeddings_matrix(list(pool["embedding"])) if len(pool) else np.zeros((0, 1))
    chat = _small_talk_rows(vectors, ctx)
    pool_acts = [(SMALL_TALK,) if c else a for a, c in zip(pool_acts, chat.tolist(), strict=True)]
    options = ThemeOptions(min_size=s.theme_min_size, distance_threshold=s.theme_distance,
                           match_similarity=s.theme_match_similarity, seed=s.seed,
                           clusterer=s.clusterer, labeller=s.labeller)
    tree = build_theme_tree(vectors, list(pool["phrases"]), pool_acts, act_label=_labeller(taxonomy),
                            labeller=labellers.get(s.labeller)(options), previous=ctx.previous_themes,
                            used_ids=ctx.used_theme_ids, options=options, max_broad=s.theme_max_broad)
    # the history keeps every theme as clustered, merged ones included, so tomorrow's run
    # finds the same ids and the curation file applies to them again
    records = [{"theme_id": t.theme_id, "label": t.label, "n_quotes": t.n_quotes,
                "centroid": t.centroid.copy()} for t in tree.themes]
    themes, notes = apply_curation(tree.themes, vectors, load_curation(s.curation_file))
    stability = theme_stability(vectors, list(pool["phrases"]), pool_acts,
                                [(t.level, t.members) for t in themes], options=options,
                                max_broad=s.theme_max_broad, resamples=s.theme_stability_resamples,
                                seed=s.seed)
    for t, value in zip(themes, stability.tolist(), strict=True):
        t.stability = None if np.isnan(value) else round(float(value), 3)
    table, quotes, assigned = _tables(ctx, pool, themes, _small_talk(themes, ctx))
    return AnalysisOutput({"themes": table, "quotes": quotes}, theme_records=records,
                          sentence_themes=assigned, notes=notes)


def _tables(ctx: AnalysisContext, pool: pd.DataFrame, themes: list[Theme], small_talk: dict[str, bool]):
    deals, s = ctx.deals, ctx.settings
    quote_rows, items, n_calls = [], {}, {}
    finest: dict[tuple[str, int], str] = {}
    broad_only: set[tuple[str, int]] = set()
    for t in themes:
        rep_set = set(t.representative)
        sub = pool.iloc[t.members]
        for j, row in zip(t.members.tolist(), sub.itertuples(index=False), strict=True):
            key = (row.call_id, int(row.idx))  # the sentence's first act's finest theme
            if key not in finest or (t.level == "sub" and key in broad_only):
                finest[key] = t.theme_id
                if t.level == "broad":
                    broad_only.add(key)
                else:
                    broad_only.discard(key)
            quote_rows.append({"theme_id": t.theme_id, "call_id": row.call_id, "deal_id": row.deal_id,
                               "speaker": row.speaker, "start": row.start, "end": row.end,
                               "text": row.text, "representative": j in rep_set})
        counted = sub[sub["pre_decision"]] if "pre_decision" in sub else sub
        items[t.theme_id] = {d for d in counted["deal_id"] if isinstance(d, str) and d in deals}
        n_calls[t.theme_id] = sub["call_id"].nunique()
    stats = association_table(items, deals, deal_reps=ctx.deal_reps, strata=ctx.strata,
                              covariates=ctx.covariates,
                              mentions={t.theme_id: t.n_quotes for t in themes}, options=ctx.stats)
    by_item = {r["item"]: r for r in stats.to_dict("records")}
    family = [t.parent_id or t.theme_id for t in themes]
    p = np.array([by_item.get(t.theme_id, {}).get("p_value", np.nan) for t in themes], dtype=float)
    # Tarone: a theme in too few closed deals could not reach significance whatever its split;
    # leaving it out of the families keeps it from diluting the ones that can
    support = [int(by_item.get(t.theme_id, {}).get("deals_won", 0) + by_item.get(t.theme_id, {}).get(
        "deals_lost", 0)) for t in themes]
    floor = tarone_min_support(support, deals, s.alpha) if deals else 1
    p = np.where(np.array(support) >= floor, p, np.nan)
    q = hierarchical_fdr(p, family, s.alpha, head=[t.level == "broad" for t in themes])
    rows = []
    for t, q_t in zip(themes, q.tolist(), strict=True):
        r = by_item.get(t.theme_id, {})
        lean = r.get("log_odds") or 0.0  # within strata when the test is stratified
        direction = "none"
        if q_t == q_t and q_t < s.alpha:
            direction = "win" if lean > 0 else "loss" if lean < 0 else "none"
        testable = (bool(r.get("tested", False)) and r.get("verdict") != "insufficient evidence"
                    and q_t == q_t)
        rows.append({
            "theme_id": t.theme_id, "label": t.label, "n_quotes": t.n_quotes,
            "n_deals": r.get("deals", 0), "deals_won": r.get("deals_won", 0),
            "deals_lost": r.get("deals_lost", 0), "win_rate": r.get("win_rate"),
            "baseline_win_rate": r.get("baseline_win_rate"), "lift": r.get("lift"),
            "p_value": r.get("p_value"), "q_value": q_t, "direction": direction,
            "amount_won": r.get("amount_won", 0.0), "amount_lost": r.get("amount_lost", 0.0),
            "top_phrases": "; ".join(t.top_phrases), "ci_low": r.get("ci_low"),
            "ci_high": r.get("ci_high"), "trend": t.trend, "single_rep": bool(r.get("single_rep", False)),
            "top_rep": r.get("top_rep", ""), "tested": bool(r.get("tested", False)),
            "n_calls": n_calls[t.theme_id], "previous_n_quotes": t.previous_n_quotes,
            "small_talk": (small_talk.get(t.theme_id, False) or t.act == SMALL_TALK
                           or "not content" in t.curated),
            "level": t.level, "parent_id": t.parent_id, "act": t.act, "stability": t.stability,
            "stable": t.stability is None or t.stability >= s.theme_stable_at,
            "verdict": verdicts(np.array([direction], dtype=object), np.array([testable]))[0],
            "log_odds": r.get("log_odds"), "test": r.get("test", ""), "curated": t.curated,
        })
    table = pd.DataFrame(rows, columns=OUTPUT_TABLES["themes"].names)
    if len(table):
        table["_q"] = table["q_value"].fillna(2.0)
        table["_broad"] = table["level"] != "broad"
        table = table.sort_values(["small_talk", "_broad", "_q", "n_quotes", "theme_id"],
                                  ascending=[True, True, True, False, True])
        table = table.drop(columns=["_q", "_broad"]).reset_index(drop=True)
    quotes = pd.DataFrame(quote_rows, columns=OUTPUT_TABLES["quotes"].names)
    assigned = [(c, i, tid) for (c, i), tid in finest.items()]
    return table, quotes, assigned


SMALL_TALK = "small_talk"


def _labeller(taxonomy):
    names = {SMALL_TALK: "small talk", "negative": "turns it down"}
    return lambda act: names.get(act) or taxonomy.label(act)


def _small_talk_vectors(ctx: AnalysisContext) -> np.ndarray:
    s = ctx.settings
    if ctx.small_talk_vectors is not None:
        return ctx.small_talk_vectors
    return example_vectors(load_small_talk(s.small_talk_file), s.embedding_model,
                           backend=s.embedding_backend)


def _small_talk_rows(vectors: np.ndarray, ctx: AnalysisContext) -> np.ndarray:
    """Sentences that are chat (weekend, weather, travel): their own act, whatever else they do,
    so "how was your weekend?" is not a question theme a marketer reads."""
    examples = _small_talk_vectors(ctx)
    if not len(vectors) or not len(examples) or examples.shape[1] != vectors.shape[1]:
        return np.zeros(len(vectors), dtype=bool)
    return small_talk_scores(vectors, examples) >= ctx.settings.small_talk_sentence_similarity


def _small_talk(themes: list[Theme], ctx: AnalysisContext) -> dict[str, bool]:
    """theme_id -> whether the theme's centre is near a small-talk example."""
    s = ctx.settings
    if not themes:
        return {}
    vectors = _small_talk_vectors(ctx)
    if not len(vectors):
        return {}
    centroids = np.vstack([t.centroid for t in themes])
    if vectors.shape[1] != centroids.shape[1]:
        return {}  # sentences were embedded by another model: nothing to compare against
    scores = small_talk_scores(centroids, vectors)
    return {t.theme_id: bool(v >= s.small_talk_similarity) for t, v in zip(themes, scores, strict=True)}
