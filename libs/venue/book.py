"""Order book of resting simulator orders and the fill rules. Pure: no I/O, no clock.

The book holds only orders of simulated accounts; the market itself is the feed. Rules:
- A resting order fills when a feed trade prints strictly *through* its price (a buy when
  the trade price is below it, a sell when above). A trade exactly at the price does not
  fill (`trade_at_price="no_fill"`, default) or fills (`"fill"`).
- It fills at its own limit price, for at most the trade's remaining size; the trade size
  is shared by all orders it passes through in price-time priority (best price first,
  then arrival order). Unfilled remainders keep resting. The trade size is first rounded
  down to the instrument's qty step (a feed on a finer lot grid cannot create off-step
  fills; a trade smaller than one step fills nothing).
- The touch is derived from the last trade: a taker Buy at P sets ask=P, bid=P-tick; a taker
  Sell at P sets bid=P, ask=P+tick. A new limit order that reaches the touch (buy >= ask,
  sell <= bid) is marketable: it fills at once as taker at the touch price for its whole
  quantity (the touch is assumed deep enough); PostOnly orders are cancelled instead.
- Simulated accounts never trade with each other.
"""

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from venue.models import Order

__all__ = ["Book", "Touch", "is_marketable", "is_through", "taker_price", "touch_after_trade"]


@dataclass(slots=True, frozen=True)
class Touch:
    bid: Decimal
    ask: Decimal
    last: Decimal


def touch_after_trade(taker_side: str, price: Decimal, tick: Decimal) -> Touch:
    if taker_side == "Buy":
        return Touch(bid=price - tick, ask=price, last=price)
    return Touch(bid=price, ask=price + tick, last=price)


def is_marketable(side: str, price: Decimal, touch: Touch | None) -> bool:
    """Would a limit order at `price` take liquidity at the current touch?"""
    if touch is None:
        return False
    return price >= touch.ask if side == "Buy" else price <= touch.bid


def taker_price(side: str, touch: Touch) -> Decimal:
    return touch.ask if side == "Buy" else touch.bid


def is_through(side: str, order_price: Decimal, trade_price: Decimal, at_price: bool) -> bool:
    """Does a trade at `trade_price` fill a resting order at `order_price`?"""
    if side == "Buy":
        return trade_price < order_price or (at_price and trade_price == order_price)
    return trade_price > order_price or (at_price and trade_price == order_price)


class _Side:
    """Price levels of one side: sorted prices plus a FIFO list per price."""

    __slots__ = ("descending", "levels", "prices")

    def __init__(self, descending: bool) -> None:
        self.descending = descending
        self.prices: list[Decimal] = []  # ascending
        self.levels: dict[Decimal, list[Order]] = {}

    def add(self, order: Order) -> None:
        level = self.levels.get(order.price)
        if level is None:
            bisect.insort(self.prices, order.price)
            level = self.levels[order.price] = []
        level.append(order)

    def remove(self, order: Order) -> None:
        level = self.levels.get(order.price)
        if level is None:
            return
        try:
            level.remove(order)
        except ValueError:
            return
        if not level:
            del self.levels[order.price]
            self.prices.pop(bisect.bisect_left(self.prices, order.price))

    def best(self) -> Decimal | None:
        if not self.prices:
            return None
        return self.prices[-1] if self.descending else self.prices[0]

    def in_priority(self) -> Iterator[Order]:
        prices = reversed(self.prices) if self.descending else iter(self.prices)
        for price in list(prices):
            yield from list(self.levels.get(price, ()))

    def __len__(self) -> int:
        return sum(len(level) for level in self.levels.values())


class Book:
    """Resting orders of one symbol across all simulated accounts."""

    __slots__ = ("asks", "bids")

    def __init__(self) -> None:
        self.bids = _Side(descending=True)
        self.asks = _Side(descending=False)

    def add(self, order: Order) -> None:
        (self.bids if order.is_buy else self.asks).add(order)

    def remove(self, order: Order) -> None:
        (self.bids if order.is_buy else self.asks).remove(order)

    def through(self, trade_price: Decimal, at_price: bool) -> Iterator[Order]:
        """Orders a trade at `trade_price` passes through, in price-time priority.

        O(1) when nothing is crossed: only the best level of each side is compared first.
        """
        best_bid = self.bids.best()
        if best_bid is not None and is_through("Buy", best_bid, trade_price, at_price):
            for order in self.bids.in_priority():
                if not is_through("Buy", order.price, trade_price, at_price):
                    break
                yield order
        best_ask = self.asks.best()
        if best_ask is not None and is_through("Sell", best_ask, trade_price, at_price):
            for order in self.asks.in_priority():
                if not is_through("Sell", order.price, trade_price, at_price):
                    break
                yield order

    def __len__(self) -> int:
        return len(self.bids) + len(self.asks)
