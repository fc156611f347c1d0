"""Combines the detectors: overlapping spans keep the longest, then the more specific kind."""

from __future__ import annotations

import bisect

from callinsight.stages.redact.emails import _emails
from callinsight.stages.redact.numbers import _numeric
from callinsight.stages.redact.spans import TOKENS, Redaction
from callinsight.stages.redact.spoken import _spoken_numbers

__all__ = ["find_pii", "redact"]

_PRIORITY = {kind: i for i, kind in enumerate(("email", "iban", "card", "ssn", "phone", "number"))}


def find_pii(text: str) -> list[Redaction]:
    """Non-overlapping PII spans in ``text``, ordered by start (longest match wins)."""
    candidates = [*_emails(text), *_numeric(text), *_spoken_numbers(text)]
    if not candidates:
        return []
    candidates.sort(key=lambda r: (r.start - r.end, _PRIORITY[r.kind], r.start))
    starts: list[int] = []
    chosen: list[Redaction] = []
    for cand in candidates:
        i = bisect.bisect_right(starts, cand.start)
        if i > 0 and chosen[i - 1].end > cand.start:
            continue
        if i < len(chosen) and chosen[i].start < cand.end:
            continue
        starts.insert(i, cand.start)
        chosen.insert(i, cand)
    return chosen


def _apply(text: str, spans: list[Redaction]) -> str:
    """``text`` with each (sorted, non-overlapping) span replaced by its kind's token."""
    out: list[str] = []
    pos = 0
    for r in spans:
        out.append(text[pos : r.start])
        out.append(TOKENS[r.kind])
        pos = r.end
    out.append(text[pos:])
    return "".join(out)


def redact(text: str) -> tuple[str, dict[str, int]]:
    """Text with PII replaced by tokens, and how many of each kind were replaced."""
    counts: dict[str, int] = {}
    for _ in range(8):  # converges in one or two passes; bounded for safety
        spans = find_pii(text)
        if not spans:
            break
        for r in spans:
            counts[r.kind] = counts.get(r.kind, 0) + 1
        text = _apply(text, spans)
    return text, counts
