"""Ingest stage: read and validate calls.csv and deals.csv.

Whole-file problems (missing file or required column, empty manifest) raise
:class:`InputError`; row problems become per-call ``failed`` statuses so one bad
row never sinks a run. Only ``call_id`` and a ``recording`` or ``transcript`` are
required: a call without ``started_at`` is dated by its file's modification time, and
the run says so (``Manifest.warnings``).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from callinsight.contracts import ROLES, Call, CallStatus, Deal, InputError, Outcome, Role
from callinsight.util.markup import without_markup

# Columns an input CSV must have (the published `deals` table is declared in contracts).
# calls.csv also needs a ``recording`` or a ``transcript`` column (either will do).
REQUIRED_CALL_COLUMNS = ("call_id",)
MEDIA_COLUMNS = ("recording", "transcript")
REQUIRED_DEAL_COLUMNS = ("deal_id", "stage")

# Optional CRM columns the lead hand-off reads (stages/analyse/handoff.py). Headers are matched
# lower-cased, with runs of other characters as "_" and a Salesforce custom-field "__c" dropped:
# Salesforce "Lead Source" / LeadSource, HubSpot "Original Source" / "Original Source Type".
LEAD_SOURCE_COLUMNS = ("lead_source", "leadsource", "original_source", "original_source_type",
                       "hs_analytics_source")
# Why a closed deal was won or lost: a loss-reason column speaks for lost deals only, a
# won-reason column for won deals only, a generic reason column for both.
LOST_REASON_COLUMNS = ("closed_lost_reason", "loss_reason", "lost_reason", "reason_lost")
WON_REASON_COLUMNS = ("closed_won_reason", "won_reason", "win_reason", "reason_won")
REASON_COLUMNS = ("reason", "outcome_reason", "win_loss_reason", "close_reason", "closed_reason")

_WON = {"closed_won", "closedwon", "closed won", "won"}
_LOST = {"closed_lost", "closedlost", "closed lost", "lost"}


def normalize_stage(stage: str) -> Outcome:
    """Map CRM stage spellings to won / lost / open (anything unknown is open)."""
    key = " ".join(stage.strip().lower().replace("-", " ").split())
    if key in _WON or key.replace(" ", "_") in _WON:
        return "won"
    if key in _LOST or key.replace(" ", "_") in _LOST:
        return "lost"
    return "open"


def parse_datetime(value: str) -> datetime:
    """Parse an ISO 8601 date or datetime (a trailing Z is accepted)."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return datetime.fromisoformat(text)


@dataclass
class Manifest:
    """Validated calls with the statuses of rows that could not be used."""

    calls: list[Call]
    statuses: list[CallStatus] = field(default_factory=list)
    root: Path = Path(".")
    warnings: list[str] = field(default_factory=list)  # e.g. dates taken from files


@dataclass(frozen=True)
class CrmDeal(Deal):
    """A deal with the optional CRM columns of deals.csv that the lead hand-off reads.

    ``lead_source``: None when deals.csv has no lead-source column, "" when this deal's cell is
    empty. ``outcome_reason``: the reason recorded for this deal's outcome; None when no reason
    column speaks for it (an open deal, a won deal beside a loss-reason column), "" when one
    does and the cell is empty. ``reason_columns``: the reason columns deals.csv has.
    """

    lead_source: str | None = None
    outcome_reason: str | None = None
    reason_columns: tuple[str, ...] = ()


def _column_key(name: str) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")
    return re.sub(r"_+c$", "", key) if name.strip().endswith("__c") else key


def _find_column(header: list[str], spellings: tuple[str, ...]) -> str | None:
    """The first header cell (in the order of ``spellings``) that is one of ``spellings``."""
    keys = {_column_key(h): h for h in reversed(header)}
    return next((keys[s] for s in spellings if s in keys), None)


def lead_source_value(text: str) -> str:
    """A lead source as people write it: "PAID_SEARCH" (an API enum) reads "Paid search"."""
    text = " ".join(text.split())
    if len(text) > 3 and re.fullmatch(r"[A-Z0-9_ ]+", text) and not text.isdigit():
        text = text.replace("_", " ").strip().capitalize()
    return text


@dataclass
class DealTable:
    deals: dict[str, Deal]
    warnings: list[str] = field(default_factory=list)


