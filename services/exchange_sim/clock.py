"""Virtual exchange time driven by the feed.

At a finite speed virtual time runs `speed` times faster than the wall clock once started;
at speed "max" it jumps from one feed event to the next. Before the feed starts it stands
still at the start time. Signature checks never use it: they use `wall_ms()`.
"""

import time

__all__ = ["VirtualClock", "wall_ms"]


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


class VirtualClock:
    def __init__(self, start_ms: int, speed: float | None) -> None:
        """`speed` None means as fast as possible."""
        self.speed = speed
        self._virtual_ms = start_ms
        self._anchor: float | None = None  # monotonic seconds when _virtual_ms was current

    @property
    def running(self) -> bool:
        return self._anchor is not None

    def start(self) -> None:
        if self.speed is not None and self._anchor is None:
            self._anchor = time.monotonic()

    def now_ms(self) -> int:
        if self._anchor is None or self.speed is None:
            return self._virtual_ms
        elapsed = time.monotonic() - self._anchor
        return self._virtual_ms + int(elapsed * 1000.0 * self.speed)

    def advance_to(self, ts_ms: int) -> None:
        """Move forward to `ts_ms` (never backwards)."""
        if ts_ms <= self.now_ms():
            return
        self._virtual_ms = ts_ms
        if self._anchor is not None:
            self._anchor = time.monotonic()

    def wall_delay_s(self, ts_ms: int) -> float:
        """Wall seconds until virtual time reaches `ts_ms` (0 at speed max)."""
        if self.speed is None:
            return 0.0
        return max(0.0, (ts_ms - self.now_ms()) / 1000.0 / self.speed)
