"""Phrase library search: customers' own words, ranked by meaning and keyword together.

``load_index(out_dir)`` reads every non-rep sentence of a run (``OUT/insights.db``) with
its call, deal, theme and objection, its stored sentence embedding, and builds a BM25
keyword index over lightly lemmatised, lowercased tokens. ``PhraseIndex.search`` ranks:

    score = 0.7 * cosine(query, sentence) + 0.3 * keyword

where ``keyword`` is the sentence's BM25 score divided by the sum of the query terms'
idf (about 1.0 when every query term occurs once in an average-length sentence), capped
at 1 and squared, so that matching one word of a several-word query counts little ("a
great time at the conference" must not outrank real answers to "saves time").

Why a weighted sum of two scores on comparable [0, 1] scales rather than reciprocal rank
fusion: the number stays meaningful (a weak keyword-only hit is not promoted to the top
the way RRF promotes every list's first item), and a sentence sharing no word with the
query still ranks on meaning alone, so "saves time" finds "it cuts the admin work".
Sentences scoring under ``min_score`` are dropped. An empty query lists the filtered
sentences, newest call first.

Queries are encoded with the embedding model the run recorded in its settings, never the
searcher's environment, so query and sentence vectors share one space. No web
dependencies: the CLI (``search_cli``) and the web app both call this; tokens and BM25
are in ``text_index``, store access in ``run_db``.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from callinsight.contracts import InputError
from callinsight.serve.run_db import fingerprint, open_store, store_path
from callinsight.serve.text_index import BM25, lemma, tokenize
from callinsight.settings import Settings
from callinsight.stages.report.formatting import format_timestamp, to_float, to_text
from callinsight.store.sqlite import Store

__all__ = ["Filters", "Hit", "PhraseIndex", "load_index", "cached_index", "sentence_rows",
           "fingerprint", "store_path", "tokenize", "lemma", "format_timestamp",
           "one_torch_thread", "SEMANTIC_WEIGHT"]

SEMANTIC_WEIGHT = 0.7  # the keyword part gets 1 - SEMANTIC_WEIGHT
MIN_SCORE = 0.12
OUTCOMES = ("won", "lost", "open")


class QueryEncoder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Filters:
    """Narrow the library. Empty fields do not filter; dates are inclusive call dates."""

    outcome: str | None = None
    theme_id: str | None = None
    objection: str | None = None
    rep: str | None = None
    since: date | None = None
    until: date | None = None

    @classmethod
    def parse(cls, outcome: str | None = None, theme_id: str | None = None,
              objection: str | None = None, rep: str | None = None,
              since: str | None = None, until: str | None = None) -> Filters:
        """From strings (CLI flags, form fields); raises InputError on a bad value."""
        outcome = (outcome or "").strip().lower() or None
        if outcome and outcome not in OUTCOMES:
            raise InputError(f"outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}.")
        return cls(outcome=outcome, theme_id=_clean(theme_id), objection=_clean(objection),
                   rep=_clean(rep), since=_date(since, "since"), until=_date(until, "until"))

    def is_empty(self) -> bool:
        return not any(asdict(self).values())


def _clean(value: str | None) -> str | None:
    return (value or "").strip() or None


def _date(value: str | None, name: str) -> date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise InputError(f"{name} must be a date like 2026-10-31, not {text!r}.") from None


@dataclass
class Hit:
    """One customer sentence found, with where it was said and what came of the deal."""

    text: str
    call_id: str
    deal_id: str | None
    speaker: str
    start: float
    end: float
    theme_id: str | None
    theme_label: str | None
    outcome: str | None  # won / lost / open; None when the deal or its outcome is unknown
    amount: float | None
    rep: str | None
    started_at: str | None
    objection: str | None
    score: float
    semantic: float
    keyword: float
    idx: int  # the sentence's index in its call (utterances.idx)

    @property
    def timestamp(self) -> str:
        return format_timestamp(self.start)


_HIT_COLUMNS = ["text", "call_id", "deal_id", "speaker", "start", "end", "theme_id", "theme_label",
                "outcome", "amount", "rep", "started_at", "objection", "idx"]


class PhraseIndex:
    """Customer sentences of one run with an embedding matrix and a BM25 keyword index."""

    def __init__(self, rows: pd.DataFrame, embeddings: np.ndarray, *,
                 encoder: QueryEncoder | None = None, embedding_model: str | None = None,
                 embedding_backend: str | None = None):
        """``embedding_model`` / ``embedding_backend``: what encoded the stored vectors (the
        run's settings); queries are encoded with the same unless ``encoder`` is given."""
        missing = [c for c in _HIT_COLUMNS if c not in rows.columns]
        if missing:
            raise ValueError(f"rows lack column(s) {', '.join(missing)}")
        if len(rows) != len(embeddings):
            raise ValueError("one embedding per row is needed")
        self.rows = rows.reset_index(drop=True)
        self.embeddings = np.ascontiguousarray(embeddings, dtype=np.float32)
        self.embedding_model = embedding_model or Settings.embedding_model
        self.embedding_backend = embedding_backend or Settings.embedding_backend
        self._encoder = encoder
        self._lock = threading.Lock()
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.bm25 = BM25([tokenize(t) for t in self.rows["text"]])
        self._codes = {col: _codes(self.rows[col], lower=col in ("objection", "rep", "outcome"))
                       for col in ("outcome", "theme_id", "objection", "rep")}
        # the call's date as written in calls.csv (its local date), not converted to UTC
        days = pd.to_datetime(self.rows["started_at"].astype("string").str[:10], errors="coerce",
                              format="%Y-%m-%d")
        self._days = days.to_numpy(dtype="datetime64[D]")
        key = self._days.astype("int64")
        key[np.isnat(self._days)] = np.iinfo(np.int64).min + 1  # undated calls last
        order = np.lexsort((self.rows["start"].to_numpy(), self.rows["call_id"].to_numpy(), -key))
        self._recent = order  # newest call first, then call id, then time in call

    def __len__(self) -> int:
        return len(self.rows)

    # --- facets for filter menus ------------------------------------------------
    def values(self, column: str) -> list[str]:
        """Distinct non-empty values of a column (reps, objection categories...), sorted."""
        return sorted({str(v) for v in self.rows[column].dropna() if str(v).strip()})

    def themes(self) -> list[tuple[str, str]]:
        """(theme_id, label) of every theme that has sentences, by label."""
        pairs = self.rows[["theme_id", "theme_label"]].dropna(subset=["theme_id"]).drop_duplicates()
        return sorted(((str(t), str(lbl or t)) for t, lbl in pairs.itertuples(index=False)),
                      key=lambda p: (p[1].lower(), p[0]))

    # --- search ------------------------------------------------------------------
    def mask(self, filters: Filters) -> np.ndarray:
        """Boolean mask of the rows that pass the filters."""
        keep = np.ones(len(self.rows), dtype=bool)
        for col, value in (("outcome", filters.outcome), ("theme_id", filters.theme_id),
                           ("objection", filters.objection), ("rep", filters.rep)):
            if value is None:
                continue
            codes, lookup = self._codes[col]
            key = value.lower() if col in ("objection", "rep", "outcome") else value
            keep &= codes == lookup.get(key, -2)
        if filters.since is not None:
            keep &= self._days >= np.datetime64(filters.since, "D")
        if filters.until is not None:
            keep &= self._days <= np.datetime64(filters.until, "D")
        return keep

    def encode_query(self, query: str) -> np.ndarray:
        """The query's unit embedding (cached per query text)."""
        with self._lock:
            if query in self._query_cache:
                self._query_cache.move_to_end(query)
                return self._query_cache[query]
        with one_torch_thread():
            vector = np.asarray(self.encoder.encode([query]), dtype=np.float32).reshape(-1)
        if vector.shape[0] != self.embeddings.shape[1] and len(self.rows):
            raise InputError(
                f"The query embedding of {self.embedding_model!r} has {vector.shape[0]} "
                f"dimensions but the run stored {self.embeddings.shape[1]}: the store's sentence "
                "vectors were not made with the embedding model its last run recorded; run "
                "`callinsight run` again to re-embed them."
            )
        with self._lock:
            self._query_cache[query] = vector
            while len(self._query_cache) > 256:
                self._query_cache.popitem(last=False)
        return vector

    @property
    def encoder(self) -> QueryEncoder:
        """The run's embedding model, loaded on the first query (not at import or load)."""
        if self._encoder is None:
            from callinsight.stages import embed

            self._encoder = embed.get_embedder(self.embedding_model, self.embedding_backend)
        return self._encoder

    def search(self, query: str, filters: Filters | None = None, limit: int | None = 10,
               min_score: float = MIN_SCORE) -> list[Hit]:
        """Hits for a query, best first (see the module docstring for the ranking)."""
        filters = filters or Filters()
        keep = self.mask(filters) if not filters.is_empty() else None
        query = " ".join((query or "").split())
        limit = len(self.rows) if limit is None else max(int(limit), 0)
        if not query:
            order = self._recent if keep is None else self._recent[keep[self._recent]]
            return self._hits(order[:limit])
        if not len(self.rows) or limit == 0:
            return []
        vector = self.encode_query(query)
        bm25, idf_sum = self.bm25.scores(tokenize(query))
        rows = np.flatnonzero(keep) if keep is not None else np.arange(len(self.rows))
        if len(rows) < 0.3 * len(self.rows):  # selective filters: only score the candidates
            semantic = self.embeddings[rows] @ vector
        else:
            semantic = (self.embeddings @ vector)[rows] if keep is not None else self.embeddings @ vector
        bm25 = bm25[rows] if keep is not None else bm25
        keyword = np.minimum(bm25 / idf_sum, 1.0) ** 2 if idf_sum > 0 else np.zeros_like(semantic)
        score = SEMANTIC_WEIGHT * semantic + (1 - SEMANTIC_WEIGHT) * keyword
        k = min(limit, len(score))
        if k == 0:
            return []
        top = np.argpartition(-score, k - 1)[:k] if k < len(score) else np.arange(len(score))
        top = top[np.lexsort((rows[top], -score[top]))]
        top = top[score[top] >= min_score]
        return self._hits(rows[top], score[top], semantic[top], keyword[top])

    def _hits(self, rows: np.ndarray, score: np.ndarray | None = None,
              semantic: np.ndarray | None = None, keyword: np.ndarray | None = None) -> list[Hit]:
        zeros = np.zeros(len(rows))
        records = self.rows.iloc[rows].to_dict("records")
        return [self._hit(r, float(a), float(b), float(c)) for r, a, b, c in zip(
            records, zeros if score is None else score, zeros if semantic is None else semantic,
            zeros if keyword is None else keyword, strict=True)]

    @staticmethod
    def _hit(row: dict[str, Any], score: float, semantic: float, keyword: float) -> Hit:
        return Hit(
            text=str(row["text"]), call_id=str(row["call_id"]), deal_id=_opt(row["deal_id"]),
            speaker=str(row["speaker"]), start=float(row["start"]), end=float(row["end"]),
            theme_id=_opt(row["theme_id"]), theme_label=_opt(row["theme_label"]),
            outcome=_opt(row["outcome"]), amount=to_float(row["amount"]), rep=_opt(row["rep"]),
            started_at=_opt(row["started_at"]), objection=_opt(row["objection"]),
            score=round(score, 4), semantic=round(semantic, 4), keyword=round(keyword, 4),
            idx=int(row["idx"]),
        )


_TORCH_LOCK = threading.Lock()


@contextmanager
def one_torch_thread() -> Iterator[None]:
    """Run a one-sentence encode on one torch thread.

    A single short query is far too little work to split: with two intra-op threads each
    of the model's small matrix products waits for both threads to be scheduled, which on a
    busy 2-core machine made a query take 200-800 ms instead of 25 ms (BENCHMARKS.md).
    """
    torch = sys.modules.get("torch")
    if torch is None or torch.get_num_threads() == 1:
        yield
        return
    with _TORCH_LOCK:
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(before)


def _codes(column: pd.Series, lower: bool) -> tuple[np.ndarray, dict[str, int]]:
    def norm(v: Any) -> str | None:
        return None if _opt(v) is None else (str(v).lower() if lower else str(v))

    values = column.map(norm)
    lookup: dict[str, int] = {}
    codes = np.array([-1 if v is None else lookup.setdefault(v, len(lookup)) for v in values],
                     dtype=np.int32)
    return codes, lookup


def _opt(value: Any) -> str | None:
    """A cell as text, None when missing or blank."""
    text = to_text(value)
    return text if text.strip() else None


# --------------------------------------------------------------------------- loading


_SENTENCE_COLUMNS = ["call_id", "idx", "speaker", "start", "end", "text", "objection", "embedding"]


def sentence_rows(store: Store) -> pd.DataFrame:
    """Every non-rep sentence with an embedding, with its call, deal and theme.

    The theme is the one the run stored for that utterance (``sentence_themes`` on the
    utterance key ``(call_id, idx)``): two sentences with the same time and words can
    belong to different themes, which a join on time and text could not tell apart.
    """
    rows = store.table("utterances", _SENTENCE_COLUMNS,
                       where="speaker != ? AND embedding IS NOT NULL", params=("rep",))
    calls = store.table("calls", ["call_id", "deal_id", "rep", "started_at"])
    rows = rows.merge(calls, on="call_id", how="inner", validate="many_to_one")
    rows = rows.sort_values(["call_id", "idx"], kind="stable").reset_index(drop=True)
    deals = store.table("deals", ["deal_id", "outcome", "amount"]).dropna(subset=["deal_id"])
    deals = deals.drop_duplicates("deal_id").set_index("deal_id")
    rows["outcome"] = rows["deal_id"].map(deals["outcome"])
    rows["amount"] = rows["deal_id"].map(deals["amount"])
    assigned = store.table("sentence_themes", ["call_id", "idx", "theme_id"])
    theme_of = {(str(c), int(i)): str(t) for c, i, t in assigned.itertuples(index=False)}
    rows["theme_id"] = [theme_of.get((str(c), int(i))) for c, i in
                        zip(rows["call_id"], rows["idx"], strict=True)]
    labels = dict(store.table("themes", ["theme_id", "label"]).itertuples(index=False))
    rows["theme_label"] = rows["theme_id"].map(lambda t: labels.get(t) if t else None)
    return rows


def load_index(out_dir: str | Path, encoder: QueryEncoder | None = None) -> PhraseIndex:
    """Build the phrase index of a run's output folder, for the run's embedding model."""
    store = open_store(out_dir)
    if not store.has_table("utterances"):
        raise InputError(f"{store.path} has no utterances yet: run `callinsight run` first.")
    rows = sentence_rows(store)
    blobs = rows.pop("embedding").tolist()
    if blobs:
        dim = len(blobs[0]) // 4
        matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), dim)
    else:
        matrix = np.zeros((0, 384), dtype=np.float32)
    # stores from before runs recorded their settings fall back to the defaults
    settings = store.run_settings()
    return PhraseIndex(rows, matrix, encoder=encoder,
                       embedding_model=settings.get("embedding_model"),
                       embedding_backend=settings.get("embedding_backend"))


