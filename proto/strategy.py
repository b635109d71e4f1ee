"""The strategy core's contract (spec/gridcore.md): §8 normalised input events, the
resting-order view (E-3) and the intents (E-8, E-10).

These are gridcore's in-process inputs and outputs, shared by live, replay and backtest;
the engine service converts bus messages into them. Every type is a frozen
``msgspec.Struct``; events and intents are tagged unions (``event_type`` /
``intent_type``), so one typed decoder can read either family.

Times are epoch milliseconds. Prices and quantities are ``Decimal``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar, Literal

import msgspec

__all__ = [
    "CancelIntent",
    "CancelReason",
    "Direction",
    "Event",
    "ExecutionEvent",
    "Intent",
    "OrderUpdateEvent",
    "PlaceLimitIntent",
    "PublicTradeEvent",
    "RestingOrder",
    "Side",
    "TickerEvent",
    "event_sort_key",
]

Side = Literal["Buy", "Sell"]
Direction = Literal["long", "short"]
CancelReason = Literal["duplicate", "side_mismatch", "outside_grid", "rebuild"]


def _check_price(field: str, value: Any, *, allow_zero: bool) -> None:
    price = float(value)
    if not math.isfinite(price) or price < 0 or (price == 0 and not allow_zero):
        raise ValueError(f"{field}={value!r}: must be a finite price >= 0")


class _Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="event_type"):
    """Fields every event carries. ``event_type`` is the tag: a mismatch is rejected."""

    symbol: str
    exchange_ts: int
    local_ts: int


class TickerEvent(_Event, tag="ticker"):
    """Bybit ``tickers``; the engine reads only ``last_price`` (E-4)."""

    event_type: ClassVar[str] = "ticker"
    last_price: Decimal
    mark_price: Decimal | None = None
    bid1_price: Decimal | None = None
    ask1_price: Decimal | None = None
    funding_rate: Decimal | None = None

    def __post_init__(self) -> None:
        _check_price("last_price", self.last_price, allow_zero=True)


class PublicTradeEvent(_Event, tag="public_trade"):
    """Bybit ``publicTrade``; the engine ignores it (E-3)."""

    event_type: ClassVar[str] = "public_trade"
    trade_id: str
    side: Side
    price: Decimal
    size: Decimal


class ExecutionEvent(_Event, tag="execution"):
    """Bybit private ``execution``; the engine reads only ``price`` (E-12)."""

    event_type: ClassVar[str] = "execution"
    price: Decimal
    exec_id: str = ""
    order_id: str = ""
    order_link_id: str = ""
    side: Side | None = None
    qty: Decimal = Decimal(0)
    fee: Decimal = Decimal(0)
    closed_pnl: Decimal = Decimal(0)
    closed_size: Decimal = Decimal(0)
    leaves_qty: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        _check_price("price", self.price, allow_zero=True)


class OrderUpdateEvent(_Event, tag="order_update"):
    """Bybit private ``order``; the engine reads ``order_id``, ``order_link_id``, ``status``."""

    event_type: ClassVar[str] = "order_update"
    order_id: str
    order_link_id: str
    status: str
    side: Side | None = None
    price: Decimal | None = None
    qty: Decimal | None = None
    leaves_qty: Decimal | None = None
    reduce_only: bool = False


Event = TickerEvent | PublicTradeEvent | ExecutionEvent | OrderUpdateEvent


def event_sort_key(event: Event) -> tuple[int, int]:
    """§8 sort order: by ``exchange_ts``, ties broken by ``local_ts``."""
    return event.exchange_ts, event.local_ts


class RestingOrder(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A tracked resting limit order as the engine sees it (E-3; Bybit field names).

    ``price`` and ``cum_exec_qty`` keep Bybit's strings. Books of these immutable
    structs let the engine reuse its placement plan across ticks.
    """

    order_id: str
    price: str
    side: str
    cum_exec_qty: str | None = None

    @classmethod
    def from_mapping(cls, order: Mapping[str, Any]) -> RestingOrder:
        """Read ``orderId``, ``price``, ``side`` and optional ``cumExecQty``; ignore the rest."""
        price = order["price"]
        cum = order.get("cumExecQty")
        return cls(
            order_id=order["orderId"],
            price=price if isinstance(price, str) else str(price),
            side=order["side"],
            cum_exec_qty=cum if cum is None or isinstance(cum, str) else str(cum),
        )


class PlaceLimitIntent(
    msgspec.Struct, frozen=True, kw_only=True, tag_field="intent_type", tag="place"
):
    """E-8: place one grid level. ``qty`` is 0; the execution layer resolves it (§10)."""

    symbol: str
    side: Side
    price: Decimal
    qty: Decimal
    grid_level: int
    direction: Direction
    reduce_only: bool
    client_order_id: str
    order_link_id: str | None = None
    post_only: bool = False


class CancelIntent(
    msgspec.Struct, frozen=True, kw_only=True, tag_field="intent_type", tag="cancel"
):
    """E-10: cancel one resting order. ``direction`` names the book that held it (§15)."""

    symbol: str
    order_id: str
    reason: CancelReason
    price: Decimal
    side: str
    direction: Direction


Intent = PlaceLimitIntent | CancelIntent
