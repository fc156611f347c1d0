"""Phrases of a customer sentence: lemmatised noun chunks, verb phrases, intensified adjectives."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from callinsight.stages.extract.names import person_tokens

if TYPE_CHECKING:
    from spacy.tokens import Span, Token

__all__ = ["FILLER", "phrases_of"]

FILLER = {
    "you know", "kind of", "sort of", "i mean", "a lot", "lot", "thing", "things", "stuff",
    "way", "bit", "kind", "sort", "something", "anything", "everything", "nothing", "one",
    "yeah", "okay", "ok", "guy", "guys", "people", "part", "point", "question", "sense",
    "lot of thing", "whole thing", "number", "day", "today", "call", "time", "sure",
}
_DROP_DEPS = {"det", "poss", "predet", "nummod", "case", "punct", "cc", "preconj", "neg"}
_NOUNS = ("NOUN", "PROPN")
_KEEP_POS = {"NOUN", "PROPN", "ADJ", "VERB", "ADV", "NUM", "ADP"}

# mass and plural-only nouns whose lemma would mislead ("sales" is not "sale")
_KEEP_FORM = {"data", "media", "sales", "analytics", "news", "series", "ops"}


def phrases_of(sent: Span, max_words: int = 4) -> list[str]:
    """Lemmatised noun chunks, verb-object/verb-prep phrases and intensified adjectives."""
    found: list[str] = []
    person = person_tokens(sent)

    def add(tokens: Iterable[Token]) -> None:
        toks = [t for t in tokens if t.dep_ not in _DROP_DEPS and t.pos_ in _KEEP_POS and not t.is_punct]
        # spaCy's stop list has content nouns ("call", "part", "name"): keep nouns
        while toks and len(toks) > 1 and (
            (toks[0].is_stop and toks[0].pos_ not in _NOUNS) or toks[0].pos_ in ("ADP", "ADV")
        ):
            toks = toks[1:]
        while toks and ((toks[-1].is_stop and toks[-1].pos_ not in _NOUNS) or toks[-1].pos_ == "ADP"):
            toks = toks[:-1]
        if not toks or len(toks) > max_words or any(t.i in person for t in toks):
            return
        if all(t.is_stop or t.pos_ in ("ADP", "NUM") for t in toks):
            return
        words = [_word(t) for t in toks]
        phrase = " ".join(w for w in words if w.strip() and not w.startswith("["))
        if phrase and phrase not in FILLER and len(phrase) > 2 and re.search(r"[a-z]", phrase):
            found.append(phrase)

    chunk_spans = []
    for chunk in sent.noun_chunks:
        if chunk.root.pos_ == "PRON":
            continue
        add(chunk)
        chunk_spans.append(chunk)
    for tok in sent:
        if tok.pos_ == "VERB" and tok.dep_ != "aux":
            for child in tok.children:
                if child.dep_ in ("dobj", "obj") and child.pos_ in ("NOUN", "PROPN"):
                    mods = [c for c in child.children if c.dep_ in ("compound", "amod")]
                    add([tok, *sorted(mods, key=lambda t: t.i), child])
                elif child.dep_ == "prep":
                    objs = [g for g in child.children if g.dep_ == "pobj" and g.pos_ in ("NOUN", "PROPN")
                            and g.lemma_.lower() not in FILLER]
                    for obj in objs:
                        mods = [c for c in obj.children if c.dep_ in ("compound",)]
                        words = [tok, child, *sorted(mods, key=lambda t: t.i), obj]
                        _add_raw(found, words, person, max_words)
        if tok.pos_ == "ADJ":
            adv = [c for c in tok.children
                   if c.dep_ == "advmod" and c.lower_ in ("too", "very", "really", "so", "way")]
            if adv:
                _add_raw(found, [adv[0], tok], person, max_words)
    return list(dict.fromkeys(found))


def _word(t: Token) -> str:
    """Lemma for merging inflections; proper nouns and mass nouns keep their form."""
    if t.pos_ == "PROPN" or t.lower_ in _KEEP_FORM:
        return t.lower_
    return t.lemma_.lower()


def _add_raw(found: list[str], toks: list[Token], person: set[int], max_words: int) -> None:
    """Add a phrase keeping function words ("sync with crm", "too expensive")."""
    if len(toks) > max_words or any(t.i in person for t in toks):
        return
    words = []
    for t in toks:
        if t.pos_ == "PRON" or t.dep_ in ("det", "poss"):
            continue
        words.append(_word(t))
    phrase = " ".join(words)
    if phrase and phrase not in FILLER and re.search(r"[a-z]{3}", phrase):
        found.append(phrase)

