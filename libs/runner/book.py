"""One strategy's view of its resting orders (E-3), kept from order events."""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal
from typing import NamedTuple

import proto
from proto.strategy import RestingOrder

_OPEN = frozenset((proto.OrderStatus.NEW, proto.OrderStatus.PARTIALLY_FILLED))
_DIRECTION_BY_IDX = {1: "long", 2: "short"}
_CLOSING_SIDE = {"long": "Sell", "short": "Buy"}
_TOMBSTONES = 4096
_ZERO = Decimal(0)

Books = dict[str, tuple[RestingOrder, ...]]


class _Open(NamedTuple):
    updated_ms: int
    direction: str
    order: RestingOrder
    link_id: str
    leaves_qty: Decimal
    closing: bool


class RestingBook:
    """Open orders split by the hedge-mode leg that holds them (positionIdx 1/2).

    Updates older than what is known for an order are ignored, and closed orders leave a
    bounded tombstone, so a late snapshot (a back-fill after a reconnect) cannot revive
    an order that was already cancelled or filled. ``books()`` returns the same tuples
    until something changes, which lets gridcore reuse its placement plan.
    """

    def __init__(self) -> None:
        self._open: dict[str, _Open] = {}
        self._closed: OrderedDict[str, int] = OrderedDict()
        self._books: Books = {"long": (), "short": ()}
        self._closes: dict[str, Decimal] = {"long": _ZERO, "short": _ZERO}
        self._dirty = False

    def apply(self, update: proto.OrderUpdate) -> bool:
        """Apply one order update; True when the book changed."""
        direction = _DIRECTION_BY_IDX.get(update.position_idx)
        if direction is None:
            return False  # one-way mode orders are not grid orders
        order_id, updated = update.order_id, update.updated_ms
        known = self._open.get(order_id)
        if known is not None and updated < known.updated_ms:
            return False
        closed_at = self._closed.get(order_id)
        if closed_at is not None and updated <= closed_at:
            return False
        if update.status in _OPEN:
            order = RestingOrder(
                order_id=order_id,
                price=str(update.price),
                side=update.side.value,
                cum_exec_qty=str(update.cum_exec_qty),
            )
            entry = _Open(
                updated,
                direction,
                order,
                update.order_link_id,
                update.leaves_qty,
                update.reduce_only or update.side.value == _CLOSING_SIDE[direction],
            )
            self._open[order_id] = entry
            if known is not None and known._replace(updated_ms=updated) == entry:
                return False
        else:
            if known is None and closed_at is not None:
                return False
            self._open.pop(order_id, None)
            self._closed[order_id] = updated
            self._closed.move_to_end(order_id)
            if len(self._closed) > _TOMBSTONES:
                self._closed.popitem(last=False)
            if known is None:
                return False
        self._dirty = True
        return True

    def books(self) -> Books:
        """E-3 ``limit_orders``: each leg's open orders in arrival order."""
        if self._dirty:
            self._regroup()
        return self._books

    def close_qty(self, direction: str) -> Decimal:
        """Σ remaining qty of the open orders that reduce ``direction``'s leg."""
        if self._dirty:
            self._regroup()
        return self._closes[direction]

    def link_ids(self) -> set[str]:
        """The orderLinkIds of every open order."""
        return {entry.link_id for entry in self._open.values()}

    def __len__(self) -> int:
        return len(self._open)

    def _regroup(self) -> None:
        grouped: dict[str, list[RestingOrder]] = {"long": [], "short": []}
        closes = {"long": _ZERO, "short": _ZERO}
        for entry in self._open.values():
            grouped[entry.direction].append(entry.order)
            if entry.closing:
                closes[entry.direction] += entry.leaves_qty
        self._books = {k: tuple(v) for k, v in grouped.items()}
        self._closes = closes
        self._dirty = False
