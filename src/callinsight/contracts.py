"""Plain dataclasses shared by every stage: the project's data contract in code."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from callinsight.util.markup import without_markup

Role = Literal["rep", "customer", "unknown"]
Outcome = Literal["won", "lost", "open"]
ROLES: tuple[Role, ...] = ("rep", "customer", "unknown")


class InputError(ValueError):
    """A problem with user input: names the file (and row) and says what to do next."""


@dataclass(frozen=True)
class Segment:
    """One stretch of speech by one party, times in seconds from the call's start."""

    start: float
    end: float
    speaker: Role
    text: str
    confidence: float | None = None  # Whisper avg log-prob; None for imported transcripts
    channel: int | None = None
    # an anonymous speaker label ("A", "SPEAKER_00", "spk_1", a diarized voice "S0") while its
    # role is still "unknown": stages/speakers assigns the roles, then the label is kept for display
    label: str | None = None


@dataclass(frozen=True)
class Call:
    """One row of calls.csv, validated, with paths resolved."""

    call_id: str
    rep: str = ""
    deal_id: str | None = None
    started_at: datetime | None = None
    recording: Path | None = None
    transcript: Path | None = None
    channels: tuple[Role, ...] | None = None  # per-call override of channel roles
    # per-call override of speaker-label roles (calls.csv `speakers`, e.g. "A=rep;B=customer")
    speakers: tuple[tuple[str, Role], ...] | None = None
    row: int = 0  # 1-based data row in calls.csv, for error messages


@dataclass(frozen=True)
class Deal:
    """One row of deals.csv with the stage normalised to won / lost / open."""

    deal_id: str
    outcome: Outcome
    amount: float = 0.0
    created_at: datetime | None = None
    closed_at: datetime | None = None
    stage: str = ""


@dataclass(frozen=True)
class CallStatus:
    """A line of calls_status.csv."""

    call_id: str
    status: Literal["ok", "failed", "skipped"]
    reason: str = ""

    def __post_init__(self) -> None:  # reasons may quote input text: never let markup through
        object.__setattr__(self, "reason", without_markup(self.reason))


@dataclass
class Transcript:
    """A call's conversation, segments ordered by start time."""

    call_id: str
    segments: list[Segment]
    source: str  # "whisper:<model>" or "import:<format>"
    options: dict = field(default_factory=dict)
    duration: float | None = None
    redactions: int = 0


# --- table schemas: every table's columns and types, declared once ---------------------
# Writers (CSV and store), the store's DDL, the report, the web app and ``forget`` all read
# these. Output tables only ever gain columns at the end.

ColumnType = Literal["text", "int", "float", "bool", "blob"]
_SQL_TYPES = {"text": "TEXT", "int": "INTEGER", "float": "REAL", "bool": "INTEGER", "blob": "BLOB"}


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType = "text"
    required: bool = False  # NOT NULL in the store


@dataclass(frozen=True)
class TableSchema:
    """One table: its columns in order, where it lives, and what it is for."""

    name: str
    columns: tuple[Column, ...]
    description: str = ""
    csv: bool = False  # also written as OUT/<name>.csv
    primary_key: tuple[str, ...] = ()
    kind: Literal["store", "output"] = "output"  # store: the flow's state; output: replaced each run

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def per_call(self) -> bool:
        """Rows belong to one call (``forget`` deletes them)."""
        return "call_id" in self.names

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def ddl(self) -> str:
        parts = [f'"{c.name}" {_SQL_TYPES[c.type]}' + (" NOT NULL" if c.required else "")
                 for c in self.columns]
        if self.primary_key:
            parts.append("PRIMARY KEY (" + ", ".join(f'"{k}"' for k in self.primary_key) + ")")
        return f'CREATE TABLE IF NOT EXISTS "{self.name}" (\n    ' + ",\n    ".join(parts) + "\n)"

    def conform(self, frame):
        """``frame`` with exactly this table's columns, in order (missing ones empty).

        Integer and boolean columns keep pandas' nullable dtypes when values are missing;
        nothing is silently dropped except columns the schema does not declare.
        """
        import numpy as np

        out = frame.copy()
        for c in self.columns:
            if c.name not in out.columns:
                out[c.name] = np.nan if c.type in ("int", "float") else None
        return out[self.names].reset_index(drop=True)


def _cols(spec: str) -> tuple[Column, ...]:
    """``"a:int b c:float"`` -> columns (type text by default; ``!`` marks NOT NULL)."""
    out = []
    for item in spec.split():
        name, _, typ = item.partition(":")
        required = typ.endswith("!") or name.endswith("!")
        out.append(Column(name.rstrip("!"), (typ.rstrip("!") or "text"), required))  # type: ignore[arg-type]
    return tuple(out)


