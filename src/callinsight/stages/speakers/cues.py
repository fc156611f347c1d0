"""Which anonymous speaker is the rep, from what each one says.

A transcript from a diarizer or a vendor export names its speakers ``A``/``B`` or
``SPEAKER_00``; the analyses need rep and customer. The rep greets with the company's
name, introduces themself by the rep's name, offers help and steers the call; the
customer states what they need. Each cue is a regular expression in
``config/role_cues.yaml`` with a weight, so every assignment can be explained.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from callinsight.contracts import InputError, Segment
from callinsight.settings import PACKAGE_CONFIG, read_yaml

DEFAULT_CUES = PACKAGE_CONFIG / "role_cues.yaml"


@dataclass(frozen=True)
class Cue:
    name: str
    pattern: re.Pattern
    weight: float  # > 0 points to the rep, < 0 to the customer
    opening: bool = False  # only counts in the first ``opening_seconds`` of the call


@dataclass(frozen=True)
class CueSet:
    cues: tuple[Cue, ...]
    opening_seconds: float = 60.0
    question_weight: float = 1.0  # per unit of difference in share of the questions asked
    scale: float = 2.0  # margin (in cue weight) that gives a confidence of about 0.73


@dataclass
class RoleGuess:
    """The rep's label among a call's anonymous speakers, how sure, and why."""

    rep: str | None
    confidence: float
    method: str  # "text cues", "voice", "override", ...
    evidence: dict[str, list[str]] = field(default_factory=dict)  # label -> cues heard


@lru_cache(maxsize=8)
def load_cues(path: Path = DEFAULT_CUES) -> CueSet:
    """Read a cue file: ``cues: [{name, pattern, weight, opening}]`` plus tuning numbers."""
    data = read_yaml(Path(path), "Role cue file", "role_cues_file") or {}
    cues = []
    for i, item in enumerate(data.get("cues") or [], start=1):
        try:
            cues.append(Cue(str(item["name"]), re.compile(item["pattern"], re.IGNORECASE),
                            float(item["weight"]), bool(item.get("opening", False))))
        except (KeyError, TypeError, ValueError, re.error) as exc:
            raise InputError(f"Role cue file {path}, cue {i}: needs name, pattern and weight "
                             f"({exc}).") from exc
    return CueSet(tuple(cues), float(data.get("opening_seconds", 60.0)),
                  float(data.get("question_weight", 1.0)), float(data.get("scale", 2.0)))


def _name_cues(rep_names: Iterable[str], companies: Iterable[str]) -> list[Cue]:
    """Cues made from this call's rep name and the company's names."""
    cues = []
    for name in {n.split()[0] for n in rep_names if n and n.strip() and n.casefold() != "agent"}:
        intro = rf"\b(?:this is|my name is|i'm|i am|it's)\s+{re.escape(name)}\b"
        cues.append(Cue("says the rep's name", re.compile(intro, re.IGNORECASE), 3.0))
    for company in {c.strip() for c in companies if c and c.strip()}:
        cues.append(Cue("names the company", re.compile(rf"\b{re.escape(company)}\b", re.IGNORECASE),
                        1.5, opening=True))
    return cues


def guess_rep(
    segments: Sequence[Segment],
    *,
    rep_names: Iterable[str] = (),
    companies: Iterable[str] = (),
    cues: CueSet | None = None,
) -> RoleGuess:
    """Score each label's turns against the cues; the best-scoring label is the rep.

    Confidence is a logistic of the margin between the best and the second label, so
    two speakers who sound alike in words give a guess near 0.5 that callers leave
    ``unknown``. One label alone is the rep only if its own score says so.
    """
    cues = cues or load_cues()
    extra = _name_cues(rep_names, companies)
    labelled = [s for s in segments if s.label]
    labels = sorted({s.label for s in labelled if s.label})
    if not labels:
        return RoleGuess(None, 0.0, "text cues")
    score: dict[str, float] = defaultdict(float)
    evidence: dict[str, list[str]] = defaultdict(list)
    questions: dict[str, int] = defaultdict(int)
    start = min(s.start for s in labelled)
    for seg in labelled:
        label = str(seg.label)
        questions[label] += seg.text.count("?")
        early = seg.start - start <= cues.opening_seconds
        for cue in (*cues.cues, *extra):
            if (early or not cue.opening) and cue.pattern.search(seg.text):
                score[label] += cue.weight
                evidence[label].append(cue.name)
    asked = sum(questions.values())
    if asked >= 3 and len(labels) >= 2:  # who asks the questions steers the call
        for label in labels:
            score[label] += cues.question_weight * (questions[label] / asked - 1 / len(labels))
            if questions[label] / asked > 0.6:
                evidence[label].append("asks most questions")
    ranked = sorted(labels, key=lambda lab: score[lab], reverse=True)
    best = ranked[0]
    margin = score[best] - (score[ranked[1]] if len(ranked) > 1 else 0.0)
    confidence = 1 / (1 + math.exp(-margin / cues.scale))
    if len(ranked) > 1 or score[best] > 0:
        return RoleGuess(best, round(confidence, 3), "text cues", dict(evidence))
    return RoleGuess(None, 0.0, "text cues", dict(evidence))
