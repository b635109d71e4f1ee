"""A side of a comparison read from the event store: one account × symbol of a recorded
namespace (a live run, or a replay's own events), as the records a run folder gives.

Fills are the account's trade executions of the symbol (V-1), each with the leg its
order was placed for (the order's position index, V-4; without a recorded order, a
fill that closed size closes the opposite leg); positions are the recorded legs, equity
the recorded USDT wallet (balance + unrealised, V-9).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import asyncpg
import msgspec

import proto
from compare import PositionPoint, Side
from compare.live import equity_point, fill_from_execution, position_point
from compare.pnl_check import leg_of_fill

__all__ = ["load_position_baseline", "load_price", "load_stored_side", "starting_from"]

_LEGS = {1: "long", 2: "short"}

_EVENTS = """
SELECT payload FROM events
WHERE ns = $1 AND account_id = $2 AND kind IN ('execution', 'order', 'position', 'wallet')
  AND ($3::bigint IS NULL OR ts_exchange_ms >= $3 OR kind = 'order')
  AND ($4::bigint IS NULL OR ts_exchange_ms < $4)
ORDER BY stream_seq
"""


async def load_stored_side(
    conn: asyncpg.Connection,
    ns: str,
    account: str,
    symbol: str,
    *,
    tick_size: Decimal,
    qty_step: Decimal,
    start_ms: int | None = None,
    end_ms: int | None = None,
) -> Side:
    legs: dict[str, int] = {}
    executions: list[proto.Execution] = []
    positions = []
    equity = []
    for (payload,) in await conn.fetch(_EVENTS, ns, account, start_ms, end_ms):
        match proto.decode(payload):
            case proto.OrderUpdate() as order:
                legs.setdefault(order.order_id, order.position_idx)
            case proto.Execution(symbol=s) as execution if s == symbol:
                executions.append(execution)
            case proto.Position(symbol=s) as position if s == symbol:
                positions.append(position_point(position))
            case proto.Wallet(coin="USDT") as wallet:
                equity.append(equity_point(wallet))
    fills = []
    for execution in executions:
        direction = _LEGS.get(legs.get(execution.order_id, 0)) or leg_of_fill(execution)
        fill = fill_from_execution(execution, direction)
        if fill is not None:
            fills.append(fill)
    return Side(
        fills=tuple(fills),
        tick_size=tick_size,
        qty_step=qty_step,
        equity=tuple(equity),
        positions=tuple(positions),
        manifest={"ns": ns, "account": account, "symbol": symbol},
    )


_TICKERS = """
SELECT ts_exchange_ms, payload FROM events
WHERE ns = $1 AND kind = 'ticker' AND symbol = $2
  AND ($3::bigint IS NULL OR ts_exchange_ms >= $3)
  AND ($4::bigint IS NULL OR ts_exchange_ms < $4)
ORDER BY stream_seq
"""


async def load_price(
    conn: asyncpg.Connection,
    ns: str,
    symbol: str,
    *,
    start_ms: int | None = None,
    end_ms: int | None = None,
) -> list[tuple[int, float]]:
    """The recorded last price of ``symbol`` (float: it is drawn, not accounted)."""
    price = []
    for ts, payload in await conn.fetch(_TICKERS, ns, symbol, start_ms, end_ms):
        ticker = proto.decode(payload)
        if isinstance(ticker, proto.Ticker):
            price.append((ts, float(ticker.last_price)))
    return price


_POSITIONS_BEFORE = """
SELECT payload FROM events
WHERE ns = $1 AND account_id = $2 AND kind = 'position' AND symbol = $3
  AND stream_seq <= $4
ORDER BY stream_seq
"""


async def load_position_baseline(
    conn: asyncpg.Connection, ns: str, account: str, symbol: str, *, upto_seq: int, at_ms: int
) -> list[PositionPoint]:
    """Each leg's last state recorded up to ``upto_seq`` (stream order: a snapshot at
    start-up may carry another clock's time), as of ``at_ms``: where a seeded window's
    legs start, on both sides, so a leg the window never moves still has a state."""
    last: dict[str, PositionPoint] = {}
    rows = await conn.fetch(_POSITIONS_BEFORE, ns, account, symbol, upto_seq)
    for (payload,) in rows:
        position = proto.decode(payload)
        if isinstance(position, proto.Position):
            point = position_point(position)
            last[point.direction] = msgspec.structs.replace(point, ts_ms=at_ms)
    return [last[leg] for leg in sorted(last)]


def starting_from(side: Side, baseline: Sequence[PositionPoint]) -> Side:
    """``side`` with its legs starting from ``baseline`` (``load_position_baseline``)."""
    return msgspec.structs.replace(side, positions=(*baseline, *(side.positions or ())))
