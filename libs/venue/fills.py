"""Fill models: which resting orders a market event fills, and for how much.

Every model is named, so a run's config says which one ran. Two paths feed them:

* **Ticker path** (:meth:`FillModel.ticker_fills`, the reference backtest, B-FILLMODE-*):
  each resting order is decided from the current ticker alone (``last_cross`` also from
  the previous one); a decided order fills its **whole** remaining quantity at its limit
  price, and the fills of one ticker are processed in order arrival (placement) order.
* **Trade path** (:meth:`FillModel.trade_fills`, the exchange simulator and simbroker):
  each public trade fills the orders it reaches **partially**, capped by the trade's size
  (rounded down to the lot step), shared in price-time priority (best price first, then
  arrival), at their limit prices.

Rules per model (Buy shown; Sell mirrors it):

=================  ====================================  ==================================
model              ticker path: a Buy at limit L fills    trade path: a trade at P reaches it
=================  ====================================  ==================================
``strict_cross``   last < L                              P < L
``trade_through``  last <= L                             P <= L
``book_touch``     ask1 <= L (no ask: last <= L)          P <= L (a trade is its own touch)
``last_cross``     prev > L >= last                      prev trade > L >= P
``queue``          (trade path only)                     P < L, or P == L once the queue
                                                         ahead of the order has traded
``follow``         (recorded executions only; see :mod:`venue.follow`)
=================  ====================================  ==================================

A non-positive last price never fills. ``last_cross`` keeps its previous price per
*token* ``(exchange ms, local ms)``: a second ticker with the same token does not advance
it, so in per-trade mode every trade of one millisecond compares with the **first** price
of the previous millisecond (B-FILLMODE-4, a reference quirk kept on purpose).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal

import msgspec

from venue.book import Book
from venue.config import FillModelName, QueueConfig
from venue.models import Order, Trade

__all__ = [
    "FILL_MODELS",
    "BookTouch",
    "FillModel",
    "FillModelName",
    "LastCross",
    "QueueModel",
    "StrictCross",
    "Tick",
    "TradeThrough",
    "make_fill_model",
]

FILL_MODELS: tuple[str, ...] = (
    "strict_cross",
    "trade_through",
    "book_touch",
    "last_cross",
    "queue",
    "follow",
)
_ZERO = Decimal(0)


class Tick(msgspec.Struct, frozen=True, kw_only=True):
    """One ticker as the venue sees it. ``bid``/``ask`` ``None`` (or ≤ 0) = not known."""

    symbol: str
    ts_ms: int
    last: Decimal
    mark: Decimal | None = None
    bid: Decimal | None = None
    ask: Decimal | None = None
    #: ``(exchange ms, local ms)``: what ``last_cross`` keys its previous price on.
    local_ms: int | None = None


class FillModel:
    """Base: the ticker and trade path rules of one named model."""

    name: str = ""
    #: True when the model keeps per-ticker state: a caller that skips tickers must still
    #: hand each one's price to :meth:`advance_price`.
    stateful = False

    # -- ticker path ------------------------------------------------------------------
    def advance(self, tick: Tick) -> None:
        """Per-ticker state, once per ticker before any order is decided."""

    def advance_price(self, symbol: str, ts_ms: int, local_ms: int | None, last: Decimal) -> None:
        """:meth:`advance` from a ticker's fields (for stateful models)."""

    def ticker_fills(self, orders: Sequence[Order], tick: Tick) -> list[Order]:
        """The orders this ticker fills, in arrival order (``orders`` are in it)."""
        if tick.last <= 0:
            return []
        crosses = self.crosses
        return [o for o in orders if crosses(o.is_buy, o.price, tick)]

    def crosses(self, is_buy: bool, limit: Decimal, tick: Tick) -> bool:
        raise NotImplementedError(f"{self.name} has no ticker rule")

    # -- trade path -------------------------------------------------------------------
    def reaches(self, is_buy: bool, limit: Decimal, price: Decimal) -> bool:
        """Does a trade at ``price`` reach a resting order at ``limit``?"""
        raise NotImplementedError(f"{self.name} has no trade rule")

    def on_trade(self, trade: Trade) -> None:
        """Per-trade state, after the trade's fills."""

    def on_rest(self, order: Order, recent: Sequence[Trade]) -> None:
        """An order starts resting (the queue model estimates what is ahead of it)."""

    def on_gone(self, order: Order) -> None:
        """An order stopped resting (filled or cancelled)."""

    def trade_fills(self, book: Book, trade: Trade) -> Iterator[tuple[Order, Decimal]]:
        """Orders the trade reaches, in price-time priority, each with the most it may
        fill before the shared trade size is applied (``None``-like: its leaves)."""
        reaches = self.reaches
        price = trade.price
        for side, is_buy in ((book.bids, True), (book.asks, False)):
            best = side.best()
            if best is None or not reaches(is_buy, best, price):
                continue
            for order in side.in_priority():
                if not reaches(is_buy, order.price, price):
                    break
                yield order, order.leaves_qty


class StrictCross(FillModel):
    name = "strict_cross"

    def crosses(self, is_buy: bool, limit: Decimal, tick: Tick) -> bool:
        return tick.last < limit if is_buy else tick.last > limit

    def reaches(self, is_buy: bool, limit: Decimal, price: Decimal) -> bool:
        return price < limit if is_buy else price > limit


