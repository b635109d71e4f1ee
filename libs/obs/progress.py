"""Progress of long work: a live line on a terminal, periodic log lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

import structlog

log = structlog.get_logger(__name__)


class Progress:
    def __init__(
        self,
        label: str,
        total: int | None,
        *,
        stream: TextIO | None = None,
        every_s: float = 0.25,
        log_every_s: float = 5.0,
    ) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self._stream = stream or sys.stderr
        self._tty = self._stream.isatty()
        self._every = every_s if self._tty else log_every_s
        self._start = time.monotonic()
        self._last = 0.0

    def advance(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self._last >= self._every:
            self._last = now
            self._show(now)

    def finish(self) -> float:
        """Show the final line; returns the elapsed seconds."""
        elapsed = time.monotonic() - self._start
        self._show(time.monotonic())
        if self._tty:
            self._stream.write("\n")
            self._stream.flush()
        return elapsed

    def _show(self, now: float) -> None:
        elapsed = max(now - self._start, 1e-9)
        rate = self.done / elapsed
        if self._tty:
            pct = f" {100 * self.done / self.total:5.1f}%" if self.total else ""
            of = f"/{self.total:,}" if self.total is not None else ""
            self._stream.write(f"\r{self.label}: {self.done:,}{of}{pct}  {rate:,.0f}/s")
            self._stream.flush()
        else:
            log.info(
                "progress", task=self.label, done=self.done, total=self.total, per_s=round(rate)
            )