_CACHE: dict[str, tuple[tuple, PhraseIndex]] = {}
_CACHE_LOCK = threading.Lock()


def cached_index(out_dir: str | Path, encoder: QueryEncoder | None = None) -> PhraseIndex:
    """``load_index`` cached per output folder until ``insights.db`` changes."""
    key = str(Path(out_dir).resolve())
    with _CACHE_LOCK:
        stamp = fingerprint(out_dir)
        cached = _CACHE.get(key)
        if cached and cached[0] == stamp:
            return cached[1]
        index = load_index(out_dir, encoder)
        if cached and encoder is None and _same_model(cached[1], index):
            index._encoder = cached[1]._encoder  # keep the loaded model
        _CACHE[key] = (stamp, index)
        return index


def _same_model(old: PhraseIndex, new: PhraseIndex) -> bool:
    """A new run may record another embedding model: its loaded encoder is then no use."""
    return (old.embedding_model, old.embedding_backend) == (new.embedding_model,
                                                            new.embedding_backend)


_CLI_NAMES = frozenset({"hits_csv", "search_command", "format_table", "hit_json", "CSV_COLUMNS"})


def __getattr__(name: str) -> Any:
    """``search_command`` and the CLI output helpers, still importable from here (lazily:
    ``search_cli`` imports this module)."""
    if name in _CLI_NAMES:
        from callinsight.serve import search_cli

        return getattr(search_cli, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
