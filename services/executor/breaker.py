"""Per-account circuit breaker: consecutive failures open it, cool-downs grow per trip.

``threshold`` consecutive failed operations (retries exhausted, server or transport
errors, auth failures) open the breaker for ``cooldowns_s[0]``; each further trip without
a success in between uses the next cool-down (the last one repeats: 30, 60, 120, 120 …).
After the cool-down it is half-open: :meth:`allow` grants exactly one probe; the probe's
success closes it and resets the trip level, its failure opens it again at once.
Business answers (reduce-only, insufficient balance, bad parameters) are successes here:
the exchange answered.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence


class BreakerState(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    def __init__(
        self,
        threshold: int,
        cooldowns_s: Sequence[float],
        clock: Callable[[], float],
        *,
        on_trip: Callable[[], None] | None = None,
    ) -> None:
        if threshold < 1 or not cooldowns_s:
            raise ValueError("threshold >= 1 and at least one cool-down are required")
        self._threshold = threshold
        self._cooldowns = tuple(cooldowns_s)
        self._clock = clock
        self._on_trip = on_trip  # told after every opening (alerts)
        self._failures = 0
        self._level = 0  # index of the next trip's cool-down
        self._open_until: float | None = None
        self._probing = False
        self.trips = 0

    @property
    def state(self) -> BreakerState:
        if self._open_until is None:
            return BreakerState.CLOSED
        if self._clock() < self._open_until:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN

    @property
    def failures(self) -> int:
        return self._failures

    def retry_in_s(self) -> float:
        """Seconds until the breaker lets a probe through (0 when it would now)."""
        if self._open_until is None:
            return 0.0
        return max(self._open_until - self._clock(), 0.0)

    def allow(self) -> bool:
        """May an operation reach the exchange now? Half-open grants one probe."""
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.OPEN or self._probing:
            return False
        self._probing = True
        return True

    def record_success(self) -> None:
        self._failures = 0
        self._level = 0
        self._open_until = None
        self._probing = False

    def record_failure(self) -> bool:
        """Count a failed operation; True when this opened the breaker."""
        self._failures += 1
        if self._probing or self._failures >= self._threshold:
            self._trip()
            return True
        return False

    def release(self) -> None:
        """An allowed operation ended without telling anything (a local reject)."""
        self._probing = False

    def _trip(self) -> None:
        cooldown = self._cooldowns[min(self._level, len(self._cooldowns) - 1)]
        self._level += 1
        self._open_until = self._clock() + cooldown
        self._failures = 0
        self._probing = False
        self.trips += 1
        if self._on_trip is not None:
            self._on_trip()
