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
