"""§10: order quantity from an amount string, the risk multiplier and the instrument."""

from __future__ import annotations

import math
from decimal import ROUND_UP, Decimal, InvalidOperation
from typing import Literal

import msgspec

from gridcore.errors import GridConfigError, InvalidAmountError
from gridcore.risk import PositionRiskManager, early_imbalance_qty

__all__ = [
    "MIN_NOTIONAL_USDT",
    "Amount",
    "InstrumentInfo",
    "base_qty",
    "multiplier_decimal",
    "order_qty",
    "parse_amount",
    "round_qty",
]

MIN_NOTIONAL_USDT = Decimal(5)
_ZERO = Decimal(0)
# the rule values map exactly; 1.0 and 2.0 map to integers so that, e.g., base
# 0.002 × 1 × early-imbalance Decimal("2.0") prints as the spec's 0.0040.
_EXACT_MULTIPLIERS = {0.5: Decimal("0.5"), 1.0: Decimal(1), 1.5: Decimal("1.5"), 2.0: Decimal(2)}


class InstrumentInfo(msgspec.Struct, frozen=True, kw_only=True):
    """The instrument fields quantity rounding needs (Q-3, Q-4)."""

    qty_step: Decimal
    min_qty: Decimal = Decimal("0.001")
    max_qty: Decimal = Decimal("1000")

    def __post_init__(self) -> None:
        for field in ("qty_step", "min_qty", "max_qty"):
            value = getattr(self, field)
            if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise GridConfigError(field, value, "must be a finite Decimal >= 0")
        if self.qty_step <= 0:
            raise GridConfigError("qty_step", self.qty_step, "must be > 0")


class Amount(msgspec.Struct, frozen=True):
    """A parsed amount: a wallet fraction (``x<f>``) or a USDT notional (``<n>``)."""

    kind: Literal["wallet_fraction", "usdt"]
    value: Decimal


def parse_amount(text: str) -> Amount:
    """Q-1 grammar; anything else (``""``, ``"x"``, ``"b…"``, text) raises."""
    if not isinstance(text, str):
        raise InvalidAmountError(repr(text))
    kind: Literal["wallet_fraction", "usdt"] = "usdt"
    number = text
    if text.startswith("x"):
        kind, number = "wallet_fraction", text[1:]
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise InvalidAmountError(text) from None
    if not value.is_finite():
        raise InvalidAmountError(text)
    return Amount(kind, value)


def round_qty(qty: Decimal, qty_step: Decimal) -> Decimal:
    """Q-3: 0 for q ≤ 0, else ``ceil(q / step) × step`` in decimal."""
    if qty <= 0:
        return _ZERO
    return (qty / qty_step).to_integral_value(rounding=ROUND_UP) * qty_step


def base_qty(
    amount: Amount | str, price: Decimal, wallet: Decimal, instrument: InstrumentInfo | None
) -> Decimal:
    """Q-1..Q-3: raw quantity, the $5 minimum notional, then rounding up to the step."""
    if isinstance(amount, str):
        amount = parse_amount(amount)
    if price <= 0:
        return _ZERO
    if amount.kind == "wallet_fraction":
        if wallet <= 0:
            return _ZERO
        raw = wallet * amount.value / price
    else:
        raw = amount.value / price
    if raw * price < MIN_NOTIONAL_USDT:
        raw = MIN_NOTIONAL_USDT / price
    return raw if instrument is None else round_qty(raw, instrument.qty_step)


def multiplier_decimal(multiplier: float) -> Decimal | None:
    """Q-4.2: 0.5/1.0/1.5/2.0 exactly, others via ``str``; None when not finite."""
    if not math.isfinite(multiplier):
        return None
    exact = _EXACT_MULTIPLIERS.get(multiplier)
    return exact if exact is not None else Decimal(str(multiplier))


def order_qty(
    amount: Amount | str,
    price: Decimal,
    wallet: Decimal,
    multiplier: float,
    instrument: InstrumentInfo | None,
    *,
    early_imbalance: tuple[float, PositionRiskManager, PositionRiskManager] | None = None,
    apply_limits: bool = True,
) -> Decimal:
    """Q-4 pipeline. ``early_imbalance`` is ``(multiplier, long, short)`` for R-11.

    ``apply_limits=False`` is the backtest form (no min/max step). Min/max apply only
    with instrument info.
    """
    m = multiplier_decimal(multiplier)
    if m is None:
        return _ZERO
    qty = base_qty(amount, price, wallet, instrument) * m
    if early_imbalance is not None:
        qty = early_imbalance_qty(qty, *early_imbalance)
    if instrument is None:
        return qty
    if qty > 0:
        qty = round_qty(qty, instrument.qty_step)
    if apply_limits:
        if qty < instrument.min_qty:
            return _ZERO
        if qty > instrument.max_qty:
            return instrument.max_qty
    return qty