class TradeThrough(FillModel):
    name = "trade_through"

    def crosses(self, is_buy: bool, limit: Decimal, tick: Tick) -> bool:
        return tick.last <= limit if is_buy else tick.last >= limit

    def reaches(self, is_buy: bool, limit: Decimal, price: Decimal) -> bool:
        return price <= limit if is_buy else price >= limit


class BookTouch(TradeThrough):
    name = "book_touch"

    def crosses(self, is_buy: bool, limit: Decimal, tick: Tick) -> bool:
        if is_buy:
            ask = tick.ask
            return ask <= limit if ask is not None and ask > 0 else tick.last <= limit
        bid = tick.bid
        return bid >= limit if bid is not None and bid > 0 else tick.last >= limit


class LastCross(FillModel):
    name = "last_cross"
    stateful = True

    def __init__(self) -> None:
        self._prev: dict[str, Decimal | None] = {}
        self._token: dict[str, tuple[int, int | None]] = {}
        self._first: dict[str, Decimal] = {}
        self._prev_trade: dict[str, Decimal] = {}

    def advance(self, tick: Tick) -> None:
        self.advance_price(tick.symbol, tick.ts_ms, tick.local_ms, tick.last)

    def advance_price(self, symbol: str, ts_ms: int, local_ms: int | None, last: Decimal) -> None:
        """:meth:`advance` without a :class:`Tick` (the backtest's quiet tickers)."""
        if last <= 0:
            return
        token = (ts_ms, local_ms)
        if self._token.get(symbol) == token:
            return
        self._prev[symbol] = self._first.get(symbol)
        self._token[symbol] = token
        self._first[symbol] = last

    def ticker_fills(self, orders: Sequence[Order], tick: Tick) -> list[Order]:
        prev = self._prev.get(tick.symbol)
        if prev is None or tick.last <= 0:
            return []
        last = tick.last
        return [
            o for o in orders if (prev > o.price >= last if o.is_buy else prev < o.price <= last)
        ]

    def previous(self, symbol: str) -> Decimal | None:
        return self._prev.get(symbol)

    def trade_fills(self, book: Book, trade: Trade) -> Iterator[tuple[Order, Decimal]]:
        prev = self._prev_trade.get(trade.symbol)
        if prev is None:
            return
        price = trade.price
        for order in book.bids.in_priority():
            if not prev > order.price >= price:
                if order.price < price:
                    break
                continue
            yield order, order.leaves_qty
        for order in book.asks.in_priority():
            if not prev < order.price <= price:
                if order.price > price:
                    break
                continue
            yield order, order.leaves_qty

    def on_trade(self, trade: Trade) -> None:
        self._prev_trade[trade.symbol] = trade.price


class QueueModel(FillModel):
    """A trade through the price fills like ``strict_cross``; a trade **at** the price is
    handed out front to back: to the quantity estimated ahead of our first order there,
    then to that order, then to what is ahead of the next one (each order keeps its own
    estimate, worked off by the volume that reaches it), and so on."""

    name = "queue"

    def __init__(self, config: QueueConfig | None = None) -> None:
        self.config = config or QueueConfig()
        self._ahead: dict[str, Decimal] = {}
        self._fraction = Decimal(str(self.config.ahead_fraction))
        self._window_ms = int(self.config.window_s * 1000)

    def on_rest(self, order: Order, recent: Sequence[Trade]) -> None:
        since = order.created_ms - self._window_ms
        traded = sum((t.size for t in recent if t.price == order.price and t.ts_ms >= since), _ZERO)
        self._ahead[order.order_id] = max(traded * self._fraction, self.config.min_ahead)

    def on_gone(self, order: Order) -> None:
        self._ahead.pop(order.order_id, None)

    def ahead(self, order_id: str) -> Decimal:
        return self._ahead.get(order_id, _ZERO)

    def reaches(self, is_buy: bool, limit: Decimal, price: Decimal) -> bool:
        return price <= limit if is_buy else price >= limit

    def trade_fills(self, book: Book, trade: Trade) -> Iterator[tuple[Order, Decimal]]:
        price = trade.price
        budget = trade.size  # the trade's volume at the price, handed out front to back
        for order, leaves in super().trade_fills(book, trade):
            if order.price != price:
                self._ahead.pop(order.order_id, None)  # traded through: the level is gone
                yield order, leaves
                continue
            ahead = self._ahead.get(order.order_id, _ZERO)
            used = min(ahead, budget)
            self._ahead[order.order_id] = ahead - used
            budget -= used
            fill = min(leaves, budget)
            if fill > 0:
                budget -= fill
                yield order, fill


class _Follow(FillModel):
    """Fills only from recorded executions (``Venue.apply_recorded``)."""

    name = "follow"

    def ticker_fills(self, orders: Sequence[Order], tick: Tick) -> list[Order]:
        return []

    def trade_fills(self, book: Book, trade: Trade) -> Iterator[tuple[Order, Decimal]]:
        return iter(())


def make_fill_model(name: str, queue: QueueConfig | None = None) -> FillModel:
    """A fresh model by name; an unknown name raises ``ValueError`` naming the choices."""
    models: dict[str, type[FillModel]] = {
        "strict_cross": StrictCross,
        "trade_through": TradeThrough,
        "book_touch": BookTouch,
        "last_cross": LastCross,
        "follow": _Follow,
    }
    if name == "queue":
        return QueueModel(queue)
    cls = models.get(name)
    if cls is None:
        raise ValueError(f"fill_model: unknown {name!r}, choose one of {', '.join(FILL_MODELS)}")
    return cls()
