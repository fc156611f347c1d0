"""PII redaction of transcript text, run before anything is stored.

``redact(text)`` replaces personal data with tokens and counts them per kind:

========  ==========  =============================================================
kind      token       what
========  ==========  =============================================================
email     [EMAIL]     ``dana.kim@northwind.io``; Whisper's spoken form
                      ``dana dot kim at northwind dot io`` (a one-word local part
                      like ``dana at ...`` needs an email cue word nearby, a mailbox
                      word such as ``support``, a digit, or a webmail domain, so
                      "find us at acme dot com" stays)
phone     [PHONE]     ``+44 20 7946 0958``, ``+1 (415) 555-0134``, ``415-555-0134``,
                      ``(415) 555 0134``, ``415.555.0134``, ``415 555 0134``,
                      ``1-800-555-0199``, ``555-0134``, ``020 7946 0958``, and
                      10-digit runs (plain or spoken) shaped like a North American
                      number (``4155550134``, "four one five five five five ...")
card      [CARD]      13-19 digits, plain or grouped by spaces/dashes, Luhn-valid
ssn       [SSN]       ``123-45-6789`` and ``123 45 6789``
iban      [IBAN]      country code + check digits + BBAN in capitals, spaces allowed,
                      of the registered length for the country, mod-97 valid
number    [NUMBER]    any other run of 7+ digits: plain (``20240113``), spoken
                      ("five five five zero one three four", "oh" = 0, "double
                      five" = 55, "triple" = 3 digits), or spaced single digits
                      (``5 5 5 0 1 3 4``), and card-shaped groups
                      (``4111 1111 1111 1112``) that fail the Luhn check
========  ==========  =============================================================

Decisions: a Luhn-invalid digit run is not a card but, having 7+ digits, still
becomes [NUMBER]; spoken digit runs are classified like written ones (10 digits
shaped like a North American number -> [PHONE], Luhn-valid 13-19 -> [CARD], else
[NUMBER]); spoken number words other than digits ("twenty", "hundred") are not read.

Not redacted: money (``$20,000``, ``20,000 dollars``, ``$1.5 million``,
``1500000 dollars``), counts, years, versions, quarters, dates (``2026-11-24``,
``11/24/2026``), times (``10:30``) and ranges such as ``250-1000``.

Overlapping matches keep the longest (then the more specific kind). ``redact`` is
idempotent: it repeats until nothing more is found (tokens never match a pattern).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = ["KINDS", "TOKENS", "Redaction", "find_pii", "iban_ok", "luhn_ok", "redact"]

TOKENS: dict[str, str] = {
    "email": "[EMAIL]",
    "phone": "[PHONE]",
    "card": "[CARD]",
    "ssn": "[SSN]",
    "iban": "[IBAN]",
    "number": "[NUMBER]",
}
KINDS: tuple[str, ...] = tuple(TOKENS)
_PRIORITY = {kind: i for i, kind in enumerate(("email", "iban", "card", "ssn", "phone", "number"))}


@dataclass(frozen=True)
class Redaction:
    """A span ``text[start:end]`` holding PII of ``kind`` (a key of :data:`TOKENS`)."""

    kind: str
    start: int
    end: int


# --------------------------------------------------------------------------- validators


def luhn_ok(digits: str) -> bool:
    """Luhn checksum of a string of ASCII digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "LY": 25, "SD": 18, "BI": 27, "DJ": 27,
    "SO": 23, "NI": 28, "MN": 20, "RU": 33, "FK": 18, "OM": 23, "YE": 30, "HN": 28,
}  # fmt: skip


def iban_ok(candidate: str) -> bool:
    """IBAN check: a registered country, its IBAN length, and mod-97 == 1."""
    iban = candidate.replace(" ", "").upper()
    if _IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban.isascii() or not iban.isalnum():
        return False
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def _nanp(digits: str) -> bool:
    """10 digits shaped like a North American number (area and exchange start 2-9)."""
    return len(digits) == 10 and digits[0] in "23456789" and digits[3] in "23456789"


