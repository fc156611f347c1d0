"""Store stage: the SQLite database ``insights.db`` in the output folder.

It holds the transcript cache (keyed by audio hash + model + options), each call's
current segments and extracted utterances, theme history for stable theme ids, and
the output tables of the last run. SQLite runs in WAL mode; every write is one
explicit transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``, DDL included), so a kill at any
moment leaves either the previous state or the new one, never a mix.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from callinsight.contracts import STORE_TABLES, Call, InputError, Segment, Transcript, catalog
from callinsight.store.sql import from_blob, quote_identifier, replace_table, table_names, to_blob

SCHEMA_TABLES = frozenset(STORE_TABLES)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """Thin typed access to ``insights.db``; one short-lived connection per operation."""

    def __init__(self, path: str | Path, *, read_only: bool = False):
        """Open (and create or migrate) ``path``; ``read_only`` opens an existing store for
        reading only (web app, search), never creating or changing it."""
        self.path = Path(path)
        self.read_only = read_only
        self._lock = threading.Lock()
        if read_only:
            if not self.path.is_file():
                raise InputError(f"No run found in {self.path.parent} (no {self.path.name}): run "
                                 "`callinsight run` first, or pass the --out folder of a run.")
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        try:
            if con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                con.execute("PRAGMA journal_mode=WAL")
            have = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            con.close()
        if not SCHEMA_TABLES <= have:  # a new store, or one from before a table was added
            with self.connect(write=True) as con:
                for schema in STORE_TABLES.values():
                    con.execute(schema.ddl())

    @contextmanager
    def connect(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection whose block is one transaction: committed on success, rolled back on error.

        The transaction is explicit, so DDL (``DROP`` / ``CREATE TABLE``) is inside it too
        (Python's implicit transactions would commit before DDL). ``write=True`` takes the
        write lock up front (``BEGIN IMMEDIATE``), so concurrent writers queue on the busy
        timeout instead of failing halfway.
        """
        if write and self.read_only:
            raise PermissionError(f"{self.path} is open read-only")
        con = (sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30, isolation_level=None)
               if self.read_only else sqlite3.connect(self.path, timeout=60, isolation_level=None))
        try:
            con.execute("PRAGMA foreign_keys=ON")
            if not self.read_only:
                con.execute("PRAGMA synchronous=NORMAL")
                # deleted rows (an unredacted transcript replaced, a forgotten call) are
                # overwritten with zeros, not left readable in free pages
                con.execute("PRAGMA secure_delete=ON")
            con.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            con.close()

    # --- vector cache (configuration examples) ------------------------------
    def cached_vectors(self, cache_key: str) -> np.ndarray | None:
        """Vectors stored under ``cache_key`` (configuration examples, not call data)."""
        with self.connect() as con:
            row = con.execute("SELECT dim, vectors FROM vector_cache WHERE cache_key = ?",
                              (cache_key,)).fetchone()
        if row is None:
            return None
        return np.frombuffer(row[1], dtype=np.float32).reshape(-1, row[0]).copy()

    def put_vectors(self, cache_key: str, vectors: np.ndarray) -> None:
        data = np.ascontiguousarray(vectors, dtype=np.float32)
        with self._lock, self.connect(write=True) as con:
            con.execute("INSERT OR REPLACE INTO vector_cache VALUES (?,?,?,?)",
                        (cache_key, int(data.shape[1]), data.tobytes(), now_iso()))

    # --- transcript cache -------------------------------------------------
    def cached_transcript(self, cache_key: str, call_id: str) -> Transcript | None:
        with self.connect() as con:
            row = con.execute(
                "SELECT source, options, duration, redactions, segments FROM transcript_cache"
                " WHERE cache_key = ?",
                (cache_key,),
            ).fetchone()
        if row is None:
            return None
        source, options, duration, redactions, segments = row
        return Transcript(
            call_id=call_id,
            segments=[Segment(**s) for s in json.loads(segments)],
            source=source,
            options=json.loads(options),
            duration=duration,
            redactions=redactions,
        )

    def rep_voice_prints(self, rep: str, *, exclude_call: str | None = None) -> list[np.ndarray]:
        """The rep's voice from each of the rep's current diarized transcripts whose roles
        were settled (see :mod:`callinsight.stages.speakers.voices`)."""
        from callinsight.stages.speakers.voices import rep_print

        with self.connect() as con:
            rows = con.execute(
                "SELECT c.call_id, t.options FROM calls c JOIN transcript_cache t USING (cache_key)"
                " WHERE c.rep = ? AND t.options LIKE '%\"voices\"%'",
                (rep,),
            ).fetchall()
        prints = []
        for call_id, options in rows:
            if call_id != exclude_call:
                vec = rep_print(json.loads(options))
                if vec is not None:
                    prints.append(vec)
        return prints

    def transcribed_as(self, prefix: str, call_id: str) -> Transcript | None:
        """A cached transcript whose key starts with ``prefix``: the same input transcribed
        with the same options, its roles assigned from other role inputs."""
        with self.connect() as con:
            row = con.execute("SELECT cache_key FROM transcript_cache WHERE substr(cache_key, 1, ?) = ?"
                              " ORDER BY created_at DESC LIMIT 1", (len(prefix), prefix)).fetchone()
        return None if row is None else self.cached_transcript(row[0], call_id)

    def drop_stale_derivations(self, prefix: str, keep: str) -> int:
        """Delete cached transcripts of the same input (``prefix``) derived under older role or
        name-redaction settings, unless a call still uses one; checkpoints the WAL so the old
        text leaves the files too. Returns rows deleted."""
        with self._lock, self.connect(write=True) as con:
            n = con.execute(
                "DELETE FROM transcript_cache WHERE substr(cache_key, 1, ?) = ? AND cache_key != ?"
                " AND cache_key NOT IN (SELECT cache_key FROM calls WHERE cache_key IS NOT NULL)",
                (len(prefix), prefix, keep)).rowcount
        if n:
            with self._lock:
                con = sqlite3.connect(self.path, timeout=60)
                try:
                    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                finally:
                    con.close()
        return n

    def save_transcript(self, call: Call, transcript: Transcript, cache_key: str) -> None:
        """Cache the transcript and make it the call's current one, in one transaction."""
        seg_json = json.dumps([asdict(s) for s in transcript.segments])
        mono = int(all(s.speaker == "unknown" for s in transcript.segments) and bool(transcript.segments))
        with self._lock, self.connect(write=True) as con:
            con.execute(
                "INSERT OR REPLACE INTO transcript_cache VALUES (?,?,?,?,?,?,?)",
                (
                    cache_key,
                    transcript.source,
                    json.dumps(transcript.options, sort_keys=True),
                    transcript.duration,
                    transcript.redactions,
                    seg_json,
                    now_iso(),
                ),
            )
            con.execute("DELETE FROM segments WHERE call_id = ?", (call.call_id,))
            con.executemany(
                'INSERT INTO segments (call_id, idx, start, "end", speaker, text, confidence, channel)'
                " VALUES (?,?,?,?,?,?,?,?)",
                [
                    (call.call_id, i, s.start, s.end, s.speaker, s.text, s.confidence, s.channel)
                    for i, s in enumerate(transcript.segments)
                ],
            )
            con.execute(
                "INSERT OR REPLACE INTO calls (call_id, deal_id, rep, started_at, recording, transcript,"
                " cache_key, source, duration, redactions, mono, extract_key, updated_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,NULL,?)",
                (
                    call.call_id,
                    call.deal_id,
                    call.rep,
                    call.started_at.isoformat() if call.started_at else None,
                    str(call.recording) if call.recording else None,
                    str(call.transcript) if call.transcript else None,
                    cache_key,
                    transcript.source,
                    transcript.duration,
                    transcript.redactions,
                    mono,
                    now_iso(),
                ),
            )
            con.execute("DELETE FROM utterances WHERE call_id = ?", (call.call_id,))
            con.execute("DELETE FROM call_failures WHERE call_id = ?", (call.call_id,))

    def update_call_meta(self, call: Call) -> None:
        """Refresh manifest fields (deal, rep, date) of an already transcribed call."""
        with self._lock, self.connect(write=True) as con:
            con.execute(
                "UPDATE calls SET deal_id = ?, rep = ?, started_at = ? WHERE call_id = ?",
                (call.deal_id, call.rep, call.started_at.isoformat() if call.started_at else None,
                 call.call_id),
            )

    def current_cache_key(self, call_id: str) -> str | None:
        with self.connect() as con:
            row = con.execute("SELECT cache_key FROM calls WHERE call_id = ?", (call_id,)).fetchone()
        return row[0] if row else None

    def transcript(self, call_id: str) -> list[Segment]:
        with self.connect() as con:
            rows = con.execute(
                'SELECT start, "end", speaker, text, confidence, channel FROM segments'
                " WHERE call_id = ? ORDER BY idx",
                (call_id,),
            ).fetchall()
        return [Segment(*r) for r in rows]

    # --- failures ---------------------------------------------------------
    def record_failure(self, call_id: str, input_key: str, reason: str) -> None:
        with self._lock, self.connect(write=True) as con:
            con.execute(
                "INSERT OR REPLACE INTO call_failures VALUES (?,?,?,?)",
                (call_id, input_key, reason, now_iso()),
            )

    def failure(self, call_id: str) -> tuple[str, str] | None:
        """(input_key, reason) of a call's last failure, if any."""
        with self.connect() as con:
            row = con.execute(
                "SELECT input_key, reason FROM call_failures WHERE call_id = ?", (call_id,)
            ).fetchone()
        return (row[0], row[1]) if row else None

    # --- utterances (extraction results) -----------------------------------
    def extract_key(self, call_id: str) -> str | None:
        with self.connect() as con:
            row = con.execute("SELECT extract_key FROM calls WHERE call_id = ?", (call_id,)).fetchone()
        return row[0] if row else None

    def save_utterances(self, call_id: str, extract_key: str, rows: Sequence[dict]) -> None:
        self.save_utterances_many(extract_key, {call_id: rows})

    def save_utterances_many(self, extract_key: str, rows: Mapping[str, Sequence[dict]]) -> None:
        """Replace the utterances of several calls in one transaction (one commit per batch
        of calls, not per call)."""
        if not rows:
            return
        with self._lock, self.connect(write=True) as con:
            for call_id, call_rows in rows.items():
                con.execute("DELETE FROM utterances WHERE call_id = ?", (call_id,))
                con.execute("DELETE FROM call_failures WHERE call_id = ?", (call_id,))  # it worked now
                con.executemany(
                    'INSERT INTO utterances (call_id, idx, segment_idx, speaker, start, "end", text, '
                    "phrases, objection, objection_score, embedding) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    [(call_id, i, r["segment_idx"], r["speaker"], r["start"], r["end"], r["text"],
                      json.dumps(r["phrases"]), r.get("objection"), r.get("objection_score"),
                      to_blob(r.get("embedding")))
                     for i, r in enumerate(call_rows)],
                )
                con.execute("UPDATE calls SET extract_key = ? WHERE call_id = ?", (extract_key, call_id))

    def utterances(
        self, call_ids: Iterable[str] | None = None, *, speakers: Iterable[str] | None = None
    ) -> pd.DataFrame:
        """Extracted utterances joined with their call's deal and rep.

        ``speakers`` keeps only those speakers' rows (plus every row of mono calls, which
        the analysis counts), so a large store is not read whole into memory.
        """
        query = (
            'SELECT u.call_id, u.idx, u.segment_idx, u.speaker, u.start, u."end", u.text, u.phrases,'
            " u.objection, u.objection_score, u.embedding, c.deal_id, c.rep, c.started_at, c.mono"
            " FROM utterances u JOIN calls c USING (call_id)"
        )
        params: list[str] = []
        if speakers is not None:
            params = sorted(set(speakers))
            query += f" WHERE (u.speaker IN ({','.join('?' * len(params))}) OR c.mono = 1)"
        with self.connect() as con:
            df = pd.read_sql_query(query + " ORDER BY u.call_id, u.idx", con, params=params)
        if call_ids is not None:
            df = df[df["call_id"].isin(set(call_ids))]
        df["phrases"] = df["phrases"].map(json.loads)
        return df.reset_index(drop=True)

    def segments_frame(self, call_ids: Iterable[str] | None = None) -> pd.DataFrame:
        with self.connect() as con:
            df = pd.read_sql_query(
                'SELECT s.call_id, s.idx, s.start, s."end", s.speaker, s.text, s.confidence,'
                " c.deal_id, c.rep FROM segments s JOIN calls c USING (call_id)"
                " ORDER BY s.call_id, s.idx",
                con,
            )
        if call_ids is not None:
            df = df[df["call_id"].isin(set(call_ids))].reset_index(drop=True)
        return df

    def calls_frame(self) -> pd.DataFrame:
        with self.connect() as con:
            return pd.read_sql_query("SELECT * FROM calls ORDER BY call_id", con)

    # --- themes -----------------------------------------------------------
    def previous_themes(self) -> tuple[str | None, list[dict]]:
        """The most recent run's themes: (run_id, [{theme_id, label, n_quotes, centroid}])."""
        with self.connect() as con:
            row = con.execute(
                "SELECT run_id FROM theme_history ORDER BY run_id DESC LIMIT 1"
            ).fetchone()
            if row is None:
                return None, []
            rows = con.execute(
                "SELECT theme_id, label, n_quotes, centroid FROM theme_history WHERE run_id = ?",
                (row[0],),
            ).fetchall()
        return row[0], [
            {"theme_id": t, "label": label, "n_quotes": n, "centroid": from_blob(c)}
            for t, label, n, c in rows
        ]

    def all_theme_ids(self) -> set[str]:
        with self.connect() as con:
            return {r[0] for r in con.execute("SELECT DISTINCT theme_id FROM theme_history")}

    # --- run outputs --------------------------------------------------------
    def publish(
        self,
        run_id: str,
        tables: dict[str, pd.DataFrame],
        themes: Sequence[dict],
        summary: dict,
        sentence_themes: Iterable[tuple[str, int, str]] = (),
    ) -> None:
        """Replace the output tables, the theme of each sentence (``(call_id, utterance idx,
        theme_id)``) and record the run's themes, all in one transaction."""
        with self._lock, self.connect(write=True) as con:
            for name, df in tables.items():
                if name in SCHEMA_TABLES:
                    raise ValueError(f"output table {name!r} would replace a store table")
                replace_table(con, name, df)
            con.execute("DELETE FROM sentence_themes")
            con.executemany("INSERT INTO sentence_themes VALUES (?,?,?,?)",
                            [(c, int(i), th, run_id) for c, i, th in sentence_themes])
            con.execute("DELETE FROM theme_history WHERE run_id = ?", (run_id,))
            con.executemany(
                "INSERT INTO theme_history VALUES (?,?,?,?,?)",
                [
                    (run_id, t["theme_id"], t["label"], int(t["n_quotes"]), to_blob(t["centroid"]))
                    for t in themes
                ],
            )
            con.execute(
                "INSERT OR REPLACE INTO runs VALUES (?,?,?,?)",
                (run_id, summary.get("started_at", now_iso()), now_iso(), json.dumps(summary, default=str)),
            )

    def forget(self, call_id: str) -> int:
        """Delete a call from every table of the catalog that has rows per call (store and
        published outputs alike) and its cached transcript, then VACUUM; returns rows removed."""
        with self._lock, self.connect(write=True) as con:
            key = con.execute("SELECT cache_key FROM calls WHERE call_id = ?", (call_id,)).fetchone()
            have = table_names(con)
            n = 0
            for name, schema in catalog().items():
                if schema.per_call and name in have:
                    n += con.execute(f"DELETE FROM {quote_identifier(name)} WHERE call_id = ?",
                                     (call_id,)).rowcount
            if key and key[0]:
                n += con.execute("DELETE FROM transcript_cache WHERE cache_key = ?", (key[0],)).rowcount
        con = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        try:
            con.execute("VACUUM")  # not inside a transaction
        finally:
            con.close()
        return n

    # --- reading published outputs (web app, search) ------------------------
    def has_table(self, name: str) -> bool:
        with self.connect() as con:
            return name in table_names(con)

    def table(self, name: str, columns: Sequence[str] | None = None, *, where: str = "",
              params: Sequence[object] = ()) -> pd.DataFrame:
        """A table of the catalog as a frame; an empty frame with the declared columns when
        the table does not exist yet (before the first run, or a run without deals)."""
        schema = catalog().get(name)
        cols = list(columns) if columns else (schema.names if schema else None)
        with self.connect() as con:
            if name not in table_names(con):
                return pd.DataFrame(columns=cols or [])
            select = ", ".join(quote_identifier(c) for c in cols) if cols else "*"
            query = f"SELECT {select} FROM {quote_identifier(name)}" + (f" WHERE {where}" if where else "")
            return pd.read_sql_query(query, con, params=list(params))

    def run_settings(self) -> dict:
        """The effective settings of the last finished run ({} before the first run)."""
        return dict((self.last_run() or {}).get("settings") or {})

    def run_summaries(self) -> list[dict]:
        with self.connect() as con:
            if "runs" not in table_names(con):
                return []
            rows = con.execute("SELECT summary FROM runs ORDER BY run_id").fetchall()
        out = []
        for (text,) in rows:
            try:
                out.append(json.loads(text) if text else {})
            except json.JSONDecodeError:
                out.append({})
        return out

    def recent_theme_runs(self, n: int = 2) -> list[str]:
        with self.connect() as con:
            if "theme_history" not in table_names(con):
                return []
            return [r[0] for r in con.execute(
                "SELECT DISTINCT run_id FROM theme_history ORDER BY run_id DESC LIMIT ?", (n,))]

    def last_run(self) -> dict | None:
        """The summary of the most recent finished run, or None before the first one."""
        with self.connect() as con:
            if "runs" not in table_names(con):
                return None
            row = con.execute(
                "SELECT summary FROM runs WHERE finished_at IS NOT NULL ORDER BY run_id DESC LIMIT 1"
            ).fetchone()
        try:
            return json.loads(row[0]) if row and row[0] else None
        except json.JSONDecodeError:
            return None

    def run_ids(self) -> set[str]:
        with self.connect() as con:
            return {r[0] for r in con.execute("SELECT run_id FROM runs")}
