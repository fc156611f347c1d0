"""Correlate stage: from stored utterances and deal outcomes to the output tables.

Turns the corpus (every call's extracted sentences) into phrases, themes, quotes,
objections and conversation-metric tables, each with deal-level win/loss
statistics from :mod:`callinsight.stages.analyse.stats`. Column orders are the output contract.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from callinsight.contracts import Deal, Segment
from callinsight.settings import Settings
from callinsight.stages.analyse.smalltalk import example_vectors, load_small_talk, small_talk_scores
from callinsight.stages.analyse.stats import StatsOptions, association_table, metric_association
from callinsight.stages.analyse.themes import ThemeOptions, ThemeResult, build_themes
from callinsight.stages.extract import conversation_metrics
from callinsight.store.sqlite import embeddings_matrix

PHRASE_COLUMNS = [
    "phrase", "mentions", "deals", "deals_won", "deals_lost", "win_rate", "lift", "z",
    "p_value", "q_value", "direction",
    # additions (after the contract columns)
    "ci_low", "ci_high", "amount_won", "amount_lost", "single_rep", "top_rep", "tested",
]
THEME_COLUMNS = [
    "theme_id", "label", "n_quotes", "n_deals", "deals_won", "deals_lost", "win_rate",
    "baseline_win_rate", "lift", "p_value", "q_value", "direction", "amount_won", "amount_lost",
    "top_phrases",
    "ci_low", "ci_high", "trend", "single_rep", "top_rep", "tested", "n_calls", "previous_n_quotes",
    "small_talk",
]
QUOTE_COLUMNS = ["theme_id", "call_id", "deal_id", "speaker", "start", "end", "text", "representative"]
OBJECTION_COLUMNS = ["call_id", "deal_id", "speaker", "start", "end", "text", "category", "score"]
OBJECTION_STAT_COLUMNS = [
    "item", "mentions", "deals", "deals_won", "deals_lost", "win_rate", "ci_low", "ci_high",
    "lift", "z", "p_value", "q_value", "direction", "amount_won", "amount_lost", "single_rep",
    "tested",
]
METRIC_COLUMNS = [
    "metric", "n_won", "n_lost", "mean_won", "mean_lost", "median_won", "median_lost", "p_value",
]


@dataclass
class Insights:
    phrases: pd.DataFrame
    themes: pd.DataFrame
    quotes: pd.DataFrame
    objections: pd.DataFrame
    objection_stats: pd.DataFrame
    metrics: pd.DataFrame
    call_metrics: pd.DataFrame
    theme_records: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    baseline_win_rate: float | None = None
    n_won: int = 0
    n_lost: int = 0


def analysed_speakers(settings: Settings) -> tuple[str, ...]:
    return ("customer", "unknown") if settings.include_mono else ("customer",)


def window_filter(utterances: pd.DataFrame, settings: Settings, now: datetime | None = None) -> pd.DataFrame:
    """Keep calls from the last ``window_days`` days (all calls when the setting is empty)."""
    if not settings.window_days:
        return utterances
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=settings.window_days)
    started = pd.to_datetime(utterances["started_at"], utc=True, errors="coerce", format="ISO8601")
    return utterances[started.isna() | (started >= cutoff)]


def build_insights(
    utterances: pd.DataFrame,
    segments: pd.DataFrame,
    deals: Mapping[str, Deal] | None,
    settings: Settings,
    *,
    previous_themes: Sequence[dict] = (),
    used_theme_ids: set[str] | None = None,
    small_talk_vectors: np.ndarray | None = None,
) -> Insights:
    """Compute every output table over the whole (windowed) corpus.

    ``small_talk_vectors``: the small-talk examples already embedded (see
    :func:`callinsight.stages.analyse.smalltalk.example_vectors`); by default they are embedded here.
    """
    deals = dict(deals or {})
    notes: list[str] = []
    opts = StatsOptions(min_support=settings.min_support, alpha=settings.alpha,
                        single_rep_share=settings.single_rep_share)
    utterances = window_filter(utterances, settings)
    segments = segments[segments["call_id"].isin(set(utterances["call_id"]))] if len(utterances) else segments
    speakers = analysed_speakers(settings)
    cust = utterances[utterances["speaker"].isin(speakers)].reset_index(drop=True)
    mono_calls = utterances.loc[utterances["mono"] == 1, "call_id"].nunique() if len(utterances) else 0
    if mono_calls and not settings.include_mono:
        notes.append(
            f"{mono_calls} mono call(s) have no speaker roles (speaker 'unknown') and are not in the "
            "customer-only analyses; set include_mono to opt in."
        )
    deal_reps = _deal_reps(utterances)
    known = cust["deal_id"].map(lambda d: isinstance(d, str) and d in deals)
    if len(cust) and (~known & cust["deal_id"].notna()).any():
        missing = sorted(set(cust.loc[~known & cust["deal_id"].notna(), "deal_id"]))
        notes.append(
            f"{len(missing)} deal id(s) in calls.csv are not in deals.csv: {', '.join(missing[:10])}"
        )

    phrases = _phrase_table(cust, deals, deal_reps, opts)
    result, themes_df, quotes_df = _theme_tables(cust, deals, deal_reps, opts, settings,
                                                 previous_themes, used_theme_ids, small_talk_vectors)
    objections_df = cust[cust["objection"].notna()].rename(columns={"objection": "category",
                                                                     "objection_score": "score"})
    objections_df = objections_df[OBJECTION_COLUMNS].reset_index(drop=True)
    obj_items = _deal_sets(objections_df, "category", deals)
    obj_stats = association_table(obj_items, deals, deal_reps=deal_reps,
                                  mentions=Counter(objections_df["category"]), options=opts)
    obj_stats = _ensure(obj_stats, OBJECTION_STAT_COLUMNS)
    call_metrics, metrics = _metrics(segments, deals)
    closed = [d for d in deals.values() if d.outcome in ("won", "lost")]
    n_won = sum(d.outcome == "won" for d in closed)
    theme_records = [
        {"theme_id": t.theme_id, "label": t.label, "n_quotes": t.n_quotes, "centroid": t.centroid}
        for t in result.themes
    ]
    return Insights(
        phrases=phrases,
        themes=themes_df,
        quotes=quotes_df,
        objections=objections_df,
        objection_stats=obj_stats,
        metrics=metrics,
        call_metrics=call_metrics,
        theme_records=theme_records,
        notes=notes,
        baseline_win_rate=(n_won / len(closed)) if closed else None,
        n_won=n_won,
        n_lost=len(closed) - n_won,
    )


def _deal_reps(utterances: pd.DataFrame) -> dict[str, str]:
    reps: dict[str, Counter] = defaultdict(Counter)
    calls = utterances.drop_duplicates("call_id")
    for deal_id, rep in zip(calls["deal_id"], calls["rep"], strict=True):
        if isinstance(deal_id, str) and rep:
            reps[deal_id][rep] += 1
    return {d: c.most_common(1)[0][0] for d, c in reps.items()}


def _deal_sets(frame: pd.DataFrame, key: str, deals: Mapping[str, Deal]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for item, deal_id in zip(frame[key], frame["deal_id"], strict=True):
        if isinstance(deal_id, str) and deal_id in deals:
            out[str(item)].add(deal_id)
        else:
            out.setdefault(str(item), set())
    return dict(out)


def _ensure(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    for c in columns:
        if c not in df.columns:
            df[c] = np.nan
    return df[columns].reset_index(drop=True)


def _phrase_table(cust: pd.DataFrame, deals, deal_reps, opts: StatsOptions) -> pd.DataFrame:
    exploded = cust[["deal_id", "phrases"]].explode("phrases").dropna(subset=["phrases"])
    mentions = Counter(exploded["phrases"])
    items = _deal_sets(exploded.rename(columns={"phrases": "phrase"}), "phrase", deals)
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
    return _ensure(table, PHRASE_COLUMNS)


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
        ),
    )
    small_talk = _small_talk(result, settings, small_talk_vectors)
    quote_rows = []
    items: dict[str, set[str]] = {}
    info = {}
    for t in result.themes:
        rep_set = set(t.representative)
        sub = pool.iloc[t.members]
        for j, row in zip(t.members, sub.itertuples(index=False), strict=True):
            quote_rows.append({
                "theme_id": t.theme_id, "call_id": row.call_id, "deal_id": row.deal_id,
                "speaker": row.speaker, "start": row.start, "end": row.end, "text": row.text,
                "representative": int(j) in rep_set,
            })
        items[t.theme_id] = {d for d in sub["deal_id"] if isinstance(d, str) and d in deals}
        info[t.theme_id] = (t, sub["call_id"].nunique())
    quotes = pd.DataFrame(quote_rows, columns=QUOTE_COLUMNS)
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
    themes = pd.DataFrame(rows, columns=THEME_COLUMNS)
    if len(themes):
        themes["_q"] = themes["q_value"].fillna(2.0)
        themes = themes.sort_values(["small_talk", "_q", "n_quotes", "theme_id"],
                                    ascending=[True, True, False, True])
        themes = themes.drop(columns="_q").reset_index(drop=True)
    return result, themes, quotes


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
    call_metrics = pd.DataFrame(per_call, columns=["call_id", "deal_id", "rep_talk_ratio",
                                                   "longest_customer_monologue", "rep_questions"])
    rows = []
    with_deal = call_metrics[call_metrics["deal_id"].map(lambda d: isinstance(d, str) and d in deals)]
    for metric in ("rep_talk_ratio", "longest_customer_monologue", "rep_questions"):
        per_deal = with_deal.groupby("deal_id")[metric].mean().dropna().to_dict()
        rows.append({"metric": metric, **metric_association(per_deal, deals)})
    return call_metrics, _ensure(pd.DataFrame(rows), METRIC_COLUMNS)