def _classify(digits: str) -> str:
    """Kind of a bare digit string of 7+ digits."""
    if 13 <= len(digits) <= 19 and luhn_ok(digits):
        return "card"
    if _nanp(digits) or (len(digits) == 11 and digits[0] == "1" and _nanp(digits[1:])):
        return "phone"
    return "number"


def _digits(text: str) -> str:
    return "".join(ch for ch in text if "0" <= ch <= "9")


# --------------------------------------------------------------------------- patterns
# Digits are [0-9] (not \d, which also matches other scripts' digits). Cheap prefilters
# (an "@", a spelled or written top-level domain, a dense run of 7+ digits, two digit
# words in a row) find small windows; the detailed patterns only run inside them.

_EMAIL = re.compile(
    r"(?<![\w.%+\-\['’])[A-Za-z0-9._%+\-]*[A-Za-z0-9_%+\-]@"
    r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*"
    r"\.[A-Za-z]{2,24}(?![\w@])"
)

_TLDS = (
    "com|net|org|io|co|ai|us|uk|de|fr|ca|au|in|edu|gov|biz|info|me|app|dev|tech|eu|nl|es|it|"
    "se|ch|jp|mx|br|ie|nz|be|at|dk|no|fi|pl|pt|cz|sg|hk|za|ly|gg|cloud|so|xyz"
)
_SPOKEN_WORD = r"[A-Za-z0-9]+"
_DOMAIN_WORD = r"[A-Za-z0-9]+(?:(?:-|[ \t]+(?:dash|hyphen)[ \t]+)[A-Za-z0-9]+)*"
_SPOKEN_LOCAL_SEP = r"(?:[._\-]|[ \t]+(?:dot|underscore|dash|hyphen)[ \t]+)"
_SPOKEN_DOT = r"(?:\.|[ \t]+dot[ \t]+)"
_SPOKEN_EMAIL = re.compile(
    rf"(?<![\w.@\['’\-])(?P<local>{_SPOKEN_WORD}(?:{_SPOKEN_LOCAL_SEP}{_SPOKEN_WORD})*)"
    rf"(?:[ \t]*@[ \t]*|[ \t]+at[ \t]+)"
    rf"(?P<domain>{_DOMAIN_WORD}(?:{_SPOKEN_DOT}{_DOMAIN_WORD})*){_SPOKEN_DOT}(?:{_TLDS})"
    r"(?![\w@]|[ \t]+dot[ \t]+\w)",
    re.IGNORECASE,
)
_SPOKEN_TLD = re.compile(rf"[ \t][dD][oO][tT][ \t]+(?i:{_TLDS})(?![\w@])")
_WRITTEN_TLD = re.compile(rf"\.(?i:{_TLDS})(?![\w@])")
_EMAIL_CUE = re.compile(
    r"\b(?:e-?mail|mail|address|reach|contact|send|sent|write|cc|bcc|forward|inbox|message)",
    re.IGNORECASE,
)
_MAILBOXES = frozenset(
    "support sales info billing hello help admin contact team accounts accounting finance "
    "legal security privacy hr careers jobs noreply no-reply invoices ap ar procurement "
    "marketing partners press media success service orders".split()
)
_WEBMAIL = frozenset(
    "gmail googlemail yahoo outlook hotmail live icloud me aol proton protonmail gmx zoho".split()
)

_DENSE_DIGITS = re.compile(r"[0-9](?:[^0-9\n]{0,6}[0-9]){6,}")

_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2} ?[0-9]{2}(?: ?[A-Z0-9]){11,32}")

_SSN = re.compile(r"(?<![\w\-.])[0-9]{3}([- ])[0-9]{2}\1[0-9]{4}(?![\w]|[\-.][0-9])")

