"""Liquidation prices and liquidation detection for hedge-mode legs (cross margin).

The liquidation price reported on positions is the reference backtest's **pair
estimate** (B-RISK-3), the input of the §9 risk rules. With ``L, S`` the long and short
sizes and ``Le, Se`` their average entries:

* both flat → (0, 0);
* ``mm`` = tier maintenance margin (gridcore P-6) of ``L×Le + S×Se``;
  ``pool = equity − mm``; ``pool ≤ 0`` → (``Le`` if long else 0, ``Se`` if short else 0);
* ``L > S`` → long ``max(Le − pool/(L − S), 0)``, short 0;
* ``L < S`` → short ``Se + pool/(S − L)``, long 0; but when ``L = 0`` and that exceeds
  ``2 × Se``, both 0 (a reference quirk: hedged short-dominant legs get an uncapped
  price, short-only legs none);
* ``L = S`` → (0, 0).

An account is **liquidated** when its equity falls to or below the maintenance margin
of its positions (tier tables, entry-based value: B-EQ-2's); the kernel records the
crossing as an event (``Venue.liquidations``), it does not close anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from gridcore.pnl import maintenance_margin
from venue.models import Position

__all__ = ["maintenance_margin_of", "pair_liquidation_prices"]

_ZERO = Decimal(0)
_TWO = Decimal(2)


def pair_liquidation_prices(
    symbol: str,
    long_size: Decimal,
    long_entry: Decimal,
    short_size: Decimal,
    short_entry: Decimal,
    equity: Decimal,
) -> tuple[Decimal, Decimal]:
    """B-RISK-3 ``(long liq, short liq)``; 0 means none."""
    if long_size == 0 and short_size == 0:
        return _ZERO, _ZERO
    mm, _ = maintenance_margin(long_size * long_entry + short_size * short_entry, symbol)
    pool = equity - mm
    if pool <= 0:
        return (
            long_entry if long_size > 0 else _ZERO,
            short_entry if short_size > 0 else _ZERO,
        )
    if long_size > short_size:
        return max(long_entry - pool / (long_size - short_size), _ZERO), _ZERO
    if long_size < short_size:
        liq = short_entry + pool / (short_size - long_size)
        if long_size == 0 and liq > _TWO * short_entry:
            return _ZERO, _ZERO
        return _ZERO, liq
    return _ZERO, _ZERO


def maintenance_margin_of(positions: Iterable[Position]) -> Decimal:
    """Σ tier maintenance margin (P-6) of the open legs, on entry-based value (B-EQ-2)."""
    total = _ZERO
    for position in positions:
        if position.size:
            value = abs(position.size) * position.avg_price
            total += maintenance_margin(value, position.symbol)[0]
    return total
