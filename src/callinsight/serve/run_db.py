"""The run's ``OUT/insights.db`` as the serving layer sees it: read-only, through ``Store``.

Search and the web app never write the store and never speak SQL themselves: every read
is a ``Store`` method, so table names, columns and the read-only connection are defined
once (``callinsight.store``). Here: locating the store with a helpful error, opening it,
and the fingerprint caches use to notice a new run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from callinsight.store.sqlite import Store

__all__ = ["store_path", "open_store", "fingerprint", "records"]


def store_path(out_dir: str | Path) -> Path:
    """``OUT/insights.db``, or an InputError telling the user to run the flow first."""
    db = Path(out_dir) / "insights.db"
    Store(db, read_only=True)  # opening read-only checks the file and words the error
    return db


def open_store(out_dir: str | Path) -> Store:
    """The run's store, opened read-only (the serving layer never changes a run)."""
    return Store(store_path(out_dir), read_only=True)


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


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with None for every missing cell (templates test ``is none``)."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")

