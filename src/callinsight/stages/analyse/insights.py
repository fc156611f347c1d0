"""Analyse stage: from stored utterances and deal outcomes to the published tables.

``build_insights`` prepares one :class:`AnalysisContext` (the windowed corpus, customer
sentences, deals, each deal's rep, statistics options) and runs the analyses named by the
``analyses`` setting from ``callinsight.registry.analyses``. Each analysis returns tables
declared in ``contracts.OUTPUT_TABLES``; adding an analysis is one module that registers a
function and declares its table (see ARCHITECTURE.md).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from callinsight.contracts import OUTPUT_TABLES, Deal, InputError
from callinsight.registry import analyses
from callinsight.settings import Settings
from callinsight.stages.analyse.stats import StatsOptions


@dataclass
class AnalysisContext:
    """What every analysis sees: built once per run, read-only for the analyses."""

    customer: pd.DataFrame  # the analysed speakers' utterances (customer; + unknown with include_mono)
    utterances: pd.DataFrame  # every utterance in the window
    segments: pd.DataFrame
    deals: dict[str, Deal]
    deal_reps: dict[str, str]  # deal_id -> its most frequent rep
    settings: Settings
    stats: StatsOptions
    previous_themes: Sequence[dict] = ()
    used_theme_ids: set[str] | None = None
    small_talk_vectors: np.ndarray | None = None
    strata: dict[str, str] = field(default_factory=dict)  # deal_id -> rep x talk-volume band
    covariates: dict[str, tuple[float, ...]] = field(default_factory=dict)  # deal_id -> rep, log words
    method: dict[str, str] = field(default_factory=dict)  # how the statistics were made, for the report


@dataclass
class AnalysisOutput:
    """One analysis' result: tables by catalog name, plus what the store keeps for themes."""

    tables: dict[str, pd.DataFrame]
    theme_records: list[dict] = field(default_factory=list)
    sentence_themes: list[tuple[str, int, str]] = field(default_factory=list)  # (call_id, idx, theme_id)
    notes: list[str] = field(default_factory=list)


Analysis = Callable[[AnalysisContext], AnalysisOutput]


