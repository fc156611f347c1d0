"""Analyse stage: from stored utterances and deal outcomes to the published tables.

``build_insights`` prepares one :class:`AnalysisContext` (the windowed corpus, customer
sentences, deals, each deal's rep, statistics options) and runs the analyses named by the
``analyses`` setting from ``callinsight.registry.analyses``. Each analysis returns tables
declared in ``contracts.OUTPUT_TABLES``; adding an analysis is one module that registers a
function and declares its table (see ARCHITECTURE.md).
"""

from __future__ import annotations

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
) -> Insights:
    """Run the configured analyses over the whole (windowed) corpus.

    ``small_talk_vectors``: the small-talk examples already embedded (see
    :func:`callinsight.stages.analyse.smalltalk.example_vectors`); by default they are embedded here.
    """
    import callinsight.stages.analyse.analyses  # noqa: F401  (registers the built-in analyses)

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
    ctx = AnalysisContext(
        customer=cust, utterances=utterances, segments=segments, deals=deals,
        deal_reps=_deal_reps(utterances), settings=settings,
        stats=StatsOptions(min_support=settings.min_support, alpha=settings.alpha,
                           single_rep_share=settings.single_rep_share),
        previous_themes=previous_themes, used_theme_ids=used_theme_ids,
        small_talk_vectors=small_talk_vectors,
    )
    insights = Insights(tables={}, notes=notes)
    for name in settings.analyses:
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
    out: dict[str, set[str]] = defaultdict(set)
    for item, deal_id in zip(frame[key], frame["deal_id"], strict=True):
        if isinstance(deal_id, str) and deal_id in deals:
            out[str(item)].add(deal_id)
        else:
            out.setdefault(str(item), set())
    return dict(out)


