"""The lead hand-off in revenue terms: speed to first call, lead source and the feedback loop.

Marketing hands a qualified lead over when the deal is created; sales should call it within
``handoff_sla_hours``. Per deal (the ``handoff`` table): hours from ``created_at`` to the
first call (the earliest ``started_at`` of the deal's calls) and whether that met the SLA.
From that table, with the deal as the unit: the share of deals first called within the SLA
(Wilson interval); win rate and amounts won of closed deals called within the SLA against
later (Wilson intervals, Fisher's exact test, "insufficient evidence" below
``min_closed_deals`` closed deals or 3 won or lost); per lead source the pipeline created
(amounts of all its deals), amounts won and win rate; the themes and objections whose share
of deals differs by source; and what the sales manager should chase (deals never called,
closed deals without an outcome reason).

Edge cases: each is named in the deal's ``note``, counted, and kept out of the speed figures.
- no call: ``hours_to_first_call`` and ``within_sla`` empty; the deal is listed.
- first call before ``created_at``: the negative hours stay in the table as they are (not
  clamped to 0: a call before the hand-off is no fast hand-off), ``within_sla`` empty.
- no ``created_at``, or a call of the deal without a date (then the first call is unknown).
Times without a zone are UTC, as elsewhere in the project (a date alone is its midnight).

Plain functions, no Prefect: ``analyse_handoff(deals, calls, settings)`` from two frames;
``handoff_from_tables(tables, settings)`` from a run's published tables (the report's input).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from callinsight.contracts import OUTPUT_TABLES, Deal
from callinsight.stages.analyse.insights import AnalysisContext, AnalysisOutput
from callinsight.stages.analyse.stats import benjamini_hochberg, fisher_exact_p, wilson_interval

__all__ = ["Handoff", "SpeedGroup", "SourceRow", "SourceDifference", "Item", "analyse_handoff",
           "calls_frame", "deals_frame", "handoff_from_tables", "handoff_output", "handoff_table",
           "independence_p", "memberships_from_tables", "summarise"]

NO_CALL = "no call"
BEFORE = "called before the deal was created"
NO_CREATED = "no created_at"
UNDATED = "a call has no date: first call unknown"
NO_REASON = "no outcome reason recorded"
NO_REASON_COLUMN = "deals.csv has no outcome reason column"
NOT_RECORDED = "(not recorded)"  # the lead-source row of deals without one
# bin edges (hours) of the speed-to-first-call distribution; the SLA is always an edge
EDGES = (0.0, 4.0, 12.0, 24.0, 48.0, 72.0, 168.0, 336.0, np.inf)
MONTE_CARLO_RESAMPLES = 9999


@dataclass
class SpeedGroup:
    """Deals first called within the SLA, or later: all of them, then the closed ones."""

    deals: int
    won: int
    lost: int
    win_rate: float | None
    ci: tuple[float, float] | None
    amount_won: float
    amount_lost: float

    @property
    def closed(self) -> int:
        return self.won + self.lost


@dataclass
class SourceRow:
    source: str
    deals: int
    won: int
    lost: int
    win_rate: float | None
    ci: tuple[float, float] | None
    pipeline: float  # amounts of all the source's deals, open ones included
    amount_won: float
    timed: int  # deals in the speed figures
    within_sla: int
    median_hours: float | None


@dataclass
class Item:
    kind: str  # "theme" or "objection"
    label: str
    deals: set[str]


@dataclass
class SourceDifference:
    """A theme or objection: its share of deals per source and the test across sources."""

    kind: str
    label: str
    deals: int
    shares: dict[str, tuple[int, int]]  # source -> (deals with the item, deals)
    p_value: float | None
    q_value: float | None
    test: str
    verdict: str  # "differs by source", "no difference" or "insufficient evidence"
    top_source: str  # the source with the highest share


@dataclass
class Handoff:
    table: pd.DataFrame
    sla_hours: float
    n_deals: int
    timed: int  # deals in the speed figures (a first call at or after created_at)
    within_sla: int
    sla_share: float | None
    sla_ci: tuple[float, float] | None
    median_hours: float | None
    bins: list[dict[str, Any]]  # lo, hi, deals, won, lost, open, within
    within: SpeedGroup
    later: SpeedGroup
    p_value: float | None  # Fisher's exact test, closed deals within the SLA against later
    verdict: str  # win / loss / no difference / insufficient evidence (win: within wins more)
    excluded: dict[str, list[str]]  # note -> deal ids kept out of the speed figures
    sources: list[SourceRow] = field(default_factory=list)
    source_p: float | None = None  # does the win rate differ across sources
    source_test: str = ""
    source_verdict: str = "insufficient evidence"
    differences: list[SourceDifference] = field(default_factory=list)
    n_items_untested: int = 0
    no_call: list[dict[str, Any]] = field(default_factory=list)
    missing_reason: list[dict[str, Any]] = field(default_factory=list)
    reason_column: bool = True
    min_closed: int = 10
    min_support: int = 5


# --------------------------------------------------------------------------- per deal


def deals_frame(deals: Mapping[str, Deal]) -> pd.DataFrame:
    """deal_id, outcome, amount, created_at, lead_source and, when deals.csv has a reason
    column, outcome_reason and reason_expected (whether a reason column speaks for the deal)."""
    rows = [{"deal_id": d.deal_id, "outcome": d.outcome, "amount": d.amount, "created_at": d.created_at,
             "lead_source": getattr(d, "lead_source", None),
             "outcome_reason": getattr(d, "outcome_reason", None),
             "reason_expected": getattr(d, "outcome_reason", None) is not None} for d in deals.values()]
    frame = pd.DataFrame(rows, columns=["deal_id", "outcome", "amount", "created_at", "lead_source",
                                        "outcome_reason", "reason_expected"])
    if not any(getattr(d, "reason_columns", ()) for d in deals.values()):
        frame = frame.drop(columns=["outcome_reason", "reason_expected"])
    return frame


def calls_frame(utterances: pd.DataFrame) -> pd.DataFrame:
    """One row per call (call_id, deal_id, started_at) of an utterance frame."""
    cols = ["call_id", "deal_id", "started_at"]
    if not len(utterances):
        return pd.DataFrame(columns=cols)
    return utterances.drop_duplicates("call_id")[cols].reset_index(drop=True)


def _utc(values: Any) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype=object), utc=True, errors="coerce", format="ISO8601")


def _text(value: Any) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def handoff_table(deals: pd.DataFrame, calls: pd.DataFrame, sla_hours: float) -> pd.DataFrame:
    """The ``handoff`` table: one row per deal of ``deals`` (see the module's edge cases).

    ``deals``: deal_id, outcome, amount, created_at, optional lead_source, optional
    outcome_reason (present: every closed deal should have one, unless an optional
    reason_expected column says otherwise). ``calls``: call_id, deal_id, started_at.
    """
    created = _utc(deals["created_at"]).tolist()
    by_deal: dict[str, list[tuple[pd.Timestamp, str]]] = defaultdict(list)
    for deal_id, when, raw in zip(calls["deal_id"], _utc(calls["started_at"]), calls["started_at"],
                                  strict=True):
        by_deal[_text(deal_id)].append((when, _text(raw)))
    has_reason = "outcome_reason" in deals
    rows = []
    for i, r in enumerate(deals.to_dict("records")):
        calls_of, c = by_deal.get(_text(r["deal_id"]), []), created[i]
        dated = [x for x in calls_of if not pd.isna(x[0])]
        first = min(dated, key=lambda x: x[0]) if dated else None
        notes, hours = [], None
        if not calls_of:
            notes.append(NO_CALL)
        elif len(dated) < len(calls_of):
            notes.append(UNDATED)
        if pd.isna(c):
            notes.append(NO_CREATED)
        elif first is not None and UNDATED not in notes:
            hours = round((first[0] - c).total_seconds() / 3600, 2)
            if hours < 0:
                notes.append(BEFORE)
        if r["outcome"] in ("won", "lost"):
            if not has_reason:
                notes.append(NO_REASON_COLUMN)
            elif _flag(r.get("reason_expected")) is not False and not _text(r["outcome_reason"]).strip():
                notes.append(NO_REASON)
        rows.append({
            "deal_id": r["deal_id"], "created_at": None if pd.isna(c) else c.isoformat(),
            "first_call_at": first[1] if first else None, "hours_to_first_call": hours,
            "within_sla": None if hours is None or hours < 0 else bool(hours <= sla_hours),
            "outcome": r["outcome"],
            "amount": float(np.nan_to_num(pd.to_numeric(r["amount"], errors="coerce"))),
            "lead_source": _text(r.get("lead_source")).strip() or None,
            "calls": len(calls_of), "note": "; ".join(notes),
        })
    return OUTPUT_TABLES["handoff"].conform(pd.DataFrame(rows, columns=OUTPUT_TABLES["handoff"].names))


def handoff_output(ctx: AnalysisContext) -> AnalysisOutput:
    """The registered ``handoff`` analysis: the table from the run's deals and analysed calls."""
    table = handoff_table(deals_frame(ctx.deals), calls_frame(ctx.utterances),
                          ctx.settings.handoff_sla_hours)
    return AnalysisOutput({"handoff": table})


# --------------------------------------------------------------------------- statistics


def independence_p(table: np.ndarray, seed: int = 0) -> tuple[float | None, str]:
    """p-value that rows (sources) and columns (e.g. with / without an item) are independent.

    Two rows: Fisher's exact test. More: the chi-square test when every expected count is at
    least 5, else Fisher's exact test by Monte Carlo (scipy, seeded: reruns agree).
    """
    table = np.asarray(table, dtype=np.int64)
    table = table[table.sum(axis=1) > 0]
    if table.shape[0] < 2 or (table.sum(axis=0) == 0).any():
        return None, ""
    if table.shape[0] == 2:
        return fisher_exact_p(*(int(x) for x in table.ravel())), "fisher"
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    if expected.min() >= 5:
        return float(sps.chi2_contingency(table, correction=False).pvalue), "chi-square"
    method = sps.MonteCarloMethod(n_resamples=MONTE_CARLO_RESAMPLES, rng=np.random.default_rng(seed))
    return float(sps.fisher_exact(table, method=method).pvalue), "fisher (monte carlo)"


def _rate(won: int, lost: int) -> tuple[float | None, tuple[float, float] | None]:
    n = won + lost
    return (won / n, wilson_interval(won, n)) if n else (None, None)


def _flag(value: Any) -> bool | None:
    """within_sla read back from a frame, the store (1/0) or a CSV ("True"); None if empty."""
    if isinstance(value, str):
        return {"true": True, "1": True, "false": False, "0": False}.get(value.strip().lower())
    return None if value is None or pd.isna(value) else bool(value)


def _group(t: pd.DataFrame) -> SpeedGroup:
    won, lost = t["outcome"] == "won", t["outcome"] == "lost"
    rate, ci = _rate(int(won.sum()), int(lost.sum()))
    return SpeedGroup(len(t), int(won.sum()), int(lost.sum()), rate, ci,
                      float(t.loc[won, "amount"].sum()), float(t.loc[lost, "amount"].sum()))


def _enough(won: int, lost: int, min_closed: int) -> bool:
    return won + lost >= min_closed and min(won, lost) >= 3


def summarise(table: pd.DataFrame, *, sla_hours: float = 48.0, min_closed: int = 10,
              alpha: float = 0.05, min_support: int = 5, seed: int = 0,
              memberships: Mapping[str, Item] | None = None) -> Handoff:
    """Every figure of the report's "Lead hand-off" section from the ``handoff`` table."""
    t = table.copy()
    t["amount"] = pd.to_numeric(t["amount"], errors="coerce").fillna(0.0)
    t["hours_to_first_call"] = pd.to_numeric(t["hours_to_first_call"], errors="coerce")
    t["calls"] = pd.to_numeric(t["calls"], errors="coerce").fillna(0).astype(int)
    t["note"] = t["note"].map(_text)
    notes = t["note"].map(lambda text: set(text.split("; ")))

    def noted(note: str) -> pd.Series:
        return notes.map(lambda found: note in found).astype(bool)

    t["lead_source"] = t["lead_source"].map(lambda v: _text(v).strip())
    within = t["within_sla"].map(_flag)
    timed = t[within.notna()]
    inside = within[within.notna()].astype(bool)
    n_in = int(inside.sum())
    share, sla_ci = _rate(n_in, len(timed) - n_in)
    hours = timed["hours_to_first_call"].to_numpy(dtype=float)
    a, b = _group(timed[inside]), _group(timed[~inside])
    p = fisher_exact_p(a.won, a.lost, b.won, b.lost) if a.closed and b.closed else None
    verdict = "insufficient evidence"
    if p is not None and _enough(a.won + b.won, a.lost + b.lost, min_closed):
        verdict = "no difference"
        if p < alpha and a.win_rate != b.win_rate:
            verdict = "win" if (a.win_rate or 0) > (b.win_rate or 0) else "loss"
    edges = sorted({*EDGES, float(sla_hours)})
    slot = np.searchsorted(np.array(edges[1:]), hours, side="left")
    bins = []
    for k, (lo, hi) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
        sub = timed[slot == k]
        if not len(sub) and hi > max(hours.max() if len(hours) else 0.0, sla_hours):
            break
        bins.append({"lo": lo, "hi": hi, "deals": len(sub), "within": hi <= sla_hours,
                     **{o: int((sub["outcome"] == o).sum()) for o in ("won", "lost", "open")}})
    excluded = {n: t.loc[noted(n), "deal_id"].map(_text).tolist()
                for n in (NO_CALL, BEFORE, NO_CREATED, UNDATED)}
    keep = ["deal_id", "outcome", "amount", "lead_source", "created_at"]
    closed = t["outcome"].isin(["won", "lost"])
    out = Handoff(
        table=table, sla_hours=float(sla_hours), n_deals=len(t), timed=len(timed), within_sla=n_in,
        sla_share=share, sla_ci=sla_ci, median_hours=float(np.median(hours)) if len(hours) else None,
        bins=bins, within=a, later=b, p_value=p, verdict=verdict, excluded=excluded,
        no_call=t.loc[noted(NO_CALL), keep].to_dict("records"),
        missing_reason=t.loc[closed & noted(NO_REASON), keep].to_dict("records"),
        reason_column=not (closed & noted(NO_REASON_COLUMN)).any(),
        min_closed=min_closed, min_support=min_support,
    )
    if (t["lead_source"] != "").any():
        _by_source(out, t, within, min_closed=min_closed, alpha=alpha, min_support=min_support,
                   seed=seed, memberships=memberships or {})
    return out


def _by_source(out: Handoff, t: pd.DataFrame, within: pd.Series, *, min_closed: int, alpha: float,
               min_support: int, seed: int, memberships: Mapping[str, Item]) -> None:
    names = sorted(s for s in t["lead_source"].unique() if s)
    for name in names + ([NOT_RECORDED] if (t["lead_source"] == "").any() else []):
        sub = t[t["lead_source"] == ("" if name == NOT_RECORDED else name)]
        flags = within[sub.index]
        timed = flags.notna()
        won, lost = int((sub["outcome"] == "won").sum()), int((sub["outcome"] == "lost").sum())
        rate, ci = _rate(won, lost)
        hrs = sub.loc[timed, "hours_to_first_call"]
        out.sources.append(SourceRow(
            name, len(sub), won, lost, rate, ci, float(sub["amount"].sum()),
            float(sub.loc[sub["outcome"] == "won", "amount"].sum()), int(timed.sum()),
            int(flags[timed].astype(bool).sum()), float(hrs.median()) if len(hrs) else None))
    rows = [s for s in out.sources if s.source != NOT_RECORDED]
    out.source_p, out.source_test = independence_p(np.array([[s.won, s.lost] for s in rows]), seed)
    if out.source_p is not None and _enough(sum(s.won for s in rows), sum(s.lost for s in rows),
                                            min_closed):
        out.source_verdict = "differs by source" if out.source_p < alpha else "no difference"
    # themes and objections: deals with calls and a recorded source; outcomes do not enter
    pool = t[(t["calls"] > 0) & (t["lead_source"] != "")]
    source_of = dict(zip(pool["deal_id"].map(_text), pool["lead_source"], strict=True))
    sizes = pool["lead_source"].value_counts()
    enough = len(pool) >= min_closed and len(sizes) >= 2
    diffs = []
    for item in memberships.values():
        have = pd.Series([source_of[d] for d in item.deals if d in source_of], dtype=object)
        counts = have.value_counts()
        shares = {s: (int(counts.get(s, 0)), int(n)) for s, n in sizes.items()}
        p, test = None, ""
        if enough and min_support <= len(have) < len(pool):
            p, test = independence_p(np.array([[k, n - k] for k, n in shares.values()]), seed)
        top = max(shares, key=lambda s: (shares[s][0] / shares[s][1], s)) if shares else ""
        diffs.append(SourceDifference(item.kind, item.label, len(have), shares, p, None, test,
                                      "insufficient evidence", top))
    q = benjamini_hochberg([np.nan if d.p_value is None else d.p_value for d in diffs])
    for d, qv in zip(diffs, q.tolist(), strict=True):
        if d.p_value is not None:
            d.q_value = qv
            d.verdict = "differs by source" if qv < alpha else "no difference"
    out.differences = sorted((d for d in diffs if d.p_value is not None),
                             key=lambda d: (d.q_value, -d.deals, d.label))
    out.n_items_untested = sum(d.p_value is None for d in diffs)


# --------------------------------------------------------------------------- entry points


def _setting(settings: Any, name: str, default: Any) -> Any:
    if isinstance(settings, Mapping):
        value = settings.get(name)
        return default if value is None else value
    return getattr(settings, name, default)


def _options(settings: Any) -> dict[str, Any]:
    return {"sla_hours": float(_setting(settings, "handoff_sla_hours", 48.0)),
            "min_closed": int(_setting(settings, "min_closed_deals", 10)),
            "alpha": float(_setting(settings, "alpha", 0.05)),
            "min_support": int(_setting(settings, "min_support", 5)),
            "seed": int(_setting(settings, "seed", 0))}


def analyse_handoff(deals: pd.DataFrame, calls: pd.DataFrame, settings: Any,
                    memberships: Mapping[str, Item] | None = None) -> Handoff:
    """The whole hand-off analysis from a deals frame and a calls frame (see `handoff_table`);
    ``settings``: a Settings or a mapping (handoff_sla_hours, min_closed_deals, alpha,
    min_support, seed)."""
    options = _options(settings)
    table = handoff_table(deals, calls, options["sla_hours"])
    return summarise(table, memberships=memberships, **options)


def memberships_from_tables(quotes: pd.DataFrame | None, themes: pd.DataFrame | None,
                            objections: pd.DataFrame | None) -> dict[str, Item]:
    """Deals per broad content theme (``quotes``; small talk left out) and per objection
    category (``objections``), from the tables the themes and objections analyses publish."""
    items: dict[str, Item] = {}
    if themes is not None and len(themes) and quotes is not None and len(quotes):
        level = themes["level"] if "level" in themes else pd.Series("broad", index=themes.index)
        chat = themes["small_talk"] if "small_talk" in themes else pd.Series(False, index=themes.index)
        chat = chat.map(lambda v: _flag(v) is True).astype(bool)
        keep = themes[level.map(_text).isin(["broad", ""]) & ~chat]
        deals_of = quotes.groupby(quotes["theme_id"].map(_text))["deal_id"].agg(
            lambda s: {_text(d) for d in s if _text(d)})
        for theme_id, label in zip(keep["theme_id"].map(_text), keep["label"].map(_text), strict=True):
            items[f"theme:{theme_id}"] = Item("theme", label or theme_id, set(deals_of.get(theme_id, set())))
    if objections is not None and len(objections):
        for category, group in objections.groupby(objections["category"].map(_text)):
            if category:
                items[f"objection:{category}"] = Item(
                    "objection", category, {_text(d) for d in group["deal_id"] if _text(d)})
    return items


def handoff_from_tables(tables: Mapping[str, pd.DataFrame], settings: Any) -> Handoff | None:
    """The section's figures from a run's published tables and its effective settings; None
    when the run has no ``handoff`` rows (no deals.csv, or the analysis was not run)."""
    table = tables.get("handoff")
    if table is None or not len(table):
        return None
    memberships = memberships_from_tables(tables.get("quotes"), tables.get("themes"),
                                          tables.get("objections"))
    return summarise(table, memberships=memberships, **_options(settings))