@dataclass
class Insights:
    """Every analysis' tables (by ``OUTPUT_TABLES`` name) and the run-level facts."""

    tables: dict[str, pd.DataFrame]
    theme_records: list[dict] = field(default_factory=list)
    sentence_themes: list[tuple[str, int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    method: dict[str, str] = field(default_factory=dict)
    baseline_win_rate: float | None = None
    n_won: int = 0
    n_lost: int = 0

    def table(self, name: str) -> pd.DataFrame:
        """A table by name; an empty frame with its declared columns when no analysis made it."""
        if name in self.tables:
            return self.tables[name]
        return pd.DataFrame(columns=OUTPUT_TABLES[name].names)

    phrases = property(lambda self: self.table("phrases"))
    themes = property(lambda self: self.table("themes"))
    quotes = property(lambda self: self.table("quotes"))
    objections = property(lambda self: self.table("objections"))
    objection_stats = property(lambda self: self.table("objection_stats"))
    conversation_metrics = property(lambda self: self.table("conversation_metrics"))
    metrics = conversation_metrics
    call_metrics = property(lambda self: self.table("call_metrics"))


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
    progress: Callable[[int, int, str, float], None] | None = None,
) -> Insights:
    """Run the configured analyses over the whole (windowed) corpus.

    ``progress(done, total, analysis, seconds)`` is called after each analysis.

    ``small_talk_vectors``: the small-talk examples already embedded (see
    :func:`callinsight.stages.analyse.smalltalk.example_vectors`); by default they are embedded here.
    """
    import callinsight.stages.analyse.analyses  # noqa: F401  (registers the built-in analyses)
    import callinsight.stages.analyse.theme_analysis  # noqa: F401

    deals = dict(deals or {})
    notes: list[str] = []
    utterances = window_filter(utterances, settings)
    segments = segments[segments["call_id"].isin(set(utterances["call_id"]))] if len(utterances) else segments
    cust = utterances[utterances["speaker"].isin(analysed_speakers(settings))].reset_index(drop=True)
    mono_calls = utterances.loc[utterances["mono"] == 1, "call_id"].nunique() if len(utterances) else 0
    if mono_calls and not settings.include_mono:
        notes.append(
            f"{mono_calls} mono call(s) have no speaker roles (speaker 'unknown') and are not in the "
            "customer-only analyses; set include_mono to opt in."
        )
    known = cust["deal_id"].map(lambda d: isinstance(d, str) and d in deals)
    if len(cust) and (~known & cust["deal_id"].notna()).any():
        missing = sorted(set(cust.loc[~known & cust["deal_id"].notna(), "deal_id"]))
        notes.append(
            f"{len(missing)} deal id(s) in calls.csv are not in deals.csv: {', '.join(missing[:10])}"
        )
    cust["pre_decision"] = pre_decision(cust, deals, settings)
    deal_reps = _deal_reps(utterances)
    strata, covariates, method = deal_strata(cust, deals, deal_reps, settings.volume_bands,
                                             settings.confounder_test)
    method = {"window": _window_text(cust, settings), **method}
    ctx = AnalysisContext(
        customer=cust, utterances=utterances, segments=segments, deals=deals,
        deal_reps=deal_reps, settings=settings,
        stats=StatsOptions(min_support=settings.min_support, alpha=settings.alpha,
                           single_rep_share=settings.single_rep_share,
                           min_closed=settings.min_closed_deals),
        previous_themes=previous_themes, used_theme_ids=used_theme_ids,
        small_talk_vectors=small_talk_vectors, strata=strata, covariates=covariates,
        method=method,
    )
    insights = Insights(tables={}, notes=notes, method=method)
    for done, name in enumerate(settings.analyses, start=1):
        t0 = time.perf_counter()
        output = analyses.get(name)(ctx)
        for table_name, frame in output.tables.items():
            schema = OUTPUT_TABLES.get(table_name)
            if schema is None:
                raise InputError(
                    f"Analysis {name!r} returned a table {table_name!r} that is not declared: declare "
                    "it with callinsight.contracts.register_output_table(TableSchema(...)).")
            insights.tables[table_name] = schema.conform(frame)
        insights.theme_records += output.theme_records
        insights.sentence_themes += output.sentence_themes
        insights.notes += output.notes
        if progress is not None:
            progress(done, len(settings.analyses), name, time.perf_counter() - t0)
    closed = [d for d in deals.values() if d.outcome in ("won", "lost")]
    insights.n_won = sum(d.outcome == "won" for d in closed)
    insights.n_lost = len(closed) - insights.n_won
    insights.baseline_win_rate = (insights.n_won / len(closed)) if closed else None
    return insights


def _deal_reps(utterances: pd.DataFrame) -> dict[str, str]:
    reps: dict[str, Counter] = defaultdict(Counter)
    calls = utterances.drop_duplicates("call_id")
    for deal_id, rep in zip(calls["deal_id"], calls["rep"], strict=True):
        if isinstance(deal_id, str) and rep:
            reps[deal_id][rep] += 1
    return {d: c.most_common(1)[0][0] for d, c in reps.items()}


def deal_sets(frame: pd.DataFrame, key: str, deals: Mapping[str, Deal]) -> dict[str, set[str]]:
    """item -> the deals whose customer said it in a call before the decision (see `pre_decision`);
    items said only after a close are kept, with no deals."""
    out: dict[str, set[str]] = defaultdict(set)
    counts = frame["pre_decision"] if "pre_decision" in frame else pd.Series(True, index=frame.index)
    for item, deal_id, ok in zip(frame[key], frame["deal_id"], counts, strict=True):
        if ok and isinstance(deal_id, str) and deal_id in deals:
            out[str(item)].add(deal_id)
        else:
            out.setdefault(str(item), set())
    return dict(out)




def pre_decision(frame: pd.DataFrame, deals: Mapping[str, Deal], settings: Settings) -> pd.Series:
    """Whether each row's call may enter win/loss statistics.

    A call counts when it started on or before its deal's ``closed_at`` (a close date
    without a time of day covers that whole day): kick-off and onboarding calls exist only
    in won deals and would make their talk look like winning talk. With
    ``decision_window_days`` only calls in the first N days after ``created_at`` count.
    Calls of open deals, and calls or deals without dates, count.
    """
    if not len(frame):
        return pd.Series([], dtype=bool)
    started = pd.to_datetime(frame["started_at"], utc=True, errors="coerce", format="ISO8601")
    ok = pd.Series(True, index=frame.index)
    cutoffs = {d: _decision_cutoff(deal, settings.decision_window_days) for d, deal in deals.items()}
    cutoff = pd.to_datetime(frame["deal_id"].map(cutoffs), utc=True)
    return ok & ~(started.notna() & cutoff.notna() & (started > cutoff))


def _decision_cutoff(deal: Deal, window_days: int | None) -> datetime | None:
    cut = None
    if deal.closed_at is not None and deal.outcome in ("won", "lost"):
        cut = _aware(deal.closed_at)
        if (cut.hour, cut.minute, cut.second, cut.microsecond) == (0, 0, 0, 0):
            cut = cut + timedelta(days=1) - timedelta(microseconds=1)  # a date: the whole day
    if window_days and deal.created_at is not None:
        limit = _aware(deal.created_at) + timedelta(days=window_days)
        cut = limit if cut is None else min(cut, limit)
    return cut


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


MIN_STRATUM = 6  # closed deals per rep x volume stratum, on average, before volume bands are used


def deal_strata(cust: pd.DataFrame, deals: Mapping[str, Deal], deal_reps: Mapping[str, str],
                bands: int, test: str = "cmh"
                ) -> tuple[dict[str, str], dict[str, tuple[float, ...]], dict[str, str]]:
    """How each closed deal's rep and customer talk volume enter the tests, and a sentence on it.

    A deal with twice the customer words has about twice the chances to contain any item,
    and a rep's win rate is not the customer's words. ``test="cmh"`` (default):
    Cochran-Mantel-Haenszel within rep x ``bands`` quantile bands of customer words before
    the decision; ``"score"``: a logistic score test adjusted for rep (indicators) and log
    customer words (continuous; anti-conservative when the winning themes themselves add
    the words, see BENCHMARKS.md); ``"none"``: Fisher's exact test, unadjusted.
    Returns (strata, covariates, method); the unused one is empty.
    """
    if test not in ("score", "cmh", "none"):
        raise InputError(f"confounder_test must be 'score', 'cmh' or 'none', got {test!r}.")
    closed = [d for d, deal in deals.items() if deal.outcome in ("won", "lost")]
    if not closed:
        return {}, {}, {"confounders": "no closed deals"}
    used = cust[cust["pre_decision"]] if len(cust) else cust
    words = (used["text"].str.split().str.len().groupby(used["deal_id"]).sum()
             if len(used) else pd.Series(dtype=float))
    w = pd.Series({d: float(words.get(d, 0.0)) for d in closed})
    reps = {d: deal_reps.get(d, "") for d in closed}
    # deals whose calls name no rep (calls.csv without `rep`, folder mode) are one group of
    # their own, not lumped with a named rep
    rep_names = sorted(set(reps.values()))
    n_reps = len(rep_names)
    reps_text = _reps_text(rep_names)
    if test == "none":
        return {}, {}, {"confounders": "Fisher's exact test, not adjusted for rep or talk volume"}
    if test == "score":
        logw = np.log1p(w.to_numpy())
        logw = (logw - logw.mean()) / (logw.std() or 1.0)
        covariates = {d: tuple(float(reps[d] == r) for r in rep_names[1:]) + (float(x),)
                      for d, x in zip(closed, logw.tolist(), strict=True)}
        rep_text = f"rep ({reps_text}, as strata) and " if n_reps > 1 else ""
        return {}, covariates, {"confounders": (
            "logistic score test adjusted for " + rep_text + "the customer's words before the decision "
            "(log scale): an item counts only beyond what rep and talk volume already explain")}
    band = pd.Series(0, index=w.index)
    # strata averaging fewer than MIN_STRATUM closed deals lose the information they should
    # protect: fewer volume bands on small corpora (rep strata always stay)
    bands = min(bands, max(1, len(closed) // (max(1, n_reps) * MIN_STRATUM)))
    if bands > 1 and w.nunique() > 1:
        band = pd.qcut(w.rank(method="first"), q=min(bands, len(w)), labels=False).astype(int)
    strata = {d: f"{reps[d] if n_reps > 1 else ''}|{band[d]}" for d in closed}
    parts = [f"rep ({reps_text})"] if n_reps > 1 else []
    if band.nunique() > 1:
        parts.append(f"customer talk volume ({band.nunique()} bands of customer words)")
    n_strata = len(set(strata.values()))
    if n_strata > 1:
        text = ("Cochran-Mantel-Haenszel test within " + " x ".join(parts)
                + f": {n_strata} strata; deals are compared only with deals of the same rep and talk volume")
    else:
        text = "Fisher's exact test (one rep, no talk-volume bands)"
    return (strata if n_strata > 1 else {}), {}, {"confounders": text}


def _reps_text(rep_names: Sequence[str]) -> str:
    named = sum(1 for r in rep_names if r)
    text = f"{named} rep" + ("" if named == 1 else "s")
    return text + (" and deals without a rep" if "" in rep_names else "")


def _window_text(cust: pd.DataFrame, settings: Settings) -> str:
    after = int((~cust["pre_decision"]).sum()) if len(cust) else 0
    calls = cust.loc[~cust["pre_decision"], "call_id"].nunique() if len(cust) else 0
    text = "calls started on or before the deal's close date"
    if settings.decision_window_days:
        text += f" and within {settings.decision_window_days} days of its creation"
    return text + f"; {calls} later call(s) ({after} customer sentences) are shown but not counted"