_PHONE_INTL = re.compile(
    r"(?<![\w+])\+[ ]?[0-9]{1,3}(?:[ .\-]?(?:\([0-9]{1,4}\)|[0-9]{1,5}))"
    r"(?:[ .\-]?(?:\([0-9]{1,4}\)|[0-9]{2,5})){0,5}(?![\w])"
)
_PHONE_NANP = re.compile(
    r"(?<![\w+\-.])(?:\+?1[ .\-]?)?(?:\([0-9]{3}\)[ .\-]?|[0-9]{3}[ .\-])[0-9]{3}[ .\-][0-9]{4}"
    r"(?![\w]|[.\-][0-9])"
)
_PHONE_NATIONAL = re.compile(  # leading trunk 0: 020 7946 0958, 07700 900123
    r"(?<![\w+\-.])0[0-9]{1,4}(?:[ \-][0-9]{2,6}){1,3}(?![\w]|[.\-][0-9])"
)
_PHONE_LOCAL = re.compile(r"(?<![\w\-.,$€£])([2-9][0-9]{2})-([0-9]{4})(?![\w]|[.\-][0-9])")

_CARD_RUN = re.compile(r"(?<![0-9])[0-9](?:[ \-]?[0-9]){12,}")
_GROUP = re.compile(r"[0-9]+")

_DIGIT_RUN = re.compile(r"(?<![0-9.,$€£¥+])[0-9]{7,}(?![0-9]|[.,][0-9])")
_MONEY_BEFORE = re.compile(r"(?:[$€£¥]|\b(?:usd|eur|gbp|us\$))[ \t]*$", re.IGNORECASE)
_MONEY_AFTER = re.compile(
    r"[ \t]*(?:[%$€£¥]|(?:dollars?|usd|euros?|eur|pounds?|gbp|bucks|k|m|mm|bn|million|billion|"
    r"percent)\b)",
    re.IGNORECASE,
)
_SPACED_DIGITS = re.compile(r"(?<![\w.,+\-])[0-9](?:(?: ?- ?| )[0-9]){6,18}(?![\w]|[.,\-][0-9])")

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


