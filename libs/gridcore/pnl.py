"""§11 P-1..P-8: PnL and margin formulas, in Decimal (P-5 returns a float)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from decimal import Decimal
from typing import Literal, NamedTuple

__all__ = [
    "TIERS_BTCUSDT",
    "TIERS_DEFAULT",
    "TIERS_ETHUSDT",
    "MarginTier",
    "imr_pct",
    "initial_margin",
    "liq_ratio",
    "maintenance_margin",
    "margin_ratio",
    "mmr_pct",
    "position_value",
    "tiers_for",
    "unrealised_pnl",
    "unrealised_pnl_pct",
]

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


class MarginTier(NamedTuple):
    """One risk-limit tier: applies up to and including ``cap`` of position value."""

    cap: Decimal
    mmr: Decimal
    deduction: Decimal
    imr: Decimal


def _table(*rows: tuple[str, str, str, str]) -> tuple[MarginTier, ...]:
    return tuple(MarginTier(*map(Decimal, row)) for row in rows)


TIERS_BTCUSDT = _table(
    ("2e6", ".005", "0", ".01"),
    ("1e7", ".01", "1e4", ".02"),
    ("2e7", ".025", "1.6e5", ".05"),
    ("4e7", ".05", "6.6e5", ".1"),
    ("8e7", ".1", "2.66e6", ".2"),
    ("1.6e8", ".125", "4.66e6", ".25"),
    ("Infinity", ".15", "8.66e6", ".3"),
)
TIERS_ETHUSDT = _table(
    ("1e6", ".005", "0", ".01"),
    ("5e6", ".01", "5e3", ".02"),
    ("1e7", ".025", "8e4", ".05"),
    ("2e7", ".05", "3.3e5", ".1"),
    ("4e7", ".1", "1.33e6", ".2"),
    ("8e7", ".125", "2.33e6", ".25"),
    ("Infinity", ".15", "4.33e6", ".3"),
)
TIERS_DEFAULT = _table(
    ("1e6", ".01", "0", ".02"),
    ("5e6", ".025", "1.5e4", ".05"),
    ("1e7", ".05", "1.4e5", ".1"),
    ("2e7", ".1", "6.4e5", ".2"),
    ("Infinity", ".15", "1.64e6", ".3"),
)
_TIERS = {"BTCUSDT": TIERS_BTCUSDT, "ETHUSDT": TIERS_ETHUSDT}


def unrealised_pnl(
    direction: Literal["long", "short"], entry: Decimal, current: Decimal, size: Decimal
) -> Decimal:
    """P-1."""
    if direction == "long":
        return (current - entry) * size
    return (entry - current) * size


def unrealised_pnl_pct(
    direction: Literal["long", "short"], entry: Decimal, current: Decimal, leverage: Decimal
) -> Decimal:
    """P-2 ROE percent, entry as denominator; 0 when entry ≤ 0 or current ≤ 0."""
    if entry <= 0 or current <= 0:
        return _ZERO
    if direction == "long":
        return (current - entry) / entry * leverage * _HUNDRED
    return (entry - current) / entry * leverage * _HUNDRED


def position_value(size: Decimal, entry: Decimal) -> Decimal:
    """P-3: entry-based notional."""
    return size * entry


def margin_ratio(value: Decimal, wallet: Decimal) -> Decimal:
    """P-4: ``position_value / wallet``; 0 when the wallet is ≤ 0."""
    if wallet <= 0:
        return _ZERO
    return value / wallet


def liq_ratio(liq: Decimal, price: Decimal) -> float:
    """P-5 ``float(liq) / float(price)``; 0.0 when the price is 0."""
    if price == 0:
        return 0.0
    return float(liq) / float(price)


def tiers_for(symbol: str = "BTCUSDT") -> tuple[MarginTier, ...]:
    """The symbol's hard-coded table, else the default table (also for ``""``)."""
    return _TIERS.get(symbol, TIERS_DEFAULT)


def _tier(value: Decimal, symbol: str, tiers: Sequence[MarginTier] | None) -> MarginTier:
    if value < 0:
        raise ValueError(f"position_value={value!r}: must be >= 0")
    table = tiers if tiers is not None else tiers_for(symbol)
    index = bisect_left([tier.cap for tier in table], value)
    return table[min(index, len(table) - 1)]


def maintenance_margin(
    value: Decimal, symbol: str = "BTCUSDT", tiers: Sequence[MarginTier] | None = None
) -> tuple[Decimal, Decimal]:
    """P-6 ``(max(pv × mmr − deduction, 0), mmr)``; ``(0, 0)`` when pv = 0."""
    tier = _tier(value, symbol, tiers)
    if value == 0:
        return _ZERO, _ZERO
    return max(value * tier.mmr - tier.deduction, _ZERO), tier.mmr


def initial_margin(
    value: Decimal, symbol: str = "BTCUSDT", tiers: Sequence[MarginTier] | None = None
) -> tuple[Decimal, Decimal]:
    """P-7 ``(pv × imr, imr)`` over the same tiers; ``(0, 0)`` when pv = 0."""
    tier = _tier(value, symbol, tiers)
    if value == 0:
        return _ZERO, _ZERO
    return value * tier.imr, tier.imr


def imr_pct(total_im: Decimal, margin_balance: Decimal) -> Decimal:
    """P-8 ``IMR% = total_IM / margin_balance × 100``; 0 when the balance is ≤ 0."""
    if margin_balance <= 0:
        return _ZERO
    return total_im / margin_balance * _HUNDRED


def mmr_pct(total_mm: Decimal, margin_balance: Decimal) -> Decimal:
    """P-8 ``MMR% = total_MM / margin_balance × 100``; 0 when the balance is ≤ 0."""
    if margin_balance <= 0:
        return _ZERO
    return total_mm / margin_balance * _HUNDRED
