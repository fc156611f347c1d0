"""Markup removal on the way in: tags go, the words and plain '<' text stay."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callinsight.contracts import CallStatus
from callinsight.util.markup import strip_markup, without_markup


@pytest.mark.parametrize(
    ("text", "expected", "count"),
    [
        ('<script>alert("x")</script> is what they sent.', 'alert("x") is what they sent.', 2),
        ('<img src=x onerror="alert(1)"> and that too.', "and that too.", 1),
        ("<scr<b>ipt>alert(1)</script>", "ipt>alert(1)", 3),  # split tags cannot reassemble
        ("cut off <img src=x onerror=alert(1)", "cut off", 1),
        ("a <!-- note --> b", "a b", 1),
        ("<<script>script>", "", 2),
        ("Under 5 < 10 seats and > 2 admins.", "Under 5 < 10 seats and > 2 admins.", 0),
        ("We <3 the tool.", "We <3 the tool.", 0),
        ("plain text", "plain text", 0),
    ],
)
def test_strip_markup(text, expected, count):
    assert strip_markup(text) == (expected, count)


TAG_SHAPED = re.compile(r"<\s*[/!?]?\s*[A-Za-z]")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["<", ">", "/", "!", "script", "img", " ", "a", "=", '"', "-", "x"]),
                max_size=40).map("".join) | st.text(max_size=80))
def test_no_tag_shaped_text_survives(text):
    out = without_markup(text)
    assert not TAG_SHAPED.search(out)
    assert without_markup(out) == out  # idempotent


def test_call_status_reasons_never_carry_markup():
    status = CallStatus("c1", "failed", "t.vtt line 3: '<v Rep><script>x</script>' is not a cue")
    assert "<script" not in status.reason and "<v" not in status.reason
    assert "is not a cue" in status.reason
