"""The simulator's per-key request budget."""

from __future__ import annotations

from services.exchange_sim.config import RateLimitConfig
from services.exchange_sim.ratelimit import RateLimiter


def test_a_disabled_limiter_never_reports_the_budget_used_up() -> None:
    """Clients pace themselves on X-Bapi-Limit-Status: a disabled limiter must not make
    them wait for a reset."""
    limiter = RateLimiter(RateLimitConfig(enabled=False))
    verdicts = [limiter.hit("K", "order_create", now_ms=1_000) for _ in range(50)]
    assert all(v.allowed and v.remaining == v.limit for v in verdicts)
