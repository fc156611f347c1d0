"""Roles for anonymous speakers: the call's override, the rep's voice, or what they say.

Runs on every transcript whose segments carry anonymous labels (a diarized mono
recording, a vendor export with ``A``/``B``). The rep's label becomes ``rep`` and every
other label ``customer``, so two anonymous speakers are never both the customer; when
no source is confident enough the labels stay ``unknown`` and out of customer analyses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from callinsight.contracts import Call, Role, Segment, Transcript
from callinsight.settings import Settings
from callinsight.stages.speakers.cues import RoleGuess, guess_rep, load_cues
from callinsight.stages.speakers.voices import combine, guess_by_voice


def labels_of(segments: list[Segment]) -> list[str]:
    """The anonymous labels still waiting for a role, in order of first appearance."""
    seen: dict[str, None] = {}
    for s in segments:
        if s.label and s.speaker == "unknown":
            seen.setdefault(s.label, None)
    return list(seen)


def _override(call: Call, labels: list[str]) -> dict[str, Role] | None:
    if not call.speakers:
        return None
    given = {k.casefold(): v for k, v in call.speakers}
    roles = {lab: given[lab.casefold()] for lab in labels if lab.casefold() in given}
    if not roles:
        return None
    rest = [lab for lab in labels if lab not in roles]
    if "rep" in roles.values():  # the rest of a named rep's call is the customer side
        roles.update({lab: "customer" for lab in rest})
    elif len(rest) == 1 and set(roles.values()) == {"customer"}:  # never two customers
        roles[rest[0]] = "rep"
    return roles


def assign_roles(
    transcript: Transcript,
    call: Call,
    settings: Settings,
    voice: RoleGuess | None = None,
) -> Transcript:
    """Give the transcript's anonymous labels roles; records how in ``options["roles"]``.

    Precedence: the ``speakers`` column of calls.csv, then the rep's enrolled voice
    (``voice``) and text cues as independent evidence. Labels get roles only when the
    guess is at least ``role_min_confidence``. Returns the same transcript, new segments.
    """
    labels = labels_of(transcript.segments)
    if not labels:
        return transcript
    roles = _override(call, labels)
    record: dict = {"labels": labels}
    named = {s.speaker for s in transcript.segments if s.speaker != "unknown"}
    if roles is not None:
        record.update(method="speakers column", confidence=1.0)
    elif len(labels) == 1 and len(named) == 1:  # the other party is named: this is the other side
        roles = {labels[0]: "customer" if named == {"rep"} else "rep"}
        record.update(method="the other speaker is named", confidence=1.0)
    elif len(labels) == 1:  # one voice for the whole call: nothing tells the parties apart
        record.update(method="one speaker", confidence=0.0)
    else:
        guess = guess_rep(
            transcript.segments,
            rep_names=[call.rep] if call.rep else [],
            companies=settings.company_names,
            cues=load_cues(settings.role_cues_file),
        )
        if voice is not None and voice.rep is not None:
            record["text_confidence"] = guess.confidence
            guess = combine(guess, voice)
        record.update(method=guess.method, confidence=guess.confidence, rep_label=guess.rep,
                      evidence=guess.evidence)
        if guess.rep is not None and guess.confidence >= settings.role_min_confidence:
            roles = {lab: ("rep" if lab == guess.rep else "customer") for lab in labels}
    record["roles"] = roles or {}
    transcript.segments = relabel(transcript.segments, roles or {})
    transcript.options = {**transcript.options, "roles": record}
    return transcript


def relabel(segments: list[Segment], roles: Mapping[str, Role]) -> list[Segment]:
    """Segments with each anonymous label's role filled in (labels kept)."""
    out = []
    for s in segments:
        role = roles.get(s.label) if s.label and s.speaker == "unknown" else None
        out.append(s if role is None else replace(s, speaker=role))
    return out


def with_rep_voice(transcript: Transcript, call: Call, settings: Settings,
                   rep_voice: np.ndarray | None) -> Transcript:
    """Assign a diarized transcript's roles again, the rep's enrolled voice added to the text cues."""
    voices = transcript.options.get("voices")
    if not voices or rep_voice is None or call.speakers:
        return transcript
    guess = guess_by_voice(voices, rep_voice)
    transcript.segments = [replace(s, speaker="unknown") if s.label in voices else s
                           for s in transcript.segments]
    return assign_roles(transcript, call, settings, voice=guess)


def reassign_roles(transcript: Transcript, call: Call, settings: Settings,
                   rep_voice: np.ndarray | None) -> Transcript:
    """A stored transcript's anonymous speakers assigned again (new rep, speakers column,
    company names or cues), without transcribing: labels and voices are kept."""
    record = transcript.options.get("roles") or {}
    labels = set(record.get("labels") or ())
    transcript.segments = [replace(s, speaker="unknown") if s.label in labels else s
                           for s in transcript.segments]
    transcript = assign_roles(transcript, call, settings)
    return with_rep_voice(transcript, call, settings, rep_voice)
