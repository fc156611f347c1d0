"""The built-in analyses: phrases, themes, objections, conversation metrics and the lead hand-off.

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
from callinsight.stages.analyse.insights import AnalysisContext, AnalysisOutput, deal_sets
from callinsight.stages.analyse.phrase_groups import group_phrases, is_filler, members_of
from callinsight.stages.analyse.stats import StatsOptions, association_table, metric_association
from callinsight.stages.extract import conversation_metrics


@analyses.register("phrases")
def phrase_analysis(ctx: AnalysisContext) -> AnalysisOutput:
    """Customer phrases (lemmatised noun and verb phrases, in paraphrase groups) against deal outcomes."""
    from callinsight.stages.embed import get_embedder

    settings = ctx.settings
    encode = get_embedder(settings.embedding_model, settings.embedding_backend).encode
    return AnalysisOutput({"phrases": _phrase_table(ctx.customer, ctx.deals, ctx.deal_reps, ctx.stats,
                                                    ctx.strata, covariates=ctx.covariates, encode=encode,
                                                    similarity=settings.phrase_group_similarity)})


@analyses.register("objections")
def objection_analysis(ctx: AnalysisContext) -> AnalysisOutput:
    """Objection sentences (taxonomy patterns and embeddings) and each category's statistics."""
    cust = ctx.customer
    frame = cust[cust["objection"].notna()].rename(columns={"objection": "category",
                                                             "objection_score": "score"})
    counted = frame.assign(category=frame["category"])
    frame = frame[OUTPUT_TABLES["objections"].names].reset_index(drop=True)
    stats = association_table(deal_sets(counted, "category", ctx.deals), ctx.deals,
                              deal_reps=ctx.deal_reps, mentions=Counter(frame["category"]),
                              strata=ctx.strata, covariates=ctx.covariates, options=ctx.stats)
    return AnalysisOutput({"objections": frame,
                           "objection_stats": OUTPUT_TABLES["objection_stats"].conform(stats)})


@analyses.register("conversation_metrics")
def metric_analysis(ctx: AnalysisContext) -> AnalysisOutput:
    """Talk ratio, longest customer monologue and rep questions, per call and won vs lost."""
    counted = set(ctx.customer.loc[~ctx.customer["pre_decision"], "call_id"]) if len(ctx.customer) else set()
    call_metrics, metrics = _metrics(ctx.segments, ctx.deals, exclude=counted)
    return AnalysisOutput({"conversation_metrics": metrics, "call_metrics": call_metrics})


@analyses.register("handoff")
def handoff_analysis(ctx: AnalysisContext) -> AnalysisOutput:
    """Speed to first call against the SLA, outcome and lead source per deal (stages/analyse/handoff.py)."""
    from callinsight.stages.analyse.handoff import handoff_output

    return handoff_output(ctx)


def _phrase_table(cust: pd.DataFrame, deals, deal_reps, opts: StatsOptions, strata=None, *,
                  covariates=None, encode=None, similarity: float | None = None) -> pd.DataFrame:
    """One row per phrase group: stop-word/filler-only phrases dropped; with ``similarity``,
    phrases said at least twice are grouped (``phrase_groups.group_phrases``, embeddings from
    ``encode`` or, without it, the lemma rule only). A group's deals are its members' union
    and its mentions the sentences saying any member; ``members`` lists the other members."""
    cols = ["deal_id", "phrases"] + (["pre_decision"] if "pre_decision" in cust else [])
    exploded = cust[cols].reset_index(drop=True).explode("phrases").dropna(subset=["phrases"])
    exploded = exploded[~exploded["phrases"].map(is_filler).astype(bool)]
    members: dict[str, list[str]] = {}
    if similarity is not None and len(exploded):
        said = Counter(exploded["phrases"])
        groups = group_phrases([p for p, n in said.items() if n >= 2], said, encode,
                               similarity=similarity)
        members = members_of(groups, said)
        exploded = exploded.assign(phrases=exploded["phrases"].map(lambda p: groups.get(p, p)))
        # a sentence saying two members ("integration", "need integration") is one mention
        exploded = exploded.rename_axis("_row").reset_index().drop_duplicates(["_row", "phrases"])
    mentions = Counter(exploded["phrases"])
    items = deal_sets(exploded.rename(columns={"phrases": "phrase"}), "phrase", deals)
    if deals:
        items = {p: d for p, d in items.items() if len(d) >= opts.min_support}
    else:
        items = {p: d for p, d in items.items() if mentions[p] >= 2}
    support = _closed_support(items, deals)
    min_support = max(opts.min_support, tarone_min_support(support, deals, opts.alpha))
    table = association_table(items, deals, deal_reps=deal_reps, mentions=mentions, strata=strata,
                              covariates=covariates,
                              options=StatsOptions(**{**opts.__dict__, "test": "fisher",
                                                      "min_support": min_support}))
    table = table.rename(columns={"item": "phrase"})
    if not deals and len(table):
        table["mentions"] = table["phrase"].map(mentions)
    table["members"] = ["; ".join(members.get(p, ())) for p in table["phrase"]]
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


def _metrics(segments: pd.DataFrame, deals: Mapping[str, Deal],
             exclude: set[str] = frozenset()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-call metrics, and won against lost over calls before the decision (not ``exclude``)."""
    per_call = []
    for call_id, group in segments.groupby("call_id", sort=True):
        segs = [Segment(r.start, r.end, r.speaker, r.text) for r in group.itertuples(index=False)]
        per_call.append({"call_id": call_id, "deal_id": group["deal_id"].iloc[0],
                         **conversation_metrics(segs)})
    call_metrics = pd.DataFrame(per_call, columns=OUTPUT_TABLES["call_metrics"].names)
    rows = []
    with_deal = call_metrics[call_metrics["deal_id"].map(lambda d: isinstance(d, str) and d in deals)
                             & ~call_metrics["call_id"].isin(exclude)]
    for metric in ("rep_talk_ratio", "longest_customer_monologue", "rep_questions"):
        per_deal = with_deal.groupby("deal_id")[metric].mean().dropna().to_dict()
        rows.append({"metric": metric, **metric_association(per_deal, deals)})
    return call_metrics, OUTPUT_TABLES["conversation_metrics"].conform(pd.DataFrame(rows))
