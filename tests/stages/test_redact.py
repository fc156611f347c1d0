"""PII redaction: labelled call sentences, per-kind recall/precision, unit cases, fuzzing."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callinsight.stages.redact import KINDS, TOKENS, Redaction, find_pii, redact

CASES_FILE = Path(__file__).parents[1] / "data" / "redaction_cases.tsv"
STRUCTURED = ("email", "phone", "card", "ssn", "iban")
_TOKEN_RE = re.compile("|".join(re.escape(t) for t in TOKENS.values()))
_KIND_OF = {token: kind for kind, token in TOKENS.items()}


def _load_cases() -> list[tuple[int, str, str]]:
    cases = []
    for number, line in enumerate(CASES_FILE.read_text(encoding="utf-8").splitlines(), start=1):
        if number == 1 or not line.strip():
            continue  # header
        text, expected = line.split("\t")
        cases.append((number, text, expected))
    return cases


CASES = _load_cases()


def _kinds(text: str) -> Counter[str]:
    return Counter(_KIND_OF[m.group()] for m in _TOKEN_RE.finditer(text))


def test_case_file_shape():
    positives = [c for c in CASES if _TOKEN_RE.search(c[2])]
    negatives = [c for c in CASES if not _TOKEN_RE.search(c[2])]
    assert len(CASES) >= 220
    assert 0.5 <= len(positives) / len(CASES) <= 0.7
    assert all(text == expected for _, text, expected in negatives)
    covered = Counter()
    for _, _, expected in positives:
        covered.update(_kinds(expected))
    assert all(covered[kind] >= 10 for kind in KINDS), covered


@pytest.mark.parametrize(("line", "text", "expected"), CASES, ids=[f"line{c[0]}" for c in CASES])
def test_labelled_line(line, text, expected):
    assert redact(text)[0] == expected


def test_recall_and_precision_per_kind():
    """Per-kind scores on the labelled file (run with -s to see the table)."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    negative_false_positives = 0
    for _, text, expected in CASES:
        got, counts = redact(text)
        want, have = _kinds(expected), _kinds(got)
        assert sum(counts.values()) == sum(have.values())
        for kind in KINDS:
            tp[kind] += min(want[kind], have[kind])
            fp[kind] += max(have[kind] - want[kind], 0)
            fn[kind] += max(want[kind] - have[kind], 0)
        if not want:
            negative_false_positives += sum(have.values())
    print(f"\n{'kind':8} {'support':>7} {'precision':>9} {'recall':>6}")
    for kind in KINDS:
        support = tp[kind] + fn[kind]
        precision = tp[kind] / (tp[kind] + fp[kind]) if tp[kind] + fp[kind] else 1.0
        recall = tp[kind] / support if support else 1.0
        print(f"{kind:8} {support:7d} {precision:9.3f} {recall:6.3f}")
    negatives = sum(1 for c in CASES if not _TOKEN_RE.search(c[2]))
    print(f"negative lines: {negatives}, false positives on them: {negative_false_positives}")
    for kind in STRUCTURED:
        assert fn[kind] == 0, f"{kind} recall below 1.0"
    assert negative_false_positives == 0


# --------------------------------------------------------------------------- unit cases


def test_find_pii_spans_and_counts():
    text = "Mail dana@northwind.io or call 415-555-0134, card 4111 1111 1111 1111."
    spans = find_pii(text)
    assert [(r.kind, text[r.start : r.end]) for r in spans] == [
        ("email", "dana@northwind.io"),
        ("phone", "415-555-0134"),
        ("card", "4111 1111 1111 1111"),
    ]
    assert all(isinstance(r, Redaction) for r in spans)
    assert redact(text) == ("Mail [EMAIL] or call [PHONE], card [CARD].",
                            {"email": 1, "phone": 1, "card": 1})


