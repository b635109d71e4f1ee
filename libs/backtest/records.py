"""What a backtest produces: one record per fill and the equity curve."""

from __future__ import annotations

from decimal import Decimal

import msgspec

__all__ = ["EquityCurve", "FillRecord", "FundingRecord"]


class FillRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One execution of one of our orders (a wind-down close included)."""

    ts_ms: int
    symbol: str
    side: str
    direction: str
    price: Decimal
    qty: Decimal
    fee: Decimal
    #: Gross realised PnL of the fill (0 for opens), fees not netted (B-FILL-4).
    realized_pnl: Decimal
    client_order_id: str
    order_id: str
    liquidity: str  # "maker" | "taker"
    opening: bool


class FundingRecord(msgspec.Struct, frozen=True, kw_only=True):
    ts_ms: int
    direction: str
    size: Decimal
    price: Decimal
    rate: Decimal
    #: Received (> 0) or paid (< 0).
    amount: Decimal


class EquityCurve(msgspec.Struct, kw_only=True):
    """One point per ticker (B-EQ-2): equity at the ticker's last price, after its fills."""

    ts_ms: list[int] = msgspec.field(default_factory=list)
    equity: list[Decimal] = msgspec.field(default_factory=list)
    price: list[Decimal] = msgspec.field(default_factory=list)