def _read_csv(path: Path, required: tuple[str, ...], what: str) -> tuple[list[dict[str, str]], list[str]]:
    """The rows (cells stripped, markup removed) and the header of a CSV file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{what} file {path} does not exist. Pass the right path.")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text (byte {exc.start}); re-export it as UTF-8 CSV.") from exc
    try:
        return _parse_csv(path, text, required)
    except csv.Error as exc:  # e.g. a lone carriage return inside an unquoted field
        raise InputError(f"{path} is not a readable CSV file: {exc}. Re-export it as CSV.") from exc


def _parse_csv(path: Path, text: str, required: tuple[str, ...]) -> tuple[list[dict[str, str]], list[str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None:
        raise InputError(f"{path} is empty: expected a header row with {', '.join(required)}.")
    header = [(h or "").strip() for h in reader.fieldnames]
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(
            f"{path} is missing required column(s) {', '.join(missing)}; found {', '.join(header)}."
        )
    rows = []
    for raw_row in reader:
        rows.append({(k or "").strip(): without_markup((v or "").strip())
                     for k, v in raw_row.items() if k is not None})
    return rows, header


def _resolve(root: Path, value: str, allowed: tuple[Path, ...]) -> Path:
    """Resolve a manifest path; it must stay inside the manifest folder or an allowed root."""
    candidate = Path(value)
    full = (candidate if candidate.is_absolute() else root / candidate).resolve()
    roots = (root.resolve(), *(a.resolve() for a in allowed))
    if not any(full == r or r in full.parents for r in roots):
        allowed_text = ", ".join(map(str, roots))
        raise ValueError(f"path {value!r} points outside {root} (allowed roots: {allowed_text})")
    return full


def parse_channels(value: str) -> tuple[Role, ...]:
    roles = tuple(p.strip().lower() for p in value.split(",") if p.strip())
    if len(roles) != 2 or any(r not in ROLES for r in roles):
        raise ValueError(
            f"channels must be two roles from {', '.join(ROLES)} like 'rep,customer', got {value!r}"
        )
    return roles  # type: ignore[return-value]


def parse_speakers(value: str) -> tuple[tuple[str, Role], ...]:
    """``"A=rep;B=customer"`` -> ``(("A", "rep"), ("B", "customer"))`` (roles case-insensitive).

    Transcripts and diarized audio name their speakers with anonymous labels; this cell
    says which label is which party for one call. Pairs are separated by ``;`` (or ``,``).
    """
    expected = (f"speakers must be label=role pairs separated by ';' like 'A=rep;B=customer' "
                f"(roles: {', '.join(ROLES)}), got {value!r}")
    pairs: list[tuple[str, Role]] = []
    for item in value.replace(",", ";").split(";"):
        if not item.strip():
            continue
        label, sep, role = (part.strip() for part in item.partition("="))
        role = role.lower()
        if not sep or not label or role not in ROLES:
            raise ValueError(expected)
        if any(label == seen for seen, _ in pairs):
            raise ValueError(f"{expected} (label {label!r} appears twice)")
        pairs.append((label, role))  # type: ignore[arg-type]
    if not pairs:
        raise ValueError(expected)
    return tuple(pairs)


def _started_at(value: str) -> datetime:
    try:
        return parse_datetime(value)
    except ValueError as exc:  # Python's message quotes the value but not the column
        raise ValueError(f"started_at: {exc}") from exc


def file_time(*paths: Path | None) -> datetime | None:
    """Modification time (UTC, whole seconds) of the first of ``paths`` that can be read."""
    for path in paths:
        if path is None:
            continue
        try:
            stamp = path.stat().st_mtime
        except (OSError, ValueError):  # missing, unreadable, or not a valid path at all
            continue
        return datetime.fromtimestamp(stamp, UTC).replace(microsecond=0)
    return None


def file_date_warning(dated: Iterable[tuple[str, datetime]]) -> list[str]:
    """The run's warning for calls dated by their file's modification time (none if none).

    That time is when the file was last copied or saved, not always when the call took
    place, and a call dated after its deal closed is left out of the win/loss statistics.
    """
    dated = list(dated)
    if not dated:
        return []
    call_id, when = dated[0]
    n = len(dated)
    calls = "1 call has" if n == 1 else f"{n} calls have"
    return [f"{calls} no started_at; used the file's modification time (e.g. call {call_id}: "
            f"{when.isoformat()}). A copied file's time can be later than the call: calls dated after "
            "their deal closed are left out of the win/loss statistics; give started_at to be exact."]


def load_calls(path: str | Path, *, allowed_roots: tuple[Path, ...] = (),
               skip: tuple[Path, ...] = ()) -> Manifest:
    """calls.csv, or (a folder) the calls found in it: see :mod:`callinsight.sources.folder`.

    ``skip``: folders a folder scan leaves out (the run's output folder).
    """
    path = Path(path)
    if path.is_dir():
        from callinsight.sources.folder import scan_folder  # it builds on this module

        return scan_folder(path, allowed_roots=allowed_roots, skip=skip)
    return read_calls(path, allowed_roots=allowed_roots)


def read_calls(path: str | Path, *, allowed_roots: tuple[Path, ...] = ()) -> Manifest:
    """Read calls.csv; bad rows become ``failed`` statuses naming the row and the problem."""
    path = Path(path)
    rows, header = _read_csv(path, REQUIRED_CALL_COLUMNS, "Calls manifest")
    if not any(c in header for c in MEDIA_COLUMNS):
        raise InputError(f"{path} needs a 'recording' or 'transcript' column (audio or transcript path); "
                         f"found {', '.join(header)}.")
    if not rows:
        raise InputError(f"{path} has a header but no calls. Add one row per call.")
    root = path.parent
    calls: list[Call] = []
    statuses: list[CallStatus] = []
    seen: set[str] = set()
    dated: list[tuple[str, datetime]] = []
    for i, row in enumerate(rows, start=1):
        call_id = row.get("call_id", "")
        label = call_id or f"row-{i}"
        try:
            if not call_id:
                raise ValueError("call_id is empty")
            if call_id in seen:
                raise ValueError(f"duplicate call_id {call_id!r} (first row kept)")
            seen.add(call_id)
            started = _started_at(row["started_at"]) if row.get("started_at") else None
            recording = _resolve(root, row["recording"], allowed_roots) if row.get("recording") else None
            transcript = _resolve(root, row["transcript"], allowed_roots) if row.get("transcript") else None
            if recording is None and transcript is None:
                raise ValueError("neither recording nor transcript is given")
            channels = parse_channels(row["channels"]) if row.get("channels") else None
            speakers = parse_speakers(row["speakers"]) if row.get("speakers") else None
        except ValueError as exc:
            statuses.append(CallStatus(label, "failed", f"{path.name} row {i}: {exc}"))
            continue
        if started is None and (started := file_time(recording, transcript)) is not None:
            dated.append((call_id, started))
        calls.append(Call(call_id=call_id, rep=row.get("rep", ""), deal_id=row.get("deal_id") or None,
                          started_at=started, recording=recording, transcript=transcript,
                          channels=channels, speakers=speakers, row=i))
    return Manifest(calls=calls, statuses=statuses, root=root, warnings=file_date_warning(dated))


def read_deals(path: str | Path) -> DealTable:
    """Read deals.csv. Bad rows are skipped with a warning; duplicate deal rows: the last wins."""
    path = Path(path)
    rows, header = _read_csv(path, REQUIRED_DEAL_COLUMNS, "Deals")
    source_col = _find_column(header, LEAD_SOURCE_COLUMNS)
    reason_cols = {kind: _find_column(header, spellings) for kind, spellings in (
        ("lost", LOST_REASON_COLUMNS), ("won", WON_REASON_COLUMNS), ("any", REASON_COLUMNS))}
    found = tuple(c for c in reason_cols.values() if c)
    deals: dict[str, Deal] = {}
    warnings: list[str] = []
    for i, row in enumerate(rows, start=1):
        deal_id = row.get("deal_id", "")
        try:
            if not deal_id:
                raise ValueError("deal_id is empty")
            amount_text = row.get("amount", "").replace(",", "").replace("$", "")
            amount = float(amount_text) if amount_text else 0.0
            if math.isnan(amount) or math.isinf(amount) or amount < 0:
                raise ValueError(f"amount {row.get('amount')!r} must be a non-negative number")
            created = parse_datetime(row["created_at"]) if row.get("created_at") else None
            closed = parse_datetime(row["closed_at"]) if row.get("closed_at") else None
        except ValueError as exc:
            warnings.append(f"{path.name} row {i}: skipped ({exc})")
            continue
        if deal_id in deals:
            warnings.append(f"{path.name} row {i}: duplicate deal {deal_id!r}, the later row wins")
        outcome = normalize_stage(row.get("stage", ""))
        reason_col = (reason_cols.get(outcome) or reason_cols["any"]) if outcome != "open" else None
        deals[deal_id] = CrmDeal(
            deal_id=deal_id,
            outcome=outcome,
            amount=amount,
            created_at=created,
            closed_at=closed,
            stage=row.get("stage", ""),
            lead_source=lead_source_value(row.get(source_col, "")) if source_col else None,
            outcome_reason=row.get(reason_col, "") if reason_col else None,
            reason_columns=found,
        )
    return DealTable(deals=deals, warnings=warnings)


def note_unknown_deals(
    statuses: list[CallStatus], calls: list[Call], deals: DealTable | None
) -> list[CallStatus]:
    """Say, on each ok call whose deal is not in deals.csv, that it stays out of the statistics."""
    if deals is None:
        return statuses
    deal_of = {c.call_id: c.deal_id for c in calls}
    out = []
    for s in statuses:
        deal_id = deal_of.get(s.call_id)
        if s.status == "ok" and deal_id and deal_id not in deals.deals and not s.reason:
            s = CallStatus(s.call_id, "ok", f"deal {deal_id} is not in deals.csv: not in win/loss statistics")
        out.append(s)
    return out
