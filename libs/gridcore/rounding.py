"""§0 / G-1 / G-2: the float price rounding used by the grid, and its text forms."""

from __future__ import annotations

import functools
from decimal import Decimal

__all__ = ["parse_price_key", "price_decimal", "price_text", "round8", "round_to_tick"]


def round_to_tick(x: float, tick: float) -> float:
    """G-2 ``R(x) = parse(fmt10(round_half_even(x / t) × t))``, all in binary64.

    ``round(x / tick)`` is Python's half-even integer rounding; the int is converted back
    to a double by the multiplication; ``%.10f`` then parse drops the float noise.
    """
    return float(f"{round(x / tick) * tick:.10f}")


@functools.lru_cache(maxsize=1 << 16)
def round8(x: float) -> float:
    """§0 ``round8``: the equality and grouping key for prices (Python ``round(x, 8)``).

    Memoised: ``round(x, 8)`` is a correctly rounded decimal conversion and costs far
    more than a cache hit, and grid and order prices repeat.
    """
    return round(x, 8)


@functools.lru_cache(maxsize=1 << 16)
def parse_price_key(text: str) -> tuple[float, float]:
    """An order's price text as ``(float(price), round8(float(price)))`` (E-6.1)."""
    price = float(text)
    return price, round8(price)


def price_text(x: float) -> str:
    """The shortest round-trip text of a double (Python ``repr``): ``99800.0``."""
    return repr(x)


def price_decimal(x: float) -> Decimal:
    """E-8: the decimal parsed from a float's shortest round-trip text."""
    return Decimal(repr(x))
