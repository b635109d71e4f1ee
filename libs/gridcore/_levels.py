"""§0 / §4: grid levels and the pure queries over a grid's parallel side/price lists."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import msgspec

from gridcore.errors import EmptyGridError

BUY: Literal["Buy"] = "Buy"
SELL: Literal["Sell"] = "Sell"
WAIT: Literal["Wait"] = "Wait"
LEVEL_SIDES = frozenset((BUY, SELL, WAIT))

LevelSide = Literal["Buy", "Sell", "Wait"]

# G-9: Buy+ Wait* Sell+, as a regex over the side initials.
_CORRECT_SHAPE = re.compile(r"B+W*S+")


class GridLevel(msgspec.Struct, frozen=True):
    """One grid level: a side (``Buy``/``Sell``/``Wait``, case-sensitive) and a price."""

    side: LevelSide
    price: float


def too_close(level_price: float, fill_price: float, grid_step: float) -> bool:
    """G-14: within a quarter step of the fill, the level price as denominator."""
    if level_price == 0 or grid_step == 0:
        return False
    return abs(level_price - fill_price) / level_price * 100 < grid_step / 4


def wait_center(sides: Sequence[str], prices: Sequence[float]) -> float:
    """G-7: mid of the Wait prices, else the median level price."""
    if not prices:
        raise EmptyGridError("wait_center")
    waits = [price for side, price in zip(sides, prices, strict=True) if side == WAIT]
    if waits:
        return (min(waits) + max(waits)) / 2
    n = len(prices)
    if n % 2:
        return prices[n // 2]
    return (prices[n // 2 - 1] + prices[n // 2]) / 2


def is_price_sorted(prices: Sequence[float]) -> bool:
    """G-8: strictly ascending, so duplicates fail."""
    return all(a < b for a, b in itertools.pairwise(prices))


def is_grid_correct(sides: Sequence[str], prices: Sequence[float]) -> bool:
    """G-9: strictly sorted prices and the side shape ``Buy+ Wait* Sell+``."""
    if not is_price_sorted(prices):
        return False
    initials = "".join(side[0] for side in sides)
    return _CORRECT_SHAPE.fullmatch(initials) is not None


def parse_restore_items(items: Iterable[Any]) -> tuple[list[str], list[float]] | None:
    """G-10 item check: exact side spelling and a price that converts to float.

    Items are ``{"side", "price"}`` mappings or :class:`GridLevel`; anything else is bad.
    Returns ``None`` on the first bad item.
    """
    sides: list[str] = []
    prices: list[float] = []
    for item in items:
        if isinstance(item, GridLevel):
            side, raw = item.side, item.price
        elif isinstance(item, Mapping) and "side" in item and "price" in item:
            side, raw = item["side"], item["price"]
        else:
            return None
        if not isinstance(side, str) or side not in LEVEL_SIDES:
            return None
        try:
            price = float(raw)
        except (TypeError, ValueError, OverflowError):
            return None
        sides.append(side)
        prices.append(price)
    return sides, prices
