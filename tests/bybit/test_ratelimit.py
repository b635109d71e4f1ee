"""The rate limiter sleeps exactly until the reset time, on a fake clock."""

from __future__ import annotations

from bybit import RateLimiter
from bybit.ratelimit import RateLimitHeaders


class FakeClock:
    """Exchange-clock ms; ``sleep`` advances it and records each wait."""

    def __init__(self, now_ms: int) -> None:
        self.now = now_ms
        self.sleeps: list[float] = []

    def now_ms(self) -> int:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += round(seconds * 1000)


def _limiter(clock: FakeClock, fallback_ms: int = 1000) -> RateLimiter:
    return RateLimiter(now_ms=clock.now_ms, sleep=clock.sleep, fallback_ms=fallback_ms)


def _headers(limit: int, status: int, reset: int | None) -> RateLimitHeaders:
    return RateLimitHeaders.from_headers(
        {
            "X-Bapi-Limit": str(limit),
            "X-Bapi-Limit-Status": str(status),
            **({"X-Bapi-Limit-Reset-Timestamp": str(reset)} if reset is not None else {}),
        }
    )


async def test_unknown_bucket_does_not_wait() -> None:
    clock = FakeClock(1_000)
    await _limiter(clock).acquire("key", "/v5/order/create")
    assert clock.sleeps == []


async def test_spent_budget_waits_once_until_reset() -> None:
    clock = FakeClock(1_000)
    limiter = _limiter(clock)
    limiter.update("key", "/v5/order/create", _headers(10, 1, reset=1_750))
    await limiter.acquire("key", "/v5/order/create")  # the last call of the window
    assert clock.sleeps == []
    await limiter.acquire("key", "/v5/order/create")
    assert clock.sleeps == [0.75] and clock.now == 1_750
    assert limiter.waits == 1


async def test_buckets_are_per_key_and_endpoint() -> None:
    clock = FakeClock(1_000)
    limiter = _limiter(clock)
    limiter.update("key-a", "/v5/order/create", _headers(10, 0, reset=2_000))
    await limiter.acquire("key-b", "/v5/order/create")
    await limiter.acquire("key-a", "/v5/order/cancel")
    assert clock.sleeps == []
    await limiter.acquire("key-a", "/v5/order/create")
    assert clock.sleeps == [1.0]


async def test_rate_limited_answer_waits_until_its_reset() -> None:
    clock = FakeClock(5_000)
    limiter = _limiter(clock)
    assert limiter.rate_limited("key", "/v5/order/create", reset_ms=5_420) == 5_420
    await limiter.acquire("key", "/v5/order/create")
    assert clock.sleeps == [0.42]


async def test_reset_in_the_past_or_missing_falls_back_instead_of_negative_sleep() -> None:
    clock = FakeClock(5_000)
    limiter = _limiter(clock, fallback_ms=300)
    assert limiter.rate_limited("key", "/p", reset_ms=4_000) == 5_300
    await limiter.acquire("key", "/p")
    limiter.rate_limited("key", "/q", reset_ms=None)
    await limiter.acquire("key", "/q")
    assert clock.sleeps == [0.3, 0.3]
    assert all(s > 0 for s in clock.sleeps)


async def test_after_reset_the_window_refills_from_the_limit() -> None:
    clock = FakeClock(0)
    limiter = _limiter(clock)
    limiter.update("k", "/p", _headers(2, 0, reset=100))
    await limiter.acquire("k", "/p")  # waits 0.1 s, then window has 2 → 1 left
    await limiter.acquire("k", "/p")  # 0 left, no wait
    assert clock.sleeps == [0.1]
    assert limiter.wait_ms("k", "/p") > 0  # the refilled window's reset is stale → fallback


def test_garbled_headers_are_ignored() -> None:
    parsed = RateLimitHeaders.from_headers({"X-Bapi-Limit": "ten", "X-Bapi-Limit-Status": "1"})
    assert (parsed.limit, parsed.remaining, parsed.reset_ms) == (None, 1, None)


async def test_reset_far_ahead_is_capped() -> None:
    clock = FakeClock(0)
    limiter = RateLimiter(now_ms=clock.now_ms, sleep=clock.sleep, max_wait_ms=2_000)
    limiter.rate_limited("k", "/p", reset_ms=10**12)
    await limiter.acquire("k", "/p")
    assert clock.sleeps == [2.0]
