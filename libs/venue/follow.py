"""The ``follow`` fill model: fills exactly when, where and as much as recorded
executions say (B-FILLMODE-5). It isolates strategy divergence from fill-model
divergence: any difference left is the strategy's.

Recorded executions are drained per ticker, those with time in ``(previous ticker,
this ticker]``, in ``(time, exec id)`` order. Each is matched to one resting order:

1. by client order id — the recorded ``orderLinkId``'s prefix before the first ``-``
   (I-3) equal to the resting order's;
2. with no link id, by the recorded order id equal to the resting order's;
3. else the resting order on the same side with the closest price (ties: the earlier).

A match fills the recorded price and quantity (capped at what the order has left; a
partial leaves it resting) with the recorded fee and realised PnL pro rata
(``Venue.apply_recorded``). An execution no resting order matches stays unmatched
(live-only): the simulation never invents a fill.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from decimal import Decimal

import msgspec

from gridcore import order_link_prefix
from venue.models import Order

__all__ = ["RecordedExecution", "RecordedTape", "match_order"]


class RecordedExecution(msgspec.Struct, frozen=True, kw_only=True):
    ts_ms: int
    exec_id: str
    order_id: str
    order_link_id: str
    side: str
    price: Decimal
    qty: Decimal
    fee: Decimal
    exec_pnl: Decimal = Decimal(0)
    is_maker: bool = True


class RecordedTape:
    """Recorded executions in ``(time, exec id)`` order (or, ``as_recorded``, in time and
    within one millisecond as given: a stream's order, which keeps an order's partial
    fills in sequence where random exec ids would not), drained by time."""

    def __init__(
        self, executions: Iterable[RecordedExecution], *, as_recorded: bool = False
    ) -> None:
        if as_recorded:
            self._items = sorted(executions, key=lambda e: e.ts_ms)  # stable
        else:
            self._items = sorted(executions, key=lambda e: (e.ts_ms, e.exec_id))
        self._times = [e.ts_ms for e in self._items]
        self._next = 0
        self.unmatched: list[RecordedExecution] = []

    def due(self, until_ms: int) -> list[RecordedExecution]:
        """Every execution at or before ``until_ms`` not drained yet."""
        end = bisect.bisect_right(self._times, until_ms, lo=self._next)
        out = self._items[self._next : end]
        self._next = end
        return out

    def next_ms(self) -> int | None:
        """When the next execution is due (``None``: none left)."""
        return self._times[self._next] if self._next < len(self._times) else None

    def __len__(self) -> int:
        return len(self._items)


def match_order(resting: Sequence[Order], execution: RecordedExecution) -> Order | None:
    """The resting order a recorded execution fills (rules 1-3 above), or ``None``."""
    wanted = order_link_prefix(execution.order_link_id)
    if wanted is not None:
        for order in resting:
            if order_link_prefix(order.order_link_id) == wanted:
                return order
        return None
    for order in resting:
        if order.order_id == execution.order_id:
            return order
    same_side = [o for o in resting if o.side == execution.side]
    if not same_side:
        return None
    return min(same_side, key=lambda o: (abs(o.price - execution.price), o.seq))