STORE_TABLES: dict[str, TableSchema] = {t.name: t for t in (
    TableSchema("transcript_cache", _cols(
        "cache_key source! options! duration:float redactions:int! segments! created_at!"),
        "transcripts by input key (content hash + model + options): a rerun never re-transcribes",
        primary_key=("cache_key",), kind="store"),
    TableSchema("calls", _cols(
        "call_id deal_id rep started_at recording transcript cache_key source duration:float "
        "redactions:int! mono:int! extract_key updated_at!"),
        "each call's manifest fields and its current transcript", primary_key=("call_id",), kind="store"),
    TableSchema("segments", _cols(
        "call_id! idx:int! start:float! end:float! speaker! text! confidence:float channel:int"),
        "the current transcript's segments", primary_key=("call_id", "idx"), kind="store"),
    TableSchema("utterances", _cols(
        "call_id! idx:int! segment_idx:int! speaker! start:float! end:float! text! phrases! "
        "objection objection_score:float embedding:blob"),
        "sentences with phrases, objection and embedding", primary_key=("call_id", "idx"), kind="store"),
    TableSchema("call_failures", _cols("call_id input_key! reason! updated_at!"),
                "why a call failed, under the input it failed on", primary_key=("call_id",), kind="store"),
    TableSchema("theme_history", _cols("run_id! theme_id! label! n_quotes:int! centroid:blob!"),
                "each run's theme centroids: stable theme ids", primary_key=("run_id", "theme_id"),
                kind="store"),
    TableSchema("runs", _cols("run_id started_at! finished_at summary"),
                "run summaries, the effective settings included", primary_key=("run_id",), kind="store"),
    TableSchema("vector_cache", _cols("cache_key dim:int! vectors:blob! created_at!"),
                "embedded configuration examples", primary_key=("cache_key",), kind="store"),
    TableSchema("sentence_themes", _cols("call_id! idx:int! theme_id! run_id!"),
                "the theme of each customer sentence (utterance) in the last run",
                primary_key=("call_id", "idx"), kind="store"),
)}

OUTPUT_TABLES: dict[str, TableSchema] = {t.name: t for t in (
    TableSchema("calls_status", _cols("call_id status reason"), "ok / failed / skipped per call", csv=True),
    TableSchema("deals", _cols("deal_id outcome stage amount:float created_at closed_at"),
                "the CRM deals of the run, stage normalised"),
    TableSchema("phrases", _cols(
        "phrase mentions:int deals:int deals_won:int deals_lost:int win_rate:float lift:float z:float "
        "p_value:float q_value:float direction ci_low:float ci_high:float amount_won:float "
        "amount_lost:float single_rep:bool top_rep tested:bool log_odds:float verdict test members"),
        "customer phrases against deal outcomes", csv=True),
    TableSchema("themes", _cols(
        "theme_id label n_quotes:int n_deals:int deals_won:int deals_lost:int win_rate:float "
        "baseline_win_rate:float lift:float p_value:float q_value:float direction amount_won:float "
        "amount_lost:float top_phrases ci_low:float ci_high:float trend single_rep:bool top_rep "
        "tested:bool n_calls:int previous_n_quotes:int small_talk:bool level parent_id act "
        "stability:float stable:bool verdict log_odds:float test curated"),
        "themes against deal outcomes", csv=True),
    TableSchema("quotes", _cols(
        "theme_id call_id deal_id speaker start:float end:float text representative:bool"),
        "every customer sentence assigned to a theme", csv=True),
    TableSchema("objections", _cols(
        "call_id deal_id speaker start:float end:float text category score:float"),
        "customer sentences that are objections", csv=True),
    TableSchema("objection_stats", _cols(
        "item mentions:int deals:int deals_won:int deals_lost:int win_rate:float ci_low:float "
        "ci_high:float lift:float z:float p_value:float q_value:float direction amount_won:float "
        "amount_lost:float single_rep:bool tested:bool log_odds:float verdict test"),
        "objection categories against deal outcomes"),
    TableSchema("conversation_metrics", _cols(
        "metric n_won:int n_lost:int mean_won:float mean_lost:float median_won:float "
        "median_lost:float p_value:float"),
        "per-deal conversation metrics, won against lost"),
    TableSchema("call_metrics", _cols(
        "call_id deal_id rep_talk_ratio:float longest_customer_monologue:float rep_questions:float"),
        "conversation metrics per call"),
    TableSchema("handoff", _cols(
        "deal_id created_at first_call_at hours_to_first_call:float within_sla:bool outcome "
        "amount:float lead_source calls:int note"),
        "per deal: hours from created_at to the first call, the SLA, outcome and lead source",
        csv=True),
)}


def register_output_table(schema: TableSchema) -> TableSchema:
    """Declare a new output table (an analysis added through the registry does this)."""
    if schema.name in STORE_TABLES:
        raise ValueError(f"output table {schema.name!r} would replace a store table")
    OUTPUT_TABLES[schema.name] = schema
    return schema


def catalog() -> dict[str, TableSchema]:
    """Every table ``insights.db`` can hold, store tables first."""
    return {**STORE_TABLES, **OUTPUT_TABLES}
