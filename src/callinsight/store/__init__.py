"""Store: the SQLite ``insights.db`` of an output folder, one access layer for every reader.

The flow opens it read-write; the web app and search open it with ``read_only=True``. The
tables it holds are declared in :mod:`callinsight.contracts` (``STORE_TABLES`` for the
flow's state, ``OUTPUT_TABLES`` for what each run publishes): that catalog drives the DDL,
the published tables' columns and types, and ``forget``.
"""

from callinsight.store.sql import embeddings_matrix, replace_table
from callinsight.store.sqlite import Store, now_iso

__all__ = ["Store", "embeddings_matrix", "now_iso", "replace_table"]
