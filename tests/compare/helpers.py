"""Small builders for comparison tests: times in seconds from 2020-12-09T00:00:00Z,
BTCUSDT units (tick 0.1, lot 0.001)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from compare import EquityPoint, Fill, PositionPoint, Side

T0 = 1_607_472_000_000  # 2020-12-09T00:00:00Z
TICK = Decimal("0.1")
LOT = Decimal("0.001")


def ms(seconds: float) -> int:
    return T0 + round(seconds * 1000)


def fill(
    t: float,
    cid: str = "c1",
    *,
    side: str = "Buy",
    direction: str = "long",
    price: str = "100",
    qty: str = "0.001",
    fee: str = "0",
    pnl: str = "0",
    oid: str | None = None,
) -> Fill:
    return Fill(
        ts_ms=ms(t), symbol="BTCUSDT", side=side, direction=direction, price=Decimal(price),
        qty=Decimal(qty), fee=Decimal(fee), realized_pnl=Decimal(pnl), client_order_id=cid,
        order_id=oid if oid is not None else f"{cid}@{t}",
    )  # fmt: skip


def equity(t: float, value: str, price: str | None = None) -> EquityPoint:
    return EquityPoint(ts_ms=ms(t), equity=Decimal(value), price=Decimal(price) if price else None)


def position(t: float, direction: str, size: str, entry: str) -> PositionPoint:
    return PositionPoint(ts_ms=ms(t), direction=direction, size=Decimal(size), entry=Decimal(entry))


def side(
    fills: Iterable[Fill],
    equity_points: Iterable[EquityPoint] = (),
    positions: Iterable[PositionPoint] | None = None,
) -> Side:
    return Side(
        fills=tuple(fills),
        equity=tuple(equity_points),
        positions=None if positions is None else tuple(positions),
        tick_size=TICK,
        qty_step=LOT,
    )
