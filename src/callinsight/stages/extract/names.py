"""Person names in a parsed sentence, so that phrases never carry them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Span

__all__ = ["FIRST_NAMES", "person_tokens"]

FIRST_NAMES = frozenset("""
aaron adam adrian aisha alan albert alex alexander alice alicia amanda amber amy ana andrea andrew
angela anna anthony antonio ashley austin barbara ben benjamin beth betty bill bob brandon brenda
brian brittany bruce bryan carl carlos carol caroline catherine charles charlie chris christina
christine christopher cindy claire craig crystal cynthia dan daniel danielle david deborah debra
dennis derek diana diane donald donna doug douglas dylan ed edward elena elizabeth ellen emily
emma eric erica erin ethan eugene evan frank gabriel gary george gloria grace greg gregory hannah
harold heather helen henry holly ian isabella jack jacob jake james jamie jane janet jason jeff
jeffrey jen jennifer jenny jeremy jerry jess jessica jim joan joe joel john jonathan jordan jose
joseph josh joshua joyce juan judy julia julie justin karen kate katherine kathleen kathy katie
kelly ken kenneth kevin kim kimberly kyle larry laura lauren linda lisa liz logan lori louis lucas
luis luke madison maria marie mark martha martin mary matt matthew megan melissa michael michelle
mike miguel natalie nathan nicholas nick nicole noah olivia pamela pat patricia patrick paul peter
philip priya rachel ralph randy raj ray raymond rebecca richard rick rob robert roger ron ronald rose
russell ruth ryan sam samantha samuel sandra sara sarah scott sean sharon shawn sophia stephanie
stephen steve steven sue susan tammy teresa terry theresa thomas tim timothy tina todd tom tony
tracy tyler valerie vanessa victor victoria vincent walter wayne william zach zachary
""".split())
_TITLES = frozenset({"mr", "mrs", "ms", "dr", "mr.", "mrs.", "ms.", "dr."})


def person_tokens(sent: Span) -> set[int]:
    """Token indices of person names: NER when the pipeline has it, else a cheap rule.

    Without NER (it is disabled for speed), a proper noun that is a common first name, or
    that follows a title (Mr, Dr...), is a name, and so are the proper nouns right after it
    (the surname).
    """
    person = {t.i for ent in sent.ents if ent.label_ == "PERSON" for t in ent}
    if person or sent.doc.has_annotation("ENT_IOB"):
        return person
    prev_name = False
    for i, t in enumerate(sent):
        is_name = t.pos_ == "PROPN" and t.text[:1].isupper() and (
            t.lower_ in FIRST_NAMES or prev_name or (i and sent[i - 1].lower_ in _TITLES)
        )
        if is_name:
            person.add(t.i)
        prev_name = is_name or (prev_name and t.tag_ == "POS")
        if t.tag_ == "POS" and t.i - 1 in person:
            person.add(t.i)
    return person
