"""Shared REST types: a route table entry, the per-request context, pagination."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from services.exchange_sim.clock import VirtualClock, wall_ms
from services.exchange_sim.config import SimConfig
from services.exchange_sim.faults import Faults
from services.exchange_sim.params import Params
from services.exchange_sim.ratelimit import RateLimiter
from venue.errors import BybitError
from venue.kernel import Venue

__all__ = ["Ctx", "Handler", "RestState", "Result", "Route", "paginate"]

T = TypeVar("T")
Result = dict[str, Any] | tuple[dict[str, Any], dict[str, Any]]


@dataclass(slots=True)
class RestState:
    cfg: SimConfig
    exchange: Venue
    clock: VirtualClock
    faults: Faults
    limiter: RateLimiter

    def server_ms(self) -> int:
        """What the exchange shows as "now": virtual (default) or wall time."""
        return self.clock.now_ms() if self.cfg.server_time == "virtual" else wall_ms()


@dataclass(slots=True)
class Ctx:
    params: Params
    api_key: str  # "" on public routes
    state: RestState

    @property
    def exchange(self) -> Venue:
        return self.state.exchange


Handler = Callable[[Ctx], Result]


@dataclass(slots=True, frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    group: str | None = None  # rate-limit group; None = public (no auth)


def paginate(
    items: Sequence[T], key: Callable[[T], int], cursor: str, limit: int
) -> tuple[list[T], str]:
    """Page of `items` (newest first, `key` strictly decreasing) after `cursor`.

    Cursors are the key of the last item returned, digits only; "" on the last page.
    """
    if cursor:
        if not cursor.isdigit():
            raise BybitError.param("cursor", "invalid")
        bound = int(cursor)
        items = [item for item in items if key(item) < bound]
    page = list(items[:limit])
    next_cursor = str(key(page[-1])) if len(items) > limit else ""
    return page, next_cursor
