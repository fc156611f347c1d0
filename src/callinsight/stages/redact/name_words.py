"""Word lists for the name detector: who is a name, what is an English word, what marks a name.

* Given names and surnames: Faker's person providers (MIT, maintained; many locales: US,
  British, Irish, Indian, Pakistani, Kenyan, Nigerian, Ghanaian, Spanish, Mexican, French,
  German, Italian, Polish, Portuguese, Brazilian, Dutch, Swedish, Turkish, Vietnamese, romanised
  Japanese and Chinese) and the US Census 1990 lists that the ``names`` package ships (5,163
  given names; the 20,000 commonest of 88,799 surnames). Both together caught the most on the
  labelled set (benchmarks/redaction.py). Accents are folded ("García" -> "garcia"); Latin
  script only.
* English words are spaCy's stop words plus the WordNet verb, adjective and adverb lemmas
  that ship in the spaCy model's lemmatizer tables. A name that is also such a word ("will",
  "grant", "bill", "mark", "may", "hope", "chase", "frank") is *ambiguous*: it needs more
  evidence than a plain given name. WordNet's noun list is no help (it holds "john", "dana").
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from functools import lru_cache
from importlib import resources

__all__ = ["CUE_AFTER", "CUE_BEFORE", "FILLERS", "INTERJECTIONS", "PARTICLES", "PLACE_PREFIXES", "TITLES",
           "WORD", "Lexicon", "fold"]

_LOCALES = (
    "en_US en_GB en_IE en_IN en_PK en_KE en_NG yo_NG ig_NG ha_NG tw_GH es_ES es_MX fr_FR de_DE "
    "it_IT pl_PL pt_PT pt_BR nl_NL sv_SE tr_TR vi_VN ja_JP zh_CN"
).split()

# common words that are also given names but are nouns only in WordNet (so not caught by the
# verb/adjective/adverb lists), and month names: ambiguous like "will" and "grant"
_COMMON_NOUN_NAMES = frozenset(
    "art faith grace joy amber ruby penny crystal holly ivy iris pearl heather daisy violet jade "
    "olive ginger summer autumn winter sky river rock guy max ray page case king cook hunter "
    "price story major deal sales chance christian dean cash gay honey angel rich young long "
    "january february march april june july august september october november december monday "
    "sunday".split()
)

# given names that are also common words, missing from or rare in the lists: added as names
# (ambiguous ones, so they still need a cue, a capital or a neighbouring name)
_EXTRA_GIVEN = frozenset(
    "will bill mark may hope chase frank grant art faith grace joy amber ruby penny crystal holly "
    "ivy iris pearl heather daisy violet jade olive ginger summer autumn sky river guy max ray rich "
    "dean june april august dawn rose sue pat jack bob sandy".split()
)
# words before a given name that make it part of a place ("San Francisco", "New Jersey")
PLACE_PREFIXES = frozenset("san santa los las new fort saint st port mount lake el la".split())
SURNAME_RANKS = 20000  # the census surnames kept, most common first (of 88,799)
TITLES = frozenset("mr mrs ms miss mister missus misses dr doctor prof professor madam sir".split())
PARTICLES = frozenset("de la del della der den van von da di du dos das le bin ibn al el st".split())
FILLERS = frozenset("uh um er erm ah uhm hmm mm".split())
# said on every call (some are rare surnames in the census lists): never a name
INTERJECTIONS = frozenset(
    "yeah yep yup yes no nope okay ok alright hi hello hey bye goodbye thanks please sorry wow oh "
    "huh sure right cool great guys folks everybody everyone".split()
)
# words after a name that show it is a place or an organisation ("the Dallas branch")
_PLACE_NOUNS = (
    "branch office offices store stores team site area location warehouse plant campus region "
    "market county city state street avenue road park lake river valley mountain airport hotel "
    "bank logistics inc llc ltd corp corporation company co group partners labs systems solutions "
    "technologies tech consulting capital insurance financial credit union university college "
    "school hospital clinic motors foods industries holdings media software national international "
    "global plan tier package edition suite platform app integration"
)
CUE_AFTER = frozenset(_PLACE_NOUNS.split())
CUE_BEFORE = frozenset("in near outside the our your their".split())


WORD = re.compile(r"[^\W\d_]+(?:['\u2019\-][^\W\d_]+)*")  # a word, with its apostrophes and hyphens
_UPPER = re.compile(r"[A-Z]")


def fold(word: str) -> str:
    """Lower case without accents; curly apostrophes become straight ones."""
    word = word.replace("\u2019", "'")
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c)).lower()


def _latin(word: str) -> bool:
    return word.replace("'", "").replace("-", "").isalpha() and word.isascii()


@lru_cache(maxsize=1)
def _gazetteer() -> tuple[frozenset[str], frozenset[str]]:
    """(given names, surnames) from Faker's person providers and the census lists, folded."""
    given: set[str] = set()
    family: set[str] = set()
    for locale in _LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr in dir(provider):
            if attr.startswith("_") or "name" not in attr or "format" in attr or "kana" in attr:
                continue
            target = family if "last" in attr else given if ("first" in attr or "middle" in attr) else None
            value = getattr(provider, attr)
            if target is None or not isinstance(value, list | tuple | dict):
                continue
            for name in value:
                if isinstance(name, str):
                    for part in fold(name).split():
                        if _latin(part) and len(part) >= 2:
                            target.add(part)
    for file, target, limit in (("dist.female.first", given, None), ("dist.male.first", given, None),
                                ("dist.all.last", family, SURNAME_RANKS)):
        for row in _census(file)[:limit]:
            target.add(row)
    return frozenset(given | _EXTRA_GIVEN), frozenset(family)


