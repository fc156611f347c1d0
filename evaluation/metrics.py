"""Transcript quality measures: word error rate and speaker attribution accuracy."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from callinsight.contracts import Segment

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _number_words(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + _number_words(rest))
    if n < 1_000_000:
        rest = n % 1000
        return _number_words(n // 1000) + " thousand" + ("" if rest == 0 else " " + _number_words(rest))
    return " ".join(_ONES[int(d)] for d in str(n))


def normalize(text: str) -> list[str]:
    """Lowercase words without punctuation; digits spelled out; common contractions split."""
    text = text.lower().replace("%", " percent").replace("&", " and ")
    text = re.sub(r"\$(\d[\d,]*)", lambda m: m.group(1) + " dollars", text)
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    text = re.sub(r"\d+", lambda m: " " + _number_words(int(m.group())) + " ", text)
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    words = []
    for w in text.split():
        w = w.strip("'")
        if w:
            words.append(w)
    return words


def edit_distance(ref: Sequence[str], hyp: Sequence[str]) -> int:
    """Word-level Levenshtein distance (substitutions + deletions + insertions)."""
    if not ref:
        return len(hyp)
    prev = np.arange(len(hyp) + 1)
    for i, r in enumerate(ref, start=1):
        cur = np.empty_like(prev)
        cur[0] = i
        for j, h in enumerate(hyp, start=1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return int(prev[-1])


@dataclass
class WER:
    errors: int = 0
    words: int = 0

    def add(self, reference: str, hypothesis: str) -> WER:
        ref, hyp = normalize(reference), normalize(hypothesis)
        self.errors += edit_distance(ref, hyp)
        self.words += len(ref)
        return self

    @property
    def rate(self) -> float:
        return self.errors / self.words if self.words else float("nan")


def attribution(reference: Sequence[Segment], hypothesis: Sequence[Segment]) -> tuple[int, int]:
    """(correct, total): each hypothesis segment's speaker against the reference segment
    it overlaps most in time. Segments overlapping no reference speech are counted wrong."""
    correct = 0
    for h in hypothesis:
        best, best_overlap = None, 0.0
        for r in reference:
            overlap = min(h.end, r.end) - max(h.start, r.start)
            if overlap > best_overlap:
                best, best_overlap = r, overlap
        correct += int(best is not None and best.speaker == h.speaker)
    return correct, len(hypothesis)
