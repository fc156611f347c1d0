"""Extract stage: customer sentences, their phrases and objections, and call metrics.

Segments are split into sentences with spaCy; only non-rep sentences get phrases,
objection labels and embeddings (rep lines are kept for conversation metrics).

Modules: `sentences` (spaCy, rule split, discourse stripping), `phrases`, `names`
(person names kept out of phrases), `objections` (taxonomy, detector), `extractor`
and `metrics` (conversation metrics).
"""

from __future__ import annotations

from callinsight.stages.extract.extractor import EXTRACTOR_VERSION, ExtractOptions, Extractor
from callinsight.stages.extract.metrics import conversation_metrics
from callinsight.stages.extract.names import FIRST_NAMES, person_tokens
from callinsight.stages.extract.objections import Category, ObjectionDetector, Taxonomy, load_taxonomy
from callinsight.stages.extract.phrases import FILLER, phrases_of
from callinsight.stages.extract.sentences import load_nlp, split_sentences, strip_discourse

__all__ = [
    "EXTRACTOR_VERSION",
    "FILLER",
    "FIRST_NAMES",
    "Category",
    "ExtractOptions",
    "Extractor",
    "ObjectionDetector",
    "Taxonomy",
    "conversation_metrics",
    "load_nlp",
    "load_taxonomy",
    "person_tokens",
    "phrases_of",
    "split_sentences",
    "strip_discourse",
]