def _windows(spans: Iterable[tuple[int, int]], text: str, before: int, after: int
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


# --------------------------------------------------------------------------- detectors


def _emails(text: str) -> Iterator[Redaction]:
    if "@" in text:
        ats = []
        i = text.find("@")
        while i >= 0:
            ats.append((i, i + 1))
            i = text.find("@", i + 1)
        for pos, endpos in _windows(ats, text, 100, 200):
            for m in _EMAIL.finditer(text, pos, endpos):
                yield Redaction("email", m.start(), m.end())
    if "dot" not in text.lower() and _WRITTEN_TLD.search(text) is None:
        return  # no top-level domain, so no spoken email
    tlds = sorted((m.start(), m.end()) for rx in (_SPOKEN_TLD, _WRITTEN_TLD)
                  for m in rx.finditer(text))
    for pos, endpos in _windows(tlds, text, 200, 0):
        for m in _SPOKEN_EMAIL.finditer(text, pos, endpos):
            local = m.group("local")
            if re.fullmatch(_SPOKEN_WORD, local) and not _plausible_mailbox(text, m):
                continue
            yield Redaction("email", m.start(), m.end())


def _plausible_mailbox(text: str, m: re.Match[str]) -> bool:
    """A one-word local part ("dana at ...") needs more evidence than "us at acme dot com"."""
    local = m.group("local").lower()
    if "@" in m.group():
        return True
    if local in _MAILBOXES or any(ch.isdigit() for ch in local):
        return True
    first_domain_word = re.split(r"[ \t.]", m.group("domain").lower(), maxsplit=1)[0]
    if first_domain_word in _WEBMAIL:
        return True
    return _EMAIL_CUE.search(text, max(0, m.start() - 60), m.start()) is not None


def _ibans(text: str, pos: int, endpos: int) -> Iterator[Redaction]:
    while True:
        m = _IBAN.search(text, pos, endpos)
        if m is None:
            return
        candidate = m.group()
        ends = [len(candidate)] + [i for i in range(len(candidate) - 1, 0, -1)
                                   if candidate[i] == " "]
        for end in ends:
            if iban_ok(candidate[:end]):
                yield Redaction("iban", m.start(), m.start() + end)
                pos = m.start() + end
                break
        else:
            pos = m.start() + 1


def _cards(text: str, pos: int, endpos: int) -> Iterator[Redaction]:
    """Luhn-valid 13-19 digit spans on group boundaries of long digit runs."""
    for m in _CARD_RUN.finditer(text, pos, endpos):
        groups = [(g.start(), g.end(), g.group())
                  for g in _GROUP.finditer(text, m.start(), m.end())]
        i = 0
        while i < len(groups):
            found = None
            for j in range(len(groups), i, -1):
                digits = "".join(g[2] for g in groups[i:j])
                if 13 <= len(digits) <= 19:
                    if luhn_ok(digits):
                        found = (j, "card")
                        break
                    if _card_shaped([len(g[2]) for g in groups[i:j]]):
                        found = (j, "number")
                        break
            if found is None:
                i += 1
                continue
            j, kind = found
            yield Redaction(kind, groups[i][0], groups[j - 1][1])
            i = j


def _card_shaped(shape: list[int]) -> bool:
    """Grouped like a card number: 4-4-4-4(-1..3), 4-6-5 or 4-6-4."""
    if shape in ([4, 6, 5], [4, 6, 4]):
        return True
    return len(shape) in (4, 5) and all(n == 4 for n in shape[:4])


def _phones(text: str, pos: int, endpos: int) -> Iterator[Redaction]:
    for m in _PHONE_INTL.finditer(text, pos, endpos):
        if 8 <= len(_digits(m.group())) <= 15:
            yield Redaction("phone", m.start(), m.end())
    for m in _PHONE_NANP.finditer(text, pos, endpos):
        yield Redaction("phone", m.start(), m.end())
    for m in _PHONE_NATIONAL.finditer(text, pos, endpos):
        if 10 <= len(_digits(m.group())) <= 11:
            yield Redaction("phone", m.start(), m.end())
    for m in _PHONE_LOCAL.finditer(text, pos, endpos):
        first, second = int(m.group(1)), int(m.group(2))
        if second > first and second % 100 == 0:
            continue  # a range: "250-1000 users"
        yield Redaction("phone", m.start(), m.end())


def _ssns(text: str, pos: int, endpos: int) -> Iterator[Redaction]:
    for m in _SSN.finditer(text, pos, endpos):
        yield Redaction("ssn", m.start(), m.end())


def _numbers(text: str, pos: int, endpos: int) -> Iterator[Redaction]:
    for m in _DIGIT_RUN.finditer(text, pos, endpos):
        if _MONEY_BEFORE.search(text, max(0, m.start() - 6), m.start()):
            continue
        if _MONEY_AFTER.match(text, m.end()):
            continue
        yield Redaction(_classify(m.group()), m.start(), m.end())
    for m in _SPACED_DIGITS.finditer(text, pos, endpos):
        yield Redaction(_classify(_digits(m.group())), m.start(), m.end())


_NUMERIC_DETECTORS = (_ibans, _cards, _ssns, _phones, _numbers)


def _numeric(text: str) -> Iterator[Redaction]:
    first = _DENSE_DIGITS.search(text)
    if first is None:
        return
    dense = ((m.start(), m.end()) for m in _DENSE_DIGITS.finditer(text, first.start()))
    for pos, endpos in _windows(dense, text, 40, 40):
        for detector in _NUMERIC_DETECTORS:
            yield from detector(text, pos, endpos)


def _spoken_numbers(text: str) -> Iterator[Redaction]:
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


# --------------------------------------------------------------------------- public API


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