def test_no_pii_gives_empty_counts():
    assert redact("We need 3 seats by Q3 2026 at $49 each.") == (
        "We need 3 seats by Q3 2026 at $49 each.", {})
    assert redact("") == ("", {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # overlapping candidates: the longest wins, one token each
        ("+1 (415) 555-0134", "[PHONE]"),
        ("1-800-555-0199", "[PHONE]"),
        ("4111111111111111", "[CARD]"),
        ("GB82WEST12345698765432", "[IBAN]"),
        ("john4155550134@gmail.com", "[EMAIL]"),
        # Luhn-invalid card-like runs are still long numbers
        ("4111111111111112", "[NUMBER]"),
        ("4111 1111 1111 1112", "[NUMBER]"),
        # mod-97 failure: not an IBAN, only its digit run is a number
        ("GB00WEST12345698765432", "GB00WEST[NUMBER]"),
        # spoken digits
        ("double five five oh one three four", "[NUMBER]"),
        ("triple seven five five five oh", "[NUMBER]"),
        ("Oh, five five five zero one three four", "Oh, [NUMBER]"),
        ("one two three", "one two three"),
        ("four one one one one one one one one one one one one one one one", "[CARD]"),
        # card followed by a year: the card is found on group boundaries
        ("4111 1111 1111 1111 2027", "[CARD] 2027"),
        # not PII
        ("$4155550134", "$4155550134"),
        ("1500000 dollars", "1500000 dollars"),
        ("USD 2500000", "USD 2500000"),
        ("between 250-1000 users", "between 250-1000 users"),
        ("find us at acme dot com", "find us at acme dot com"),
        ("v2.1.3 on 2026-11-24 at 10:30", "v2.1.3 on 2026-11-24 at 10:30"),
        # tokens already present are left alone
        (" ".join(TOKENS.values()), " ".join(TOKENS.values())),
    ],
)
def test_unit_cases(text, expected):
    assert redact(text)[0] == expected


def test_long_text_windows_do_not_change_results():
    lines = [text for _, text, _ in CASES]
    blob = "\n".join(lines)
    expected = "\n".join(redact(line)[0] for line in lines)
    assert redact(blob)[0] == expected


# --------------------------------------------------------------------------- fuzzing

_FRAGMENTS = [
    "dana.kim@northwind.io", "dana dot kim at northwind dot io", "@", ".", " at ", " dot com",
    "+44 20 7946 0958", "(415) 555-0134", "415.555.0134", "4155550134", "555-0134",
    "4111 1111 1111 1111", "4111111111111111", "378282246310005", "123-45-6789",
    "123 45 6789", "GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "five", "oh",
    "double", "triple", "zero", "one", " ", ",", "-", "$", "20,000", "2026-11-24", "10:30",
    "[EMAIL]", "[NUMBER]", "[PHONE]", "1", "12", "123", "1234", "0", "\n", "email me",
]
_mixed_text = st.lists(
    st.one_of(st.sampled_from(_FRAGMENTS), st.text(max_size=6),
              st.text(alphabet="0123456789 -.()+", max_size=12)),
    max_size=25,
).map("".join)


@given(st.one_of(st.text(), _mixed_text))
@settings(max_examples=400, deadline=None)
def test_redact_never_raises_and_is_idempotent(text):
    once, counts = redact(text)
    assert redact(once) == (once, {})
    assert all(kind in TOKENS and n > 0 for kind, n in counts.items())


@given(st.binary(max_size=300), st.sampled_from(["utf-8", "latin-1", "utf-16"]))
@settings(max_examples=200, deadline=None)
def test_random_bytes_never_raise(data, encoding):
    text = data.decode(encoding, errors="surrogateescape" if encoding == "utf-8" else "replace")
    once, _ = redact(text)
    assert redact(once)[0] == once


@given(_mixed_text)
@settings(max_examples=200, deadline=None)
def test_find_pii_spans_are_sorted_and_disjoint(text):
    spans = find_pii(text)
    for a, b in zip(spans, spans[1:], strict=False):
        assert a.end <= b.start
    assert all(0 <= r.start < r.end <= len(text) and r.kind in TOKENS for r in spans)
