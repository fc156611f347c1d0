"""Small filesystem helpers shared by the stages.

``atomic_write_bytes`` / ``atomic_write_text`` replace a file so that a reader (a marketer
opening ``report.html``, a later run reading a CSV) sees either the old content or the new
content, never a half-written file, even if the process dies mid-write.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write_bytes", "atomic_write_text"]


def atomic_write_bytes(path: str | Path, data: bytes, mode: int | None = None) -> Path:
    """Write ``data`` to ``path`` atomically and durably; return the path.

    The data goes to a temporary file in the same directory (same filesystem, so the
    rename is atomic), is flushed and fsync'ed, then ``os.replace``-d over ``path``; the
    directory is fsync'ed too where the platform allows. On any error the temporary file
    is removed and ``path`` is left as it was.

    ``mode``: permission bits of the result. Default: those of the file being replaced,
    or 0o644 for a new file (``mkstemp`` would otherwise leave it at 0o600).
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o644
    fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):  # e.g. filesystems without permission bits
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(directory)
    return path


def atomic_write_text(
    path: str | Path, text: str, encoding: str = "utf-8", mode: int | None = None
) -> Path:
    """Write ``text`` to ``path`` atomically (see ``atomic_write_bytes``).

    The text is encoded as-is: no newline translation, so the bytes are the same on
    every platform.
    """
    return atomic_write_bytes(path, text.encode(encoding), mode=mode)


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories can't be opened."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        dir_fd = os.open(directory, flags)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
