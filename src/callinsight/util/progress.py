"""A one-line progress bar for long work on an interactive terminal (Prefect logs carry
the same progress for scheduled runs)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """``label [######------] done/total  detail  elapsed`` redrawn in place.

    Draws only when ``stream`` is a terminal unless ``enabled`` says otherwise, so logs
    and CI output stay clean.
    """

    def __init__(self, total: int, label: str, *, stream: TextIO | None = None,
                 enabled: bool | None = None, width: int = 24):
        self.total = max(total, 0)
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.width = width
        self.done = 0
        self._t0 = time.monotonic()

    def update(self, done: int, detail: str = "") -> None:
        self.done = min(done, self.total)
        if not self.enabled or not self.total:
            return
        filled = round(self.width * self.done / self.total)
        elapsed = time.monotonic() - self._t0
        line = (f"{self.label} [{'#' * filled}{'-' * (self.width - filled)}] "
                f"{self.done}/{self.total}" + (f"  {detail}" if detail else "") + f"  {elapsed:.0f}s")
        self.stream.write("\r" + line)
        if self.done == self.total:
            self.stream.write("\n")
        self.stream.flush()
