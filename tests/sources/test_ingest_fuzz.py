"""Property-based: calls.csv / deals.csv readers fail only with InputError (or per-row reasons)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from callinsight.contracts import InputError
from callinsight.sources.manifest import read_calls, read_deals

CELL = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


def _check(reader, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.csv"
        path.write_bytes(data)
        try:
            reader(path)
        except InputError:
            pass
        assert path.read_bytes() == data  # never modified


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
@example(b"\r\x00")  # a carriage return in an unquoted field once escaped as csv.Error
@example(b"call_id,rep,started_at\nc1,A\rB,2026-10-01\n")
def test_random_bytes(data):
    _check(read_calls, data)
    _check(read_deals, data)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(CELL, min_size=1, max_size=8), max_size=6))
def test_random_rows_under_a_valid_header(rows):
    body = "\n".join(",".join('"' + c.replace('"', '""') + '"' for c in r) for r in rows)
    _check(read_calls, ("call_id,deal_id,rep,started_at,recording,transcript,channels\n" + body).encode())
    _check(read_deals, ("deal_id,stage,amount,created_at,closed_at\n" + body).encode())
