"""Client-side rate limiting per (API key, endpoint group), driven by Bybit's headers.

Bybit answers every call with ``X-Bapi-Limit`` (window size), ``X-Bapi-Limit-Status``
(calls left) and ``X-Bapi-Limit-Reset-Timestamp`` (exchange ms when the window resets).
The limiter keeps the last state per bucket, spends one call locally before each request
so concurrent callers share the budget, and when nothing is left sleeps once until the
reset time. A ``10006``/HTTP 429 empties the bucket until its reset; a reset time in the
past or missing (spec §3.3: pybit crashes on that) falls back to ``now + fallback_ms``,
and no single wait exceeds ``max_wait_ms``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Final

import structlog

log = structlog.get_logger(__name__)

LIMIT_HEADER: Final = "X-Bapi-Limit"
STATUS_HEADER: Final = "X-Bapi-Limit-Status"
RESET_HEADER: Final = "X-Bapi-Limit-Reset-Timestamp"
PUBLIC_KEY: Final = "public"

Clock = Callable[[], int]
Sleep = Callable[[float], Awaitable[None]]


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(slots=True)
class _Bucket:
    limit: int
    remaining: int
    reset_ms: int


class RateLimitHeaders:
    """The three rate-limit headers of one response, ``None`` where absent or garbled."""

    __slots__ = ("limit", "remaining", "reset_ms")

    def __init__(self, limit: int | None, remaining: int | None, reset_ms: int | None) -> None:
        self.limit = limit
        self.remaining = remaining
        self.reset_ms = reset_ms

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimitHeaders:
        return cls(
            _int_or_none(headers.get(LIMIT_HEADER)),
            _int_or_none(headers.get(STATUS_HEADER)),
            _int_or_none(headers.get(RESET_HEADER)),
        )


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def endpoint_group(path: str) -> str:
    """The limit bucket of an endpoint. Bybit limits each endpoint path separately."""
    return path.split("?", 1)[0]


class RateLimiter:
    """Shared by every client of one API key (or of the IP for public calls).

    ``now_ms`` must return exchange-clock ms (the HTTP client passes its offset-corrected
    clock); ``sleep`` is injectable so tests advance a fake clock instead of waiting.
    """

    def __init__(
        self,
        *,
        now_ms: Clock = _wall_ms,
        sleep: Sleep = asyncio.sleep,
        fallback_ms: int = 1000,
        max_wait_ms: int = 10_000,
    ) -> None:
        self._now_ms = now_ms
        self._sleep = sleep
        self._fallback_ms = fallback_ms
        self._max_wait_ms = max_wait_ms
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        #: Total seconds spent waiting (observability).
        self.waited_s = 0.0
        self.waits = 0

    def set_clock(self, now_ms: Clock) -> None:
        self._now_ms = now_ms

    def wait_ms(self, key: str, group: str) -> int:
        """How long a call on this bucket would wait now (0 = go)."""
        bucket = self._buckets.get((key, group))
        if bucket is None or bucket.remaining > 0:
            return 0
        return max(bucket.reset_ms - self._now_ms(), 0)

    async def acquire(self, key: str, group: str) -> None:
        """Spend one call, sleeping until the window resets when none is left."""
        while (delay_ms := self.wait_ms(key, group)) > 0:
            log.info("bybit.ratelimit.wait", group=group, wait_ms=delay_ms)
            self.waits += 1
            self.waited_s += delay_ms / 1000
            await self._sleep(delay_ms / 1000)
        bucket = self._buckets.get((key, group))
        if bucket is None:
            return
        if bucket.remaining <= 0:  # the reset time has passed: a fresh window
            bucket.remaining = bucket.limit
            bucket.reset_ms = self._now_ms() + self._fallback_ms  # until headers say better
        bucket.remaining -= 1

    def update(self, key: str, group: str, headers: RateLimitHeaders) -> None:
        """Record the exchange's view after a response."""
        if headers.limit is None or headers.remaining is None:
            return
        reset_ms = self._future_reset(headers.reset_ms)
        bucket = self._buckets.get((key, group))
        if bucket is None:
            self._buckets[(key, group)] = _Bucket(headers.limit, headers.remaining, reset_ms)
            return
        bucket.limit = headers.limit
        bucket.remaining = headers.remaining
        bucket.reset_ms = reset_ms

    def rate_limited(self, key: str, group: str, reset_ms: int | None) -> int:
        """Empty the bucket after a 10006/429; returns the reset time used."""
        reset = self._future_reset(reset_ms)
        bucket = self._buckets.setdefault((key, group), _Bucket(1, 0, reset))
        bucket.remaining = 0
        bucket.reset_ms = max(bucket.reset_ms, reset)
        log.warning("bybit.ratelimit.hit", group=group, reset_ms=bucket.reset_ms)
        return bucket.reset_ms

    def _future_reset(self, reset_ms: int | None) -> int:
        """A usable reset time: now + fallback when missing or past, and never more than
        ``max_wait_ms`` ahead (a reset on another clock must not park a caller for ever)."""
        now = self._now_ms()
        if reset_ms is None or reset_ms <= now:
            return now + self._fallback_ms
        return min(reset_ms, now + self._max_wait_ms)
