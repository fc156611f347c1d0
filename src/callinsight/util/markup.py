"""Markup removal for text that enters the pipeline from outside.

A transcript is speech and a CRM cell is a value: neither carries HTML. Tags found
in them (``<script>``, ``<img onerror=...>``, comments) are removed on the way in, so
no stored or exported byte holds live markup, not the SQLite store or the CSVs
either. Rendering still escapes everything (``report``, ``web``); this is the second
line of defence. Text such as "under 5 < 10 seats" is kept: only tag-shaped runs
(``<`` then a letter, ``/``, ``!`` or ``?``) are markup.
"""

from __future__ import annotations

import re

# a tag runs to its ">", or, left open ("<img src=x onerror=..."), to the next "<" or the end
_TAG = re.compile(r"<!--.*?(?:-->|$)|<\s*[/!?]?\s*[A-Za-z][^<>]*(?:>|(?=<)|$)|<[/!?]\s*>", re.S)
_SPACES = re.compile(r"[ \t]{2,}")


def strip_markup(text: str) -> tuple[str, int]:
    """``text`` without HTML/XML tags and comments, and the number removed.

    Repeats until nothing tag-shaped is left, so nested or split tags
    (``<scr<b>ipt>``) cannot reassemble.
    """
    removed = 0
    while True:
        text, n = _TAG.subn(" ", text)
        if not n:
            break
        removed += n
    if removed:
        text = _SPACES.sub(" ", text).strip()
    return text, removed


def without_markup(text: str) -> str:
    """``strip_markup`` when the count is not needed."""
    return strip_markup(text)[0] if "<" in text else text
