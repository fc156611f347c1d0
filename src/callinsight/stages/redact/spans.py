"""The span type every detector yields, the tokens it becomes, and the scan windows.

Detectors run their detailed patterns only inside small windows found by cheap
prefilters; `_windows` turns prefilter hits into those windows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["ALL_KINDS", "KINDS", "NAME_KIND", "TOKENS", "Redaction"]

TOKENS: dict[str, str] = {
    "email": "[EMAIL]",
    "phone": "[PHONE]",
    "card": "[CARD]",
    "ssn": "[SSN]",
    "iban": "[IBAN]",
    "number": "[NUMBER]",
    "name": "[NAME]",
}
NAME_KIND = "name"
# the kinds `find_pii` finds by pattern; ALL_KINDS adds the person names of `names`
KINDS: tuple[str, ...] = tuple(k for k in TOKENS if k != NAME_KIND)
ALL_KINDS: tuple[str, ...] = tuple(TOKENS)


@dataclass(frozen=True)
class Redaction:
    """A span ``text[start:end]`` holding PII of ``kind`` (a key of :data:`TOKENS`)."""

    kind: str
    start: int
    end: int


def _windows(
    spans: Iterable[tuple[int, int]], text: str, before: int, after: int
) -> list[tuple[int, int]]:
    """Merged (pos, endpos) windows around spans; endpos is not cut inside a word."""
    n = len(text)
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        lo = max(0, start - before)
        hi = min(n, end + after)
        limit = min(n, hi + 64)
        while hi < limit and not text[hi].isspace():
            hi += 1
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged
