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

No web dependencies: the CLI (``callinsight search``) and the web app both call this.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import re
import sqlite3
import sys
import textwrap
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
from scipy import sparse

from callinsight.contracts import InputError

__all__ = [
    "Filters",
    "Hit",
    "PhraseIndex",
    "load_index",
    "cached_index",
    "tokenize",
    "lemma",
    "hits_csv",
    "format_timestamp",
    "search_command",
    "SEMANTIC_WEIGHT",
]

SEMANTIC_WEIGHT = 0.7  # the keyword part gets 1 - SEMANTIC_WEIGHT
MIN_SCORE = 0.12
BM25_K1, BM25_B = 1.2, 0.75
OUTCOMES = ("won", "lost", "open")


class QueryEncoder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...


# --------------------------------------------------------------------------- tokens

_TOKEN = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    "a an the and or but if of to in on at for with by from as is are was were be been being "
    "am it its it's this that these those i we you they he she me us our ours your their my him "
    "her them do does did doing have has had having so very just can could would should will "
    "shall may might must there here what which who whom when where why how all any each other "
    "some such than too s t d ll m re ve don doesn didn isn aren wasn won't about into over "
    "then once up out off also yeah yes oh okay ok um uh like really well".split()
)
_IRREGULAR = {
    "children": "child", "kids": "kid", "people": "person", "men": "man", "women": "woman",
    "went": "go", "gone": "go", "said": "say", "paid": "pay", "bought": "buy", "spent": "spend",
    "thought": "think", "made": "make", "took": "take", "taken": "take", "got": "get",
    "gotten": "get", "saw": "see", "seen": "see", "better": "good", "best": "good",
    "cheaper": "cheap", "cheapest": "cheap", "built": "build", "sent": "send", "felt": "feel",
    "kept": "keep", "using": "use", "left": "leave", "lost": "lose", "won": "win", "sold": "sell",
    "told": "tell",
}
_VOWELS = set("aeiouy")


def _cvc(stem: str) -> bool:
    """consonant-vowel-consonant at the end of a short stem (sav-e, tim-e, pric-e)."""
    if len(stem) < 3 or len(stem) > 4:
        return False
    a, b, c = stem[-3], stem[-2], stem[-1]
    return a not in _VOWELS and b in _VOWELS and c not in _VOWELS and c not in "wxy"


@lru_cache(maxsize=262_144)
def lemma(token: str) -> str:
    """A light English lemmatiser: irregular forms and inflection suffixes (Porter step 1).

    ``saves``, ``saved``, ``saving`` -> ``save``; ``prices``, ``pricing`` -> ``price``;
    ``companies`` -> ``company``; ``cutting`` -> ``cut``. Applied to documents and queries
    alike, so consistency matters more than linguistic exactness.
    """
    if token in _IRREGULAR:
        return _IRREGULAR[token]
    if len(token) <= 3 or token.isdigit():
        return token
    if token.endswith("ies") and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith("sses"):
        return token[:-2]
    if token.endswith(("xes", "ches", "shes", "zzes")):
        return token[:-2]
    if token.endswith("s") and not token.endswith(("ss", "us", "is")):
        token = token[:-1]
    elif token.endswith("ly") and len(token) > 5:
        return token[:-2]
    for suffix in ("ing", "ed"):
        if token.endswith(suffix) and not token.endswith("eed"):
            stem = token[: -len(suffix)]
            if len(stem) < 2 or not _VOWELS & set(stem):
                continue
            if stem.endswith(("at", "bl", "iz")):
                return stem + "e"
            if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsz" + "".join(_VOWELS):
                return stem[:-1]
            if _cvc(stem):
                return stem + "e"
            return stem
    return token


def tokenize(text: str) -> list[str]:
    """Lowercased, lemmatised content words of a text."""
    return [lemma(t) for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS]


class BM25:
    """Okapi BM25 over a fixed corpus; scores are a sparse column sum per query."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = BM25_K1, b: float = BM25_B):
        self.vocab: dict[str, int] = {}
        rows, cols = [], []
        for i, toks in enumerate(docs):
            for tok in toks:
                rows.append(i)
                cols.append(self.vocab.setdefault(tok, len(self.vocab)))
        n = len(docs)
        tf = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, max(len(self.vocab), 1))
        )
        tf.sum_duplicates()
        lengths = np.asarray(tf.sum(axis=1)).ravel()
        avgdl = float(lengths.mean()) if n and lengths.mean() > 0 else 1.0
        df = np.bincount(tf.indices, minlength=tf.shape[1])
        self.n = n
        self.idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        self.max_idf = float(math.log1p((n + 0.5) / 0.5))
        norm = k1 * (1 - b + b * lengths / avgdl)
        row_norm = np.repeat(norm, np.diff(tf.indptr)).astype(np.float32)
        data = tf.data * (k1 + 1) / (tf.data + row_norm) * self.idf[tf.indices]
        self.weights = sparse.csr_matrix((data, tf.indices, tf.indptr), shape=tf.shape).tocsc()

    def scores(self, terms: Iterable[str]) -> tuple[np.ndarray, float]:
        """(BM25 score per document, sum of the query terms' idf) for query terms."""
        terms = list(dict.fromkeys(terms))
        ids = [self.vocab[t] for t in terms if t in self.vocab]
        idf_sum = sum(float(self.idf[self.vocab[t]]) if t in self.vocab else self.max_idf
                      for t in terms)
        if not ids:
            return np.zeros(self.n, dtype=np.float32), idf_sum
        return np.asarray(self.weights[:, ids].sum(axis=1)).ravel(), idf_sum


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


def format_timestamp(seconds: float | None) -> str:
    """``75.4 -> "01:15"`` (``h:mm:ss`` from one hour on)."""
    if seconds is None or not math.isfinite(seconds):
        return "—"
    hours, rest = divmod(int(max(seconds, 0.0)), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


_HIT_COLUMNS = ["text", "call_id", "deal_id", "speaker", "start", "end", "theme_id", "theme_label",
                "outcome", "amount", "rep", "started_at", "objection", "idx"]


class PhraseIndex:
    """Customer sentences of one run with an embedding matrix and a BM25 keyword index."""

    def __init__(self, rows: pd.DataFrame, embeddings: np.ndarray, *,
                 encoder: QueryEncoder | None = None, embedding_model: str | None = None):
        missing = [c for c in _HIT_COLUMNS if c not in rows.columns]
        if missing:
            raise ValueError(f"rows lack column(s) {', '.join(missing)}")
        if len(rows) != len(embeddings):
            raise ValueError("one embedding per row is needed")
        self.rows = rows.reset_index(drop=True)
        self.embeddings = np.ascontiguousarray(embeddings, dtype=np.float32)
        self.embedding_model = embedding_model
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
                f"The query embedding has {vector.shape[0]} dimensions but the run stored "
                f"{self.embeddings.shape[1]}: search with the embedding model of the run "
                "(set CALLINSIGHT_EMBEDDING_MODEL)."
            )
        with self._lock:
            self._query_cache[query] = vector
            while len(self._query_cache) > 256:
                self._query_cache.popitem(last=False)
        return vector

    @property
    def encoder(self) -> QueryEncoder:
        if self._encoder is None:
            from callinsight.settings import load_settings
            from callinsight.stages.embed import get_embedder

            self._encoder = get_embedder(self.embedding_model or load_settings().embedding_model)
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
            outcome=_opt(row["outcome"]), amount=_opt_float(row["amount"]), rep=_opt(row["rep"]),
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
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value)
    return text if text.strip() else None


def _opt_float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


# --------------------------------------------------------------------------- loading


def store_path(out_dir: str | Path) -> Path:
    """``OUT/insights.db``, or an InputError telling the user to run the flow first."""
    db = Path(out_dir) / "insights.db"
    if not db.is_file():
        raise InputError(f"No run found in {out_dir} (no insights.db): run `callinsight run` "
                         "first, or pass the --out folder of a run.")
    return db


def table_exists(con: sqlite3.Connection, name: str) -> bool:
    return con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                       (name,)).fetchone() is not None


def latest_summary(con: sqlite3.Connection) -> dict:
    """The last run's summary JSON from the ``runs`` table ({} when absent)."""
    if not table_exists(con, "runs"):
        return {}
    row = con.execute("SELECT summary FROM runs ORDER BY finished_at DESC, run_id DESC LIMIT 1"
                      ).fetchone()
    try:
        return json.loads(row[0]) if row and row[0] else {}
    except json.JSONDecodeError:
        return {}


def read_only(db: Path) -> sqlite3.Connection:
    """A read-only connection (the web app never writes the store)."""
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)


def load_index(out_dir: str | Path, encoder: QueryEncoder | None = None) -> PhraseIndex:
    """Build the phrase index of a run's output folder."""
    db = store_path(out_dir)
    con = read_only(db)
    try:
        has = {t: table_exists(con, t) for t in ("deals", "quotes", "themes", "utterances")}
        if not has["utterances"]:
            raise InputError(f"{db} has no utterances yet: run `callinsight run` first.")
        deal_cols = ("d.outcome AS outcome, d.amount AS amount" if has["deals"]
                     else "NULL AS outcome, NULL AS amount")
        deal_join = "LEFT JOIN deals d ON d.deal_id = c.deal_id" if has["deals"] else ""
        rows = pd.read_sql_query(
            'SELECT u.call_id, u.idx, u.speaker, u.start, u."end", u.text, u.objection,'
            f" u.embedding, c.deal_id, c.rep, c.started_at, {deal_cols} FROM utterances u"
            f" JOIN calls c USING (call_id) {deal_join}"
            " WHERE u.speaker != 'rep' AND u.embedding IS NOT NULL ORDER BY u.call_id, u.idx",
            con,
        )
        quote_cols = ["theme_id", "call_id", "start", "text"]
        quotes = (pd.read_sql_query(f"SELECT {', '.join(quote_cols)} FROM quotes", con)
                  if has["quotes"] else pd.DataFrame(columns=quote_cols))
        labels = (dict(con.execute("SELECT theme_id, label FROM themes").fetchall())
                  if has["themes"] else {})
        model = latest_summary(con).get("embedding_model")
    finally:
        con.close()
    theme_of = {(c, float(s), t): th for th, c, s, t in quotes.itertuples(index=False)}
    rows["theme_id"] = [theme_of.get((c, float(s), t)) for c, s, t in
                        zip(rows["call_id"], rows["start"], rows["text"], strict=True)]
    rows["theme_label"] = rows["theme_id"].map(lambda t: labels.get(t) if t else None)
    blobs = rows.pop("embedding").tolist()
    if blobs:
        dim = len(blobs[0]) // 4
        matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), dim)
    else:
        matrix = np.zeros((0, 384), dtype=np.float32)
    return PhraseIndex(rows, matrix, encoder=encoder, embedding_model=model)


def fingerprint(out_dir: str | Path) -> tuple:
    """Changes whenever the store changes (SQLite WAL mode writes the -wal file first)."""
    db = store_path(out_dir)
    parts: list[Any] = [str(db.resolve())]
    for path in (db, db.with_name(db.name + "-wal")):
        try:
            st = path.stat()
            parts += [st.st_mtime_ns, st.st_size]
        except FileNotFoundError:
            parts += [None, None]
    return tuple(parts)


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
        if cached and encoder is None:
            index._encoder = cached[1]._encoder  # keep the loaded model
        _CACHE[key] = (stamp, index)
        return index


# --------------------------------------------------------------------------- output


def _neutralise(value: Any) -> Any:
    """Spreadsheet formula injection: text cells starting = + - @ tab CR get a leading '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


CSV_COLUMNS = ["text", "call_id", "deal_id", "speaker", "start", "end", "timestamp", "theme_id",
               "theme_label", "outcome", "amount", "rep", "started_at", "objection", "score"]


def hits_csv(hits: Sequence[Hit]) -> str:
    """Hits as CSV text (every cell quoted where needed; formula cells neutralised)."""
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for hit in hits:
        record = {**asdict(hit), "timestamp": hit.timestamp}
        writer.writerow(["" if record[c] is None else _neutralise(record[c]) for c in CSV_COLUMNS])
    return buf.getvalue()


def _money(value: float | None) -> str:
    return "" if value is None else f"${value:,.0f}"


def format_table(hits: Sequence[Hit], width: int = 100) -> str:
    """A readable plain-text listing of hits."""
    if not hits:
        return "No matching customer quotes."
    lines = []
    for n, h in enumerate(hits, start=1):
        facts = [f"call {h.call_id} @ {h.timestamp}"]
        if h.deal_id:
            facts.append(" ".join(x for x in (f"deal {h.deal_id}", h.outcome or "",
                                              _money(h.amount)) if x))
        facts += [x for x in (h.rep, (h.started_at or "")[:10]) if x]
        if h.theme_label or h.theme_id:
            facts.append(f"theme: {h.theme_label or h.theme_id}")
        if h.objection:
            facts.append(f"objection: {h.objection}")
        lines.append(f"{n:>2}. [{h.score:.2f}] " + " · ".join(facts))
        lines += textwrap.wrap(f"“{h.text}”", width=width, initial_indent="    ",
                               subsequent_indent="     ")
    return "\n".join(lines)


def hit_json(hit: Hit) -> dict[str, Any]:
    return {**asdict(hit), "timestamp": hit.timestamp}


def search_command(args: argparse.Namespace) -> int:
    """``callinsight search QUERY [--out OUT] [--json] [filters]``."""
    filters = Filters.parse(args.outcome, args.theme, args.objection, args.rep, args.since,
                            args.until)
    index = load_index(args.out)
    hits = index.search(args.query, filters, limit=args.limit)
    if args.json:
        json.dump([hit_json(h) for h in hits], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(format_table(hits))
    return 0

