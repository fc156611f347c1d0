"""Customer phrases as paraphrase groups, and the stop-word / filler filter of the phrase table.

``group_phrases`` maps each extracted (already lemmatised) phrase to a group key:

* **lemma rule**: phrases with the same sorted content-word lemmas are one group
  ("price increase" / "increase price", "firewood 🙂" / "firewood", "like water" / "water").
  Stop words that carry meaning (negation, quantity, direction and who-gets-what: ``not``,
  ``no``, ``more``, ``less``, ``too``, ``up``, ``give``, ``take`` ...) stay in the key, so
  "more firewood" / "less firewood", "give water" / "take water" and "need" / "not need"
  do not collapse.
* **embeddings**: complete-linkage agglomerative clustering on cosine distance, cut at
  ``1 - similarity``: every two members of a group are at least ``similarity`` alike
  (complete linkage keeps groups tight; average linkage chains "price" into anything).
* **cannot-link guards**: sentence embeddings put antonyms next to each other
  (MiniLM: "too expensive" / "too cheap" 0.90, "price too high" / "price too low" 0.92,
  above every true paraphrase but "cost too much"), and drop negation. Two phrases
  never group when one is negated and the other is not, or when one holds a word of
  ``ANTONYMS`` and the other its opposite.

The key of a group is its member with the most mentions (ties: the shortest, then
alphabetical), so quotes found by searching for the key's text still find the group's
sentences.

Choosing ``phrase_group_similarity`` (all-MiniLM-L6-v2, cosine of the bare phrases):

=========================================  =====  ========
pair                                       cos    wanted
=========================================  =====  ========
"cost too much" / "costs too much"         0.99   group
"too expensive" / "cost too much"          0.86   group
"too expensive" / "costs too much"         0.86   group
"setup cost" / "setup fee"                 0.81   group
"cost too much" / "price too high"         0.78   group
"too expensive" / "price too high"         0.74   group
"price" / "cost"                           0.74   either
"monthly fee" / "annual fee"               0.72   apart
"need food" / "food"                       0.72   apart
"out of price range" / "price too high"    0.70   group
"contract length" / "contract term"        0.65   group
"need water" / "need food"                 0.55   apart
"too expensive" / "out of price range"     0.55   group
"too expensive" / "out of our price range" 0.51   group
"free trial" / "trial period"              0.48   either
"extra food" / "extra firewood"            0.39   apart
"price" / "prize"                          0.32   apart
=========================================  =====  ========

No threshold gives all the "wanted" column: "out of our price range" is as far from "too
expensive" (0.51-0.55) as "need water" is from "need food" (0.55), and in negotiation
data (food / water / firewood) merging those items would be wrong in the way that
matters most. The default 0.8 is decided by "setup cost" / "setup fee" (0.81, in) against
"need food" / "food" and "monthly fee" / "annual fee" (0.72, out): it groups close
rewordings ("too expensive" + "cost too much" + "costs too much") and leaves looser
paraphrases ("price too high" 0.74-0.78, "out of our price range" 0.51-0.55) as their own
rows; themes, which cluster whole sentences, still bring those together. On a
negotiation corpus (552 candidates) 0.8 also groups "problem" / "issue", "good deal" /
"great deal", "split firewood" / "divide firewood", with a few loose ones ("wife" /
"husband", "priority" / "second priority"); 0.85 drops both kinds.

Size: clustering holds an n x n float32 similarity matrix and the condensed float64
distances (~300 MB at n = 5000), so at most ``MAX_EMBEDDED`` (5000) lemma groups, the most
mentioned, are embedded and clustered; phrases beyond the cap are grouped by the lemma
rule only. Vectors come from the embedder's cache when the phrases were seen before.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np
from spacy.lang.en.stop_words import STOP_WORDS

__all__ = ["ANTONYMS", "FILLERS", "MAX_EMBEDDED", "group_phrases", "is_filler", "lemma_key",
           "members_of"]

FILLERS = frozenset({
    "um", "uh", "yeah", "okay", "ok", "like", "know", "mean", "kind", "sort", "thing", "stuff",
    "lot", "bit", "really", "actually", "basically", "just", "gonna", "wanna", "hi", "hello",
    "thanks", "thank",
})
# spaCy lists these nouns as stop words; in sales talk they are content ("first call")
_CONTENT_STOP = frozenset({"call", "name", "part"})
_STOP = (frozenset(STOP_WORDS) | FILLERS) - _CONTENT_STOP
_NEGATION = frozenset({"not", "no", "never", "n't", "without", "nothing", "none", "nor", "neither",
                       "nobody", "nowhere", "cannot"})
# stop words that change what a phrase means: kept in the lemma key
_MEANINGFUL = _NEGATION | frozenset({
    "more", "less", "least", "most", "few", "fewer", "much", "many", "enough", "too", "only",
    "all", "full", "empty", "up", "down", "over", "under", "off", "out", "before",
    "after", "first", "last", "top", "bottom", "front", "back", "again", "several",
    "give", "take", "get", "keep", "put",  # who gets what: "give water" is not "take water"
})
ANTONYMS: tuple[tuple[str, str], ...] = (
    ("high", "low"), ("higher", "lower"), ("expensive", "cheap"), ("pricey", "cheap"),
    ("more", "less"), ("more", "fewer"), ("most", "least"), ("increase", "decrease"),
    ("raise", "lower"), ("up", "down"), ("buy", "sell"), ("win", "lose"), ("easy", "hard"),
    ("easy", "difficult"), ("fast", "slow"), ("quick", "slow"), ("big", "small"),
    ("large", "small"), ("long", "short"), ("early", "late"), ("good", "bad"),
    ("better", "worse"), ("best", "worst"), ("hot", "cold"), ("warm", "cold"), ("wet", "dry"),
    ("full", "empty"), ("add", "remove"), ("include", "exclude"), ("before", "after"),
    ("sign", "cancel"), ("start", "stop"), ("open", "close"), ("accept", "reject"),
    ("agree", "disagree"), ("like", "dislike"), ("love", "hate"), ("yes", "no"),
    ("in", "out"), ("on", "off"), ("over", "under"), ("many", "few"), ("much", "little"),
    ("strong", "weak"), ("safe", "risky"), ("simple", "complex"), ("simple", "complicated"),
    ("new", "old"), ("first", "last"), ("monthly", "annual"), ("monthly", "yearly"),
    ("give", "take"), ("give", "get"), ("give", "keep"), ("lend", "borrow"), ("send", "receive"),
    ("need", "have"), ("need", "spare"),
)
_OPPOSITE: dict[str, frozenset[str]] = {}
for _a, _b in ANTONYMS:
    _OPPOSITE[_a] = _OPPOSITE.get(_a, frozenset()) | {_b}
    _OPPOSITE[_b] = _OPPOSITE.get(_b, frozenset()) | {_a}
MAX_EMBEDDED = 5000
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def _words(phrase: str) -> list[str]:
    return _WORD.findall(phrase.lower())


def is_filler(phrase: str) -> bool:
    """True when every word is a stop word or filler ("you know", "kind of", "really"),
    or the phrase has no word at all."""
    words = _words(phrase)
    return all(w in _STOP for w in words)


def lemma_key(phrase: str) -> tuple[str, ...]:
    """The phrase's sorted content-word lemmas (phrases are lemmatised by extraction);
    stop words that change the meaning (negation, more/less, too, up/down) count."""
    words = _words(phrase)
    key = sorted(w for w in words if w not in _STOP or w in _MEANINGFUL)
    return tuple(key) if key else tuple(sorted(words))


def _cannot_link(words_a: frozenset[str], words_b: frozenset[str]) -> bool:
    """Negated against not negated, or a word against its opposite."""
    if bool(words_a & _NEGATION) != bool(words_b & _NEGATION):
        return True
    for w in words_a - words_b:
        if _OPPOSITE.get(w, frozenset()) & (words_b - words_a):
            return True
    return False


def _key_order(phrase: str, counts: Mapping[str, int]) -> tuple[int, int, str]:
    return (-int(counts.get(phrase, 0)), len(phrase), phrase)


def group_phrases(
    phrases: Sequence[str],
    counts: Mapping[str, int],
    encode: Callable[[list[str]], np.ndarray] | None,
    *,
    similarity: float,
) -> dict[str, str]:
    """Map each phrase to its group key (the group's most mentioned member).

    ``phrases``: the candidates (distinct; pass only those that could reach support).
    ``counts``: mentions per phrase, for the key and for the embedding cap.
    ``encode``: texts -> unit vectors (``get_embedder(...).encode``); ``None`` or
    ``similarity >= 1`` groups by the lemma rule only.
    """
    phrases = list(dict.fromkeys(phrases))
    if not phrases:
        return {}
    # lemma rule: units of phrases sharing a key
    units: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for p in phrases:
        units[lemma_key(p)].append(p)
    unit_members = [sorted(m, key=lambda p: _key_order(p, counts)) for m in units.values()]
    unit_members.sort(key=lambda m: _key_order(m[0], counts))  # most mentioned first
    parent = list(range(len(unit_members)))  # which unit each unit ends in

    if encode is not None and similarity < 1 and len(unit_members) > 1:
        embedded = unit_members[:MAX_EMBEDDED]
        _cluster_units(embedded, encode, similarity, parent)

    groups: dict[int, list[str]] = defaultdict(list)
    for i, members in enumerate(unit_members):
        groups[parent[i]].extend(members)
    out: dict[str, str] = {}
    for members in groups.values():
        key = min(members, key=lambda p: _key_order(p, counts))
        for p in members:
            out[p] = key
    return out


def _cluster_units(units: list[list[str]], encode: Callable[[list[str]], np.ndarray],
                   similarity: float, parent: list[int]) -> None:
    """Complete-linkage clustering of units (each a list of phrases) on cosine distance;
    writes each unit's cluster (its first unit's index) into ``parent``."""
    from scipy.cluster.hierarchy import fcluster, linkage

    n = len(units)
    if n < 2:
        return
    texts = [p for members in units for p in members]
    vectors = np.asarray(encode(texts), dtype=np.float32)
    vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    dist = vectors @ vectors.T
    if len(texts) > n:  # a unit's distance is its farthest pair of phrases (complete linkage)
        starts = np.r_[0, np.cumsum([len(m) for m in units])[:-1]]
        dist = np.minimum.reduceat(np.minimum.reduceat(dist, starts, axis=0), starts, axis=1)
    np.subtract(1.0, dist, out=dist)
    np.clip(dist, 0.0, 2.0, out=dist)
    words = [frozenset(w for p in members for w in _words(p)) for members in units]
    negated = np.array([bool(w & _NEGATION) for w in words])
    dist[np.ix_(negated, ~negated)] = 2.0
    dist[np.ix_(~negated, negated)] = 2.0
    for i, j in _opposite_pairs(words):
        dist[i, j] = dist[j, i] = 2.0
    np.fill_diagonal(dist, 0.0)
    condensed = dist[np.triu_indices(n, k=1)]
    del dist
    labels = fcluster(linkage(condensed, method="complete"), t=1.0 - similarity,
                      criterion="distance")
    first: dict[int, int] = {}
    for i, label in enumerate(labels):
        parent[i] = first.setdefault(int(label), i)


def _opposite_pairs(words: Sequence[frozenset[str]]) -> Iterable[tuple[int, int]]:
    """Pairs of units where one holds a word and the other its opposite (see ``ANTONYMS``)."""
    by_word: dict[str, list[int]] = defaultdict(list)
    for i, ws in enumerate(words):
        for w in ws:
            if w in _OPPOSITE:
                by_word[w].append(i)
    for w, holders in by_word.items():
        for o in _OPPOSITE[w]:
            for i in holders:
                for j in by_word.get(o, ()):
                    if i < j and _cannot_link(words[i], words[j]):
                        yield i, j


def members_of(groups: Mapping[str, str], counts: Mapping[str, int]) -> dict[str, list[str]]:
    """group key -> its other members, most mentioned first."""
    out: dict[str, list[str]] = defaultdict(list)
    for phrase, key in groups.items():
        if phrase != key:
            out[key].append(phrase)
    return {k: sorted(v, key=lambda p: _key_order(p, counts)) for k, v in out.items()}
