"""Written numeric PII: IBANs, cards, SSNs, phone numbers and other runs of 7+ digits.

Digits are [0-9] (not ``\\d``, which also matches other scripts' digits). A dense run of 7+
digits is the prefilter; the detailed patterns only run in windows around it. Money
("$20,000", "1500000 dollars") is not a number to redact.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from callinsight.stages.redact.checks import _classify, _digits, iban_ok, luhn_ok
from callinsight.stages.redact.spans import Redaction, _windows

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


def _ibans(text: str, pos: int, endpos: int) -> Iterator[Redaction]:
    """Valid IBANs; a candidate is cut back at spaces since the BBAN may run into later words."""
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
    """International, North American, national (trunk 0) and local (555-0134) numbers."""
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
    """US social security numbers, 3-2-4 digits with one consistent separator."""
    for m in _SSN.finditer(text, pos, endpos):
        yield Redaction("ssn", m.start(), m.end())


def _numbers(text: str, pos: int, endpos: int) -> Iterator[Redaction]:
    """Other runs of 7+ digits, plain or spaced, unless they are money."""
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
    """All written numeric detectors, run only in windows around dense digit runs."""
    first = _DENSE_DIGITS.search(text)
    if first is None:
        return
    dense = ((m.start(), m.end()) for m in _DENSE_DIGITS.finditer(text, first.start()))
    for pos, endpos in _windows(dense, text, 40, 40):
        for detector in _NUMERIC_DETECTORS:
            yield from detector(text, pos, endpos)
