"""Per api-key, per endpoint-group request limits in fixed wall-clock windows.

Each (key, group) window opens at its first request and lasts `window_ms`; the response
headers carry the limit, the requests left in the window and its end. The reset timestamp
is never in the past (pybit sleeps until it).
"""

from dataclasses import dataclass

from services.exchange_sim.clock import wall_ms
from services.exchange_sim.config import RateLimitConfig

__all__ = ["RateLimiter", "Verdict"]


@dataclass(slots=True, frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_ms: int

    def headers(self) -> dict[str, str]:
        return {
            "X-Bapi-Limit": str(self.limit),
            "X-Bapi-Limit-Status": str(self.remaining),
            "X-Bapi-Limit-Reset-Timestamp": str(self.reset_ms),
        }


class RateLimiter:
    DEFAULT_LIMIT = 50

    def __init__(self, cfg: RateLimitConfig) -> None:
        self.enabled = cfg.enabled
        self._window_ms = cfg.window_ms
        self._limits = dict(cfg.limits)
        self._windows: dict[tuple[str, str], tuple[int, int]] = {}  # -> (start_ms, used)
        self.rejected = 0

    def limit_of(self, group: str) -> int:
        return self._limits.get(group, self.DEFAULT_LIMIT)

    def set_limit(self, group: str, limit: int) -> None:
        self._limits[group] = limit

    def hit(self, api_key: str, group: str, now_ms: int | None = None) -> Verdict:
        now = wall_ms() if now_ms is None else now_ms
        limit = self.limit_of(group)
        start, used = self._windows.get((api_key, group), (now, 0))
        if now >= start + self._window_ms:
            start, used = now, 0
        reset = max(start + self._window_ms, now + 1)
        if not self.enabled:  # nothing enforced, so nothing used up in the headers either
            return Verdict(True, limit, limit, reset)
        if used >= limit:
            self.rejected += 1
            return Verdict(False, limit, 0, reset)
        used += 1
        self._windows[(api_key, group)] = (start, used)
        return Verdict(True, limit, max(limit - used, 0), reset)
