"""The command-line progress bar: drawn on terminals, silent elsewhere."""

from __future__ import annotations

import io

from callinsight.util.progress import ProgressBar


def test_bar_draws_in_place_and_ends_the_line():
    out = io.StringIO()
    bar = ProgressBar(4, "transcribe", stream=out, enabled=True, width=8)
    bar.update(1, "1.5 min of audio")
    bar.update(4)
    text = out.getvalue()
    assert text.startswith("\rtranscribe [##------] 1/4  1.5 min of audio")
    assert "\rtranscribe [########] 4/4" in text and text.endswith("\n")


def test_bar_is_silent_when_not_a_terminal():
    out = io.StringIO()  # isatty() is False
    bar = ProgressBar(3, "transcribe", stream=out)
    bar.update(2)
    assert out.getvalue() == "" and bar.done == 2
