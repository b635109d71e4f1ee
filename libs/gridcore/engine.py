"""§6: the grid engine — events in, ordered intents out."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from gridcore._levels import BUY
from gridcore._placement import Layout, Plan, build_plan, cancel_intent, grid_layout, run_plan
from gridcore.config import GridConfig, parse_positive_price
from gridcore.grid import Grid, GridChangeCallback
from gridcore.identity import client_order_id
from gridcore.rounding import price_text
from proto.strategy import (
    Direction,
    Event,
    ExecutionEvent,
    Intent,
    OrderUpdateEvent,
    PlaceLimitIntent,
    RestingOrder,
    TickerEvent,
)

__all__ = ["Book", "GridEngine", "LimitOrders", "reduce_only_for"]

logger = logging.getLogger(__name__)

Book = Sequence[RestingOrder | Mapping[str, Any]]
LimitOrders = Mapping[str, Book]

_DIRECTIONS: tuple[Direction, Direction] = ("long", "short")
_ZERO = Decimal(0)
_PENDING_ADD = frozenset(("New", "PartiallyFilled"))
_PENDING_DROP = frozenset(("Filled", "Cancelled", "Rejected"))
_ID_CACHE_MAX = 4096


def reduce_only_for(direction: str, side: str) -> bool:
    """E-9 hedge mode: a long closes with Sell, a short closes with Buy."""
    return (side == BUY) == (direction == "short")


class GridEngine:
    """One strategy (account × symbol): the grid plus the E-2 mutable state.

    ``limit_orders`` books may hold :class:`RestingOrder` structs or Bybit-shaped
    mappings; both give the same intents. A book of ``RestingOrder`` that is unchanged
    since the previous tick (and an unchanged grid) reuses the previous placement plan.
    """

    def __init__(
        self,
        symbol: str,
        tick_size: Decimal | str,
        config: GridConfig,
        strat_id: str,
        anchor_price: float | None = None,
        restored_grid: Iterable[Any] | None = None,
        on_grid_change: GridChangeCallback | None = None,
    ) -> None:
        self.symbol = symbol
        self.config = config
        self.strat_id = strat_id
        self.anchor_price = (
            None if anchor_price is None else parse_positive_price("anchor_price", anchor_price)
        )
        self.grid = Grid(tick_size, config, on_grid_change)
        self.tick_size = self.grid.tick_size
        if restored_grid is not None and not self.grid.restore(restored_grid):
            logger.warning("%s (%s): restored grid failed validation", strat_id, symbol)
        self.last_close: float | None = None
        self.last_filled_price: float | None = None
        self.fill_pending = False
        self.pending_orders: dict[str, str] = {}
        self._plans: dict[str, tuple[int, tuple[Any, ...], Plan]] = {}
        self._layout_version = -1
        self._layout = Layout([], {}, [], frozenset())
        self._ids: dict[tuple[str, str, str], str] = {}

    def on_event(self, event: Event, limit_orders: LimitOrders | None = None) -> list[Intent]:
        """E-3: dispatch one event; only a ticker can return intents."""
        if isinstance(event, TickerEvent):
            self.grid.exchange_ts = event.exchange_ts
            try:
                return self._on_ticker(event, limit_orders)
            finally:
                self.grid.exchange_ts = None
        if isinstance(event, ExecutionEvent):
            self.grid.exchange_ts = event.exchange_ts
            try:
                self._on_execution(event)
            finally:
                self.grid.exchange_ts = None
        elif isinstance(event, OrderUpdateEvent):
            self._on_order_update(event)
        return []

    # -- E-4 ticker path --------------------------------------------------------------

    def _on_ticker(self, event: TickerEvent, limit_orders: LimitOrders | None) -> list[Intent]:
        last_close = self.last_close = float(event.last_price)
        grid = self.grid
        if not grid.prices:
            grid.build(self.anchor_price or last_close)
        elif not grid.spans(last_close):
            grid.build(last_close)
        if self.fill_pending and self.last_filled_price is not None and grid.prices:
            grid.update(self.last_filled_price, last_close)
            self.fill_pending = False
        books = limit_orders or {}
        intents = self._check_and_place("long", books.get("long") or ())
        intents += self._check_and_place("short", books.get("short") or ())
        return intents

    def _check_and_place(self, direction: Direction, limits: Book) -> list[Intent]:
        """E-5: too many resting orders cancel the whole direction and rebuild."""
        if len(limits) > len(self.grid.prices) + 10:
            logger.info("%s %s: %d orders, rebuilding grid", self.symbol, direction, len(limits))
            self.grid.build(self.last_close)
            orders = [_resting(order) for order in limits]
            return [cancel_intent(self.symbol, o, "rebuild", direction) for o in orders]
        return self._place_grid_orders(direction, limits)

    def plan(self, direction: Direction, limits: Book) -> Plan | None:
        """The E-6 plan the next ticker would run for ``direction`` with this book:
        cancels (final) and place candidates ``(is_buy, level price, intent)`` awaiting
        E-7. ``None`` when E-5 would rebuild the grid instead. A query: it changes no
        state (it may fill the plan cache the next ticker then uses)."""
        if len(limits) > len(self.grid.prices) + 10:
            return None
        return self._cached_plan(direction, limits)

    def _place_grid_orders(self, direction: Direction, limits: Book) -> list[Intent]:
        plan = self._cached_plan(direction, limits)
        if not plan:
            return []
        return run_plan(plan, self.last_close, self.config.grid_step)  # type: ignore[return-value]

    def _cached_plan(self, direction: Direction, limits: Book) -> Plan:
        """E-6 / E-7 through a plan cached on (grid version, book contents).

        A book of the same ``RestingOrder`` structs hits on the first comparison; any
        other book is compared by the fields E-6 reads, so a plan is never stale.
        """
        raw = tuple(limits)
        version = self.grid.version
        cached = self._plans.get(direction)
        if cached is None or cached[0] != version or cached[1] != raw:
            key = tuple(map(_content_key, raw))
            if cached is None or cached[0] != version or cached[1] != key:
                cached = (version, key, self._build_plan(direction, raw))
                self._plans[direction] = cached
        return cached[2]

    def _build_plan(self, direction: Direction, raw: tuple[Any, ...]) -> Plan:
        grid = self.grid
        if self._layout_version != grid.version:
            self._layout = grid_layout(grid.sides, grid.prices)
            self._layout_version = grid.version
        orders = tuple(map(_resting, raw))

        def make_place(index: int) -> PlaceLimitIntent:
            return self._place_intent(index, direction)

        return build_plan(
            self._layout, grid.sides, grid.prices, orders, direction, self.symbol, make_place
        )

    def _place_intent(self, index: int, direction: Direction) -> PlaceLimitIntent:
        """E-8 for the level at ``index``."""
        side = self.grid.sides[index]
        text = price_text(self.grid.prices[index])
        decimal_price = Decimal(text)
        id_key = (side, text, direction)
        order_id = self._ids.get(id_key)
        if order_id is None:
            if len(self._ids) >= _ID_CACHE_MAX:
                self._ids.clear()
            order_id = client_order_id(self.symbol, side, decimal_price, direction, self.strat_id)
            self._ids[id_key] = order_id
        return PlaceLimitIntent(
            symbol=self.symbol,
            side=side,  # type: ignore[arg-type]
            price=decimal_price,
            qty=_ZERO,
            grid_level=index,
            direction=direction,
            reduce_only=reduce_only_for(direction, side),
            client_order_id=order_id,
        )

    # -- E-12 / E-13 ------------------------------------------------------------------

    def _on_execution(self, event: ExecutionEvent) -> None:
        self.last_filled_price = float(event.price)
        if self.last_close is not None:
            self.grid.update(self.last_filled_price, self.last_close)
        else:
            self.fill_pending = True

    def _on_order_update(self, event: OrderUpdateEvent) -> None:
        if event.status in _PENDING_ADD:
            self.pending_orders[event.order_link_id] = event.order_id
        elif event.status in _PENDING_DROP:
            self.pending_orders.pop(event.order_link_id, None)


def _content_key(order: RestingOrder | Mapping[str, Any]) -> Any:
    """What E-6 reads from one order, as an immutable value."""
    if isinstance(order, RestingOrder):
        return order
    return (order["orderId"], order["price"], order["side"], order.get("cumExecQty"))


def _resting(order: RestingOrder | Mapping[str, Any]) -> RestingOrder:
    if isinstance(order, RestingOrder):
        return order
    return RestingOrder.from_mapping(order)
