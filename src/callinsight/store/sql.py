"""SQL helpers of the store: table replacement inside a caller's transaction, values, vectors."""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pandas as pd

from callinsight.contracts import OUTPUT_TABLES


def replace_table(con: sqlite3.Connection, name: str, df: pd.DataFrame) -> None:
    """Drop and recreate table ``name`` with ``df``'s rows, on the caller's transaction.

    Unlike ``DataFrame.to_sql`` this never commits, so several tables can be replaced
    atomically. Column types follow pandas' (INTEGER, REAL, TIMESTAMP, else TEXT); NaN
    becomes NULL; lists and dicts are stored as JSON text.
    """
    quoted = quote_identifier(name)
    schema = OUTPUT_TABLES.get(name)
    if schema is not None:  # declared: its columns, in order, with its types
        df = schema.conform(df)
        con.execute(f"DROP TABLE IF EXISTS {quoted}")
        con.execute(schema.ddl())
    else:
        decls = (", ".join(f"{quote_identifier(str(c))} {_sql_type(df[c])}" for c in df.columns)
                 or '"_empty" TEXT')
        con.execute(f"DROP TABLE IF EXISTS {quoted}")
        con.execute(f"CREATE TABLE {quoted} ({decls})")
    columns = [str(c) for c in df.columns]
    if not columns or df.empty:
        return
    marks = ", ".join("?" for _ in columns)
    con.executemany(
        f"INSERT INTO {quoted} ({', '.join(quote_identifier(c) for c in columns)}) VALUES ({marks})",
        ([_sql_value(v) for v in row] for row in df.itertuples(index=False, name=None)),
    )


def table_names(con: sqlite3.Connection) -> set[str]:
    return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def quote_identifier(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _sql_type(series: pd.Series) -> str:
    kind = getattr(series.dtype, "kind", "O")
    if kind in "biu":
        return "INTEGER"
    if kind == "f":
        return "REAL"
    if kind == "M":
        return "TIMESTAMP"
    return "TEXT"


def _sql_value(value: object) -> object:
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, bool | int | str | bytes):
        return value
    if isinstance(value, datetime | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, list | tuple | set | dict):
        return json.dumps(list(value) if isinstance(value, set) else value, default=str)
    if isinstance(value, np.ndarray):
        return json.dumps(value.tolist())
    return str(value)


def to_blob(vector: np.ndarray | None) -> bytes | None:
    if vector is None:
        return None
    return np.asarray(vector, dtype=np.float32).tobytes()


def from_blob(blob: bytes | None) -> np.ndarray | None:
    if blob is None:
        return None
    return np.frombuffer(blob, dtype=np.float32).copy()


def embeddings_matrix(blobs: Sequence[bytes | None]) -> np.ndarray:
    """Stack stored embedding blobs into a float32 matrix (one allocation, no per-row copies)."""
    if not len(blobs):
        return np.zeros((0, 0), dtype=np.float32)
    if any(b is None for b in blobs):
        raise ValueError("embeddings_matrix got a row without an embedding")
    dim = len(blobs[0]) // 4
    out = np.empty((len(blobs), dim), dtype=np.float32)
    for i, blob in enumerate(blobs):
        out[i] = np.frombuffer(blob, dtype=np.float32)
    return out
