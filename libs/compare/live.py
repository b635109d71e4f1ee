"""Records from the account events a live run recorded (``proto.account``): the adapters
the store-backed live side will use."""

from __future__ import annotations

from decimal import Decimal

from compare.records import EquityPoint, Fill, PositionPoint
from gridcore.identity import order_link_prefix
from proto.account import ExecType, Execution, Position, Wallet

__all__ = ["equity_point", "fill_from_execution", "position_point"]

_LEG = {1: "long", 2: "short"}


def fill_from_execution(execution: Execution, direction: str) -> Fill | None:
    """A trade execution as a fill; None for funding, ADL and every other non-trade
    (V-1). ``direction`` is the leg the order was placed for, from the order's position
    index (V-4): an execution does not carry it."""
    if execution.exec_type != ExecType.TRADE:
        return None
    return Fill(
        ts_ms=execution.ts_exchange_ms,
        symbol=execution.symbol,
        side=str(execution.side),
        direction=direction,
        price=execution.price,
        qty=execution.qty,
        fee=execution.fee,
        realized_pnl=execution.exec_pnl,
        client_order_id=order_link_prefix(execution.order_link_id) or "",  # V-2
        order_id=execution.order_id,
    )


def position_point(position: Position) -> PositionPoint:
    """Hedge mode: position index 1 is the long leg, 2 the short; one-way (0) by side."""
    leg = _LEG.get(position.position_idx)
    if leg is None:
        leg = "short" if position.side == "Sell" else "long"
    size = position.size
    return PositionPoint(
        ts_ms=position.ts_exchange_ms, direction=leg, size=size,
        entry=position.avg_price if size else Decimal(0),
    )  # fmt: skip


def equity_point(wallet: Wallet, price: Decimal | None = None) -> EquityPoint:
    """V-9: wallet balance + unrealised PnL at mark (like the sim's equity)."""
    return EquityPoint(
        ts_ms=wallet.ts_exchange_ms,
        equity=wallet.wallet_balance + wallet.unrealised_pnl,
        price=price,
    )