def _census(file: str) -> list[str]:
    """Names of one US Census 1990 list (the ``names`` package ships them), most common first."""
    try:
        text = (resources.files("names") / file).read_text(encoding="ascii")
    except (ModuleNotFoundError, FileNotFoundError):
        return []
    return [fold(line.split()[0]) for line in text.splitlines() if line.strip()]


class Lexicon:
    """Word classes for one spaCy pipeline.

    'name' (listed, not a common word), 'ambiguous' (listed and a common word), 'word' (an
    English stop word, verb, adjective or adverb), 'noun' (a WordNet noun: common nouns but also
    "goldberg", "jackson") or 'unknown' (none of these: rare names, brands, garbled words).
    """

    def __init__(self, nlp) -> None:
        given, family = _gazetteer()
        stops = {fold(w) for w in nlp.Defaults.stop_words}
        english: set[str] = set()
        nouns: set[str] = set()
        lookups = None
        if "lemmatizer" in nlp.pipe_names:
            lookups = getattr(nlp.get_pipe("lemmatizer"), "lookups", None)
        if lookups is not None and lookups.has_table("lemma_index"):
            index = lookups.get_table("lemma_index")
            for pos in ("verb", "adj", "adv"):
                english.update(w for w in index.get(pos, ()) if "_" not in w)
            nouns.update(w for w in index.get("noun", ()) if "_" not in w)
        names = (given | family) - (stops - {"will", "may"}) - INTERJECTIONS - FILLERS
        self.given = given & names
        self.family = family & names
        self.names = names
        self.ambiguous = frozenset(n for n in names if n in english or n in stops or n in _COMMON_NOUN_NAMES)
        self.stops = frozenset(stops)
        self.english = frozenset(english | stops)
        self.nouns = frozenset(nouns)
        self._plain = frozenset((self.english | INTERJECTIONS) - names)

    def may_hold_name(self, text: str) -> bool:
        """Whether spaCy's NER could matter for ``text``: cased text with a capitalised word
        that is not a plain English word (names that are words, "May", "Will", count), or
        lower-case text with a listed name. Where this is false the NER is skipped; on the
        labelled set, 3,500 real chat lines and the real calls' references that changed no
        span (benchmarks/redaction.py) and skipped NER on two thirds of the lines."""
        if not _UPPER.search(text):
            return any(fold(m.group()) in self.names for m in WORD.finditer(text))
        return any(w[0].isupper() and w != "I" and fold(w) not in self._plain
                   for w in (m.group() for m in WORD.finditer(text)))

    def kind(self, word: str, lemma: str = "") -> str:
        """The class of a folded word; ``lemma`` (of a verb, adjective or adverb) counts too."""
        if word in self.names:  # "shorter" (a surname) is "short" too
            return "ambiguous" if word in self.ambiguous or lemma in self.english else "name"
        if "-" in word:
            kinds = [self.kind(p) for p in word.split("-") if p]
            for k in ("name", "unknown", "noun", "ambiguous"):
                if k in kinds and "word" not in kinds or k == "name" and k in kinds:
                    return k
            return "word"
        if word in self.english or (lemma and lemma != word and lemma in self.english):
            return "word"
        return "noun" if word in self.nouns else "unknown"
