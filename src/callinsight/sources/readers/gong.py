"""Gong reader: Gong's transcript API JSON, with roles from the call's parties.

Gong transcripts name speakers only by ``speakerId``; who is rep or customer comes from
parties lists (in the file, per call, in a sibling ``<stem>.parties.json``, or passed in).
A file holding several calls needs ``call_id``: silently taking the first would mix calls.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from callinsight.contracts import Role, Segment
from callinsight.sources.readers.base import ReadContext, TranscriptError, read_text, register_reader
from callinsight.sources.readers.json_fields import entry_text, entry_times, load_json
from callinsight.sources.readers.roles import is_rep_name, norm_name, role_value


def _sniff_gong(text: str) -> bool:
    if "callTranscripts" not in text:
        return False
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return False
    return isinstance(data, dict) and "callTranscripts" in data


def _speaker_id(value: Any, ctx: ReadContext, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ctx.error(f"'speakerId' must be a string, got {value!r:.40}.", where=where)
    return str(value)


def _party_roles(parties: Any, ctx: ReadContext, where: str, path: Path | None = None
                 ) -> dict[str, Role]:
    """speakerId -> role from a Gong parties list or a {speakerId: role} mapping."""
    src = path or ctx.path
    if isinstance(parties, dict) and isinstance(parties.get("parties"), list):
        parties = parties["parties"]
    roles: dict[str, Role] = {}
    if isinstance(parties, dict):
        for key, value in parties.items():
            role = role_value(value.get("affiliation") if isinstance(value, dict) else value)
            if role is None:
                raise TranscriptError(
                    f"{where}: speaker {key!r} has role {value!r:.40}; use rep, customer or "
                    "unknown (or Internal / External / Unknown).",
                    path=src,
                )
            roles[str(key)] = role
        return roles
    if not isinstance(parties, list):
        raise TranscriptError(
            f"{where} must be a list of parties ({{speakerId, affiliation, name}}) or a "
            "{speakerId: role} mapping.",
            path=src,
        )
    for i, party in enumerate(parties):
        if not isinstance(party, dict):
            raise TranscriptError(f"{where}[{i}] must be an object.", path=src)
        sid = party.get("speakerId")
        if sid is None or isinstance(sid, bool) or not isinstance(sid, str | int):
            continue  # invited but silent parties have no speakerId
        role = role_value(party.get("affiliation"))
        if role in (None, "unknown"):
            name = party.get("name")
            role = "rep" if isinstance(name, str) and name.strip() and is_rep_name(
                norm_name(name), ctx.rep_names) else "unknown"
        roles[str(sid)] = role
    return roles


def _pick_call(calls: list[Any], ctx: ReadContext) -> tuple[int, dict[str, Any]]:
    ids = []
    for i, call in enumerate(calls):
        if not isinstance(call, dict):
            raise ctx.error("each entry must be an object.", where=f"callTranscripts[{i}]")
        ids.append(str(call.get("callId", "")))
    if ctx.call_id is not None:
        for i, call_id in enumerate(ids):
            if call_id == ctx.call_id:
                return i, calls[i]
        raise ctx.error(
            f"has no call with callId {ctx.call_id!r}; it holds {', '.join(map(repr, ids))}."
        )
    if len(calls) != 1:
        raise ctx.error(
            f"holds {len(calls)} calls ({', '.join(map(repr, ids[:10]))}); pass call_id to "
            "pick one, or export one call per file."
        )
    return 0, calls[0]


@register_reader("gong", suffixes=(".json",), sniff=_sniff_gong)
def read_gong(text: str, ctx: ReadContext) -> list[Segment]:
    """Gong ``/v2/calls/transcript`` JSON; roles from parties affiliation (see module doc)."""
    data = load_json(text, ctx)
    if not isinstance(data, dict) or not isinstance(data.get("callTranscripts"), list):
        raise ctx.error("expected a Gong transcript: an object with a 'callTranscripts' list.")
    calls = data["callTranscripts"]
    if not calls:
        raise ctx.error("'callTranscripts' is empty; the export holds no call.")
    index, call = _pick_call(calls, ctx)
    base = f"callTranscripts[{index}]"

    roles: dict[str, Role] = {}
    sibling = ctx.path.with_name(ctx.path.stem + ".parties.json")
    if ctx.path.name != "<string>" and sibling.is_file():
        sib_text = read_text(sibling)
        sib_data = load_json(sib_text, ctx, path=sibling)
        if isinstance(sib_data, dict) and isinstance(sib_data.get("calls"), list):
            sib_data = _parties_from_extensive(sib_data["calls"], call, ctx, sibling)
        roles.update(_party_roles(sib_data, ctx, "parties", path=sibling))
    if isinstance(data.get("calls"), list):
        roles.update(_party_roles(_parties_from_extensive(data["calls"], call, ctx, ctx.path),
                                  ctx, "calls[].parties"))
    if "parties" in data:
        roles.update(_party_roles(data["parties"], ctx, "parties"))
    if "parties" in call:
        roles.update(_party_roles(call["parties"], ctx, f"{base}.parties"))
    roles.update(ctx.parties)

    monologues = call.get("transcript")
    if not isinstance(monologues, list):
        raise ctx.error("'transcript' must be a list of monologues.", where=base)
    segments = []
    for i, mono in enumerate(monologues):
        where = f"{base}.transcript[{i}]"
        if not isinstance(mono, dict):
            raise ctx.error("each monologue must be an object.", where=where)
        sid = mono.get("speakerId")
        sid = None if sid is None else _speaker_id(sid, ctx, where)
        role: Role = "unknown" if sid is None else roles.get(sid, "unknown")
        sentences = mono.get("sentences")
        if not isinstance(sentences, list):
            raise ctx.error("'sentences' must be a list of {start, end, text}.", where=where)
        for j, sentence in enumerate(sentences):
            swhere = f"{where}.sentences[{j}]"
            if not isinstance(sentence, dict):
                raise ctx.error("each sentence must be an object.", where=swhere)
            start, end = entry_times(sentence, ctx, swhere, 1000.0, "milliseconds")
            body = entry_text(sentence, ctx, swhere)
            if body:  # a speakerId without a known role stays as the label
                segments.append(ctx.segment(start, end, sid, body, role=role))
    return segments


def _parties_from_extensive(calls: list[Any], call: dict[str, Any], ctx: ReadContext,
                            path: Path) -> list[Any]:
    """Parties of the matching call in a Gong ``/v2/calls/extensive`` style ``calls`` list."""
    wanted = str(call.get("callId", ""))
    found: list[Any] = []
    for item in calls:
        if not isinstance(item, dict):
            continue
        meta = item.get("metaData")
        item_id = str(meta.get("id", "")) if isinstance(meta, dict) else str(item.get("id", ""))
        if (item_id == wanted or len(calls) == 1) and isinstance(item.get("parties"), list):
            found.extend(item["parties"])
    return found
