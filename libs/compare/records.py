"""What one side of a comparison holds: plain records, so a live run (from the event
store, later) and a backtest folder (now) feed the same code."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

__all__ = ["LEGS", "EquityPoint", "Fill", "PositionPoint", "Side", "Window"]

#: The hedge-mode legs, the directions every fill and position is in.
LEGS = ("long", "short")


class Fill(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One trade execution of ours (funding and ADL are not fills, V-1)."""

    ts_ms: int
    symbol: str
    side: str  # "Buy" | "Sell"
    #: The leg the order was placed for ("long" | "short"): V-4, never inferred from PnL.
    direction: str
    price: Decimal
    qty: Decimal
    fee: Decimal
    realized_pnl: Decimal
    #: V-2: the I-3 prefix of the link id; empty when the order had none.
    client_order_id: str
    order_id: str


class EquityPoint(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Equity (wallet balance + unrealised at mark, V-9) at an event; ``price`` is the
    mark or last price it was valued at, when known."""

    ts_ms: int
    equity: Decimal
    price: Decimal | None = None


class PositionPoint(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One leg's state after an event (size ≥ 0; entry 0 when flat)."""

    ts_ms: int
    direction: str  # "long" | "short"
    size: Decimal
    entry: Decimal


class Side(msgspec.Struct, frozen=True, kw_only=True):
    """One side of the comparison ("live" or "sim").

    ``positions`` None means the side recorded none (a backtest folder): they are derived
    from its fills with the P-9 rules (V-12).
    """

    fills: tuple[Fill, ...]
    tick_size: Decimal
    qty_step: Decimal
    equity: tuple[EquityPoint, ...] = ()
    positions: tuple[PositionPoint, ...] | None = None
    manifest: dict[str, Any] = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.tick_size > 0 or not self.qty_step > 0:
            raise ValueError(
                f"tick_size and qty_step must be > 0, got {self.tick_size}, {self.qty_step}"
            )


class Window(msgspec.Struct, frozen=True):
    """``[start_ms, end_ms)``, exchange time, UTC (V-1: half-open, differs)."""

    start_ms: int
    end_ms: int

    def __post_init__(self) -> None:
        if self.end_ms <= self.start_ms:
            raise ValueError(f"window end {self.end_ms} must be after start {self.start_ms}")
