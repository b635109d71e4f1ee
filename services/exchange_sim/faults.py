"""Fault injection for tests: WS drops, REST delays, seeded 10006 / HTTP 5xx answers."""

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import structlog

from services.exchange_sim.config import FaultConfig

__all__ = ["FaultAction", "Faults"]

log = structlog.get_logger(__name__)

ErrorKind = Literal["rate_limit", "http_5xx", "mixed"]


@dataclass(slots=True, frozen=True)
class FaultAction:
    kind: Literal["rate_limit", "http_5xx"]
    http_status: int


class Faults:
    """Settable at runtime; initial values come from `SimConfig.faults`."""

    def __init__(
        self,
        cfg: FaultConfig,
        seed: int,
        drop_public: Callable[[], int],
        drop_private: Callable[[str | None], int],
    ) -> None:
        self._rng = random.Random(seed ^ 0x5EED)
        self._drop_public = drop_public
        self._drop_private = drop_private
        self.delay_ms = cfg.delay_ms
        self.error_rate = cfg.error_rate
        self.error_kind: ErrorKind = cfg.error_kind
        self.http_status = cfg.http_status
        self.injected = 0

    def drop_ws(self, api_key: str | None = None, *, public: bool | None = None) -> int:
        """Abort WS connections: all (default), one account's private ones (`api_key`), and
        public ones too unless `public=False` (default: public only when no key is given).
        Returns how many connections were dropped."""
        drop_public = public if public is not None else api_key is None
        dropped = self._drop_private(api_key)
        if drop_public:
            dropped += self._drop_public()
        log.info("fault: ws dropped", connections=dropped, api_key=api_key)
        return dropped

    def set_delay(self, ms: int) -> None:
        if ms < 0:
            raise ValueError("delay must be >= 0")
        self.delay_ms = ms

    def set_error_rate(
        self, rate: float, kind: ErrorKind = "rate_limit", http_status: int = 503
    ) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be within [0, 1]")
        if not 500 <= http_status <= 599:
            raise ValueError("http_status must be 5xx")
        self.error_rate = rate
        self.error_kind = kind
        self.http_status = http_status

    def clear(self) -> None:
        self.delay_ms = 0
        self.error_rate = 0.0

    def roll(self) -> FaultAction | None:
        """Decide (seeded) whether the current REST request gets an injected error."""
        if self.error_rate <= 0.0 or self._rng.random() >= self.error_rate:
            return None
        self.injected += 1
        kind = self.error_kind
        if kind == "mixed":
            kind = "rate_limit" if self._rng.random() < 0.5 else "http_5xx"
        return FaultAction(kind=kind, http_status=self.http_status)
