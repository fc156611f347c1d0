"""One run at a time per output folder, stale temp files, run ids."""

from __future__ import annotations

import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from callinsight.contracts import InputError
from callinsight.store.sqlite import Store

LOCK_NAME = ".callinsight.lock"


# --- one run at a time per output folder ---------------------------------------------

class RunLockedError(InputError):
    """Another run holds the output folder."""


@contextmanager
def run_lock(out_dir: Path) -> Iterator[None]:
    """Refuse a second run on the same output folder while one is going.

    An exclusive ``flock`` on ``OUT/.callinsight.lock``: it holds across processes (and
    across threads, as every call opens the file anew), and the kernel releases it when
    the holder exits, even on SIGKILL, so a crashed run never blocks the next one. The
    folder must be on a filesystem with working ``flock`` (local disk; SQLite needs that too).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / LOCK_NAME
    with open(path, "a+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise RunLockedError(
                f"Another callinsight run ({holder}) is using {out_dir}. Wait for it to finish, "
                "or pass a different --out."
            ) from exc
        fh.seek(0)
        fh.truncate()
        started = datetime.now(UTC).isoformat(timespec="seconds")
        fh.write(f"pid {os.getpid()} on {socket.gethostname()}, started {started}")
        fh.flush()
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def remove_stale_temp_files(out_dir: Path) -> int:
    """Delete temporary files a killed run left behind (``.<name>.*.tmp`` from atomic writes).

    Call it only while holding :func:`run_lock`: then no other writer can own them.
    """
    removed = 0
    for folder in (out_dir, out_dir / "transcripts", out_dir / "runs"):
        if not folder.is_dir():
            continue
        for path in folder.glob(".*.tmp"):
            try:
                path.unlink()
                removed += 1
            except FileNotFoundError:
                pass
    return removed


def new_run_id(store: Store, now: datetime | None = None) -> str:
    """A UTC timestamp id (``20261124T020000Z``), suffixed when that second is taken.

    Ids sort in run order, which the theme history relies on.
    """
    base = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    taken = store.run_ids()
    run_id, n = base, 1
    while run_id in taken:
        run_id, n = f"{base}-{n}", n + 1
    return run_id
