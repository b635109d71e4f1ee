"""§3–§5: the grid — build, restore, update after a fill, centring, change notifications."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from gridcore import _levels
from gridcore._levels import BUY, SELL, WAIT, GridLevel
from gridcore.config import GridConfig, parse_tick_size
from gridcore.errors import DuplicatePriceError, EmptyGridError
from gridcore.rounding import round_to_tick

__all__ = ["Grid", "GridChangeCallback"]

logger = logging.getLogger(__name__)

GridChangeCallback = Callable[[tuple[GridLevel, ...], int | None], None]


class Grid:
    """The ordered level list of one strategy (index 0 is the lowest price when built).

    Levels live in two parallel lists, :attr:`sides` and :attr:`prices`; treat them as
    read-only. Every mutation bumps :attr:`version` and fires ``on_change`` (S-1) except
    :meth:`restore`. :attr:`exchange_ts` is the timestamp passed to ``on_change``; the
    engine sets it while it handles an event.
    """

    def __init__(
        self,
        tick_size: Decimal | str,
        config: GridConfig,
        on_change: GridChangeCallback | None = None,
    ) -> None:
        self.tick_size = parse_tick_size(tick_size)
        self.config = config
        self.on_change = on_change
        self.exchange_ts: int | None = None
        self.sides: list[str] = []
        self.prices: list[float] = []
        self.anchor_price: float | None = None
        self.version = 0
        self._tick = float(self.tick_size)  # G-1
        self._step = config.grid_step / 100
        self._lo = self._hi = 0.0

    # -- queries (§4) -------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.prices)

    @property
    def levels(self) -> tuple[GridLevel, ...]:
        """A snapshot of the levels, in list order."""
        return tuple(map(GridLevel, self.sides, self.prices))

    @property
    def bounds(self) -> tuple[float, float]:
        """G-5 ``(min price, max price)`` over all levels, Wait included."""
        if not self.prices:
            raise EmptyGridError("bounds")
        return self._lo, self._hi

    @property
    def min_grid(self) -> float:
        return self.bounds[0]

    @property
    def max_grid(self) -> float:
        return self.bounds[1]

    def spans(self, price: float) -> bool:
        """E-4.2 inclusive bounds test ``min <= price <= max``; False on an empty grid."""
        return bool(self.prices) and self._lo <= price <= self._hi

    def wait_center(self) -> float:
        """G-7."""
        return _levels.wait_center(self.sides, self.prices)

    def is_price_sorted(self) -> bool:
        """G-8."""
        return _levels.is_price_sorted(self.prices)

    def is_grid_correct(self) -> bool:
        """G-9."""
        return _levels.is_grid_correct(self.sides, self.prices)

    def round_price(self, x: float) -> float:
        """G-2 ``R(x)`` at this grid's tick."""
        return round_to_tick(x, self._tick)

    # -- mutations ------------------------------------------------------------------

    def build(self, price: float | None) -> None:
        """G-3 / G-4: rebuild around ``price``; a falsy price does nothing."""
        if not price:
            return
        tick, step, half = self._tick, self._step, self.config.grid_count // 2
        centre = round_to_tick(price, tick)
        sells: list[float] = []
        x = price
        for _ in range(half):
            x = round_to_tick(x * (1 + step), tick)
            sells.append(x)
        buys: list[float] = []
        x = price
        for _ in range(half):
            x = round_to_tick(x * (1 - step), tick)
            buys.append(x)
        buys.reverse()
        self.sides = [BUY] * half + [WAIT] + [SELL] * half
        self.prices = [*buys, centre, *sells]
        self.anchor_price = centre
        self._changed()
        if len(set(self.prices)) != len(self.prices):
            raise DuplicatePriceError(_first_duplicate(self.prices), price)
        self._notify()

    def restore(self, items: Iterable[Any]) -> bool:
        """G-10: adopt a saved level list if it is valid; never notifies."""
        parsed = _levels.parse_restore_items(items)
        if parsed is None or not _levels.is_grid_correct(*parsed):
            self.sides, self.prices = [], []
            self._changed()
            return False
        self.sides, self.prices = parsed
        self.anchor_price = self.wait_center()
        self._changed()
        return True

    def update(self, fill_price: float | None, last_close: float | None) -> None:
        """§5 G-11..G-16: re-side every level after a fill, then centre at most once."""
        if fill_price is None or last_close is None:
            return
        if not self.prices or not self._lo < last_close < self._hi:
            self.build(last_close)
        try:
            self._assign_sides(fill_price, last_close)
            self._centre()
        finally:
            self._changed()
        self._notify()

    # -- helpers --------------------------------------------------------------------

    def _assign_sides(self, fill_price: float, last_close: float) -> None:
        """G-13, in list order."""
        step, sides = self.config.grid_step, self.sides
        for i, price in enumerate(self.prices):
            if _levels.too_close(price, fill_price, step):
                sides[i] = WAIT
            elif last_close < price:
                sides[i] = SELL
            elif last_close > price:
                sides[i] = BUY

    def _centre(self) -> None:
        """G-15: at most one shift toward balance; the grid length is unchanged."""
        buys = sells = 0
        highest_sell = 0.0
        lowest_buy: float | None = None
        for side, price in zip(self.sides, self.prices, strict=True):
            if side == BUY:
                buys += 1
                if lowest_buy is None or price < lowest_buy:
                    lowest_buy = price
            elif side == SELL:
                sells += 1
                highest_sell = price
        total = buys + sells
        if total == 0:
            return
        theta, step = self.config.rebalance_threshold, self._step
        if (buys - sells) / total > theta:
            del self.sides[0], self.prices[0]
            self.sides.append(SELL)
            self.prices.append(round_to_tick(highest_sell * (1 + step), self._tick))
        elif (sells - buys) / total > theta:
            del self.sides[-1], self.prices[-1]
            if lowest_buy is None and not self.prices:
                raise EmptyGridError("G-15 centring base (grid[0] after removal)")
            base = lowest_buy if lowest_buy is not None else self.prices[0]
            self.sides.insert(0, BUY)
            self.prices.insert(0, round_to_tick(base * (1 - step), self._tick))

    def _changed(self) -> None:
        self.version += 1
        if self.prices:
            self._lo, self._hi = min(self.prices), max(self.prices)

    def _notify(self) -> None:
        """S-1: call ``on_change``; its errors are logged and swallowed."""
        if self.on_change is None:
            return
        try:
            self.on_change(self.levels, self.exchange_ts)
        except Exception:
            logger.exception("grid on_change callback failed")


def _first_duplicate(prices: list[float]) -> float:
    seen: set[float] = set()
    for price in prices:
        if price in seen:
            return price
        seen.add(price)
    raise AssertionError("no duplicate")  # pragma: no cover
