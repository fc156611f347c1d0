"""Spoken digit runs ("five five five zero one three four", "double five", "oh" = 0).

They are classified like written runs. The prefilter is two digit-like words in a row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from callinsight.stages.redact.checks import _classify
from callinsight.stages.redact.spans import Redaction

_DIGIT_VALUES = {
    "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_REPEAT = {"double": 2, "triple": 3}
_DW = "(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|o)"
_SPOKEN_TOKEN = rf"(?:(?:double|triple)[ \t\-]+)?{_DW}(?![\w'’])"
_SPOKEN_SEP = r"(?:[ \t]*[,.\-…]{1,3}[ \t]*|[ \t]+)"
_SPOKEN_RUN = re.compile(
    rf"(?<![\w'’]){_SPOKEN_TOKEN}(?:{_SPOKEN_SEP}{_SPOKEN_TOKEN}){{2,}}", re.IGNORECASE
)
_SPOKEN_PART = re.compile(rf"(?:(double|triple)[ \t\-]+)?({_DW})(?![\w'’])", re.IGNORECASE)
# prefilter: two digit-like words in a row (a superset of a run's first two tokens)
_WORD_TAIL = "(?i:ero|h|ne|wo|hree|our|ive|ix|even|ight|ine|ouble|riple|)"
_SPOKEN_PAIR = re.compile(
    rf"[zotfsendZOTFSEND](?<![\w'’].){_WORD_TAIL}(?![\w'’])[ \t,.\-…]+"
    rf"[zotfsenZOTFSEN]{_WORD_TAIL}(?![\w'’])"
)


def _spoken_numbers(text: str) -> Iterator[Redaction]:
    """Runs of 7+ spoken digits; a leading "Oh," is an interjection, not a zero."""
    pos = 0
    while True:
        pair = _SPOKEN_PAIR.search(text, pos)
        if pair is None:
            return
        m = _SPOKEN_RUN.match(text, pair.start())
        if m is None:
            pos = pair.start() + 1
            continue
        pos = m.end()
        parts = list(_SPOKEN_PART.finditer(text, m.start(), m.end()))
        start = m.start()
        first = parts[0]
        if first.group(1) is None and first.group(2).lower() in ("oh", "o"):
            between = text[first.end() : parts[1].start()]
            if "," in between or "." in between:  # "Oh, five five five ..." interjection
                parts = parts[1:]
                start = parts[0].start()
        digits = "".join(
            _DIGIT_VALUES[p.group(2).lower()] * _REPEAT.get((p.group(1) or "").lower(), 1)
            for p in parts
        )
        if len(digits) >= 7:
            yield Redaction(_classify(digits), start, m.end())
