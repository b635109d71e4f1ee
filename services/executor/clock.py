"""The executor's clock: wall time for stamps and staleness, monotonic time for periods.

Injected so tests can jump over breaker cool-downs and the reconciliation period without
waiting. The lease never uses it: lease expiry is the NATS server's real clock.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def time_ns(self) -> int:
        """Wall clock, ns since the Unix epoch (UTC)."""
        ...

    def monotonic(self) -> float:
        """Monotonic seconds, for cool-downs, cache ages and periods."""
        ...


class SystemClock:
    """The real clocks."""

    def time_ns(self) -> int:
        return time.time_ns()

    def monotonic(self) -> float:
        return time.monotonic()


class ShiftedClock:
    """The real clocks plus an offset that :meth:`advance` moves forward (tests)."""

    def __init__(self) -> None:
        self.offset_s = 0.0

    def advance(self, seconds: float) -> None:
        self.offset_s += seconds

    def time_ns(self) -> int:
        return time.time_ns() + int(self.offset_s * 1e9)

    def monotonic(self) -> float:
        return time.monotonic() + self.offset_s
