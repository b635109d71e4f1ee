"""The available balance of one account, cached for ``ttl_s`` of the executor's clock."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal


class WalletCache:
    def __init__(self, ttl_s: float, clock: Callable[[], float]) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._value: Decimal | None = None
        self._at: float | None = None

    def fresh(self) -> Decimal | None:
        """The cached value while younger than ``ttl_s``, else ``None``."""
        if self._at is None or self._clock() - self._at >= self._ttl_s:
            return None
        return self._value

    def last(self) -> Decimal | None:
        """The cached value whatever its age (a fallback when a refresh fails)."""
        return self._value

    def put(self, available: Decimal) -> None:
        self._value = available
        self._at = self._clock()

    def invalidate(self) -> None:
        self._at = None
