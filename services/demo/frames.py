"""The demo's market stream: real trades (or the simulator's seeded walk) as trade frames.

Trades sharing a millisecond go into one frame (at most 1024, as Bybit does), so the
stream has the shape of a real ``publicTrade`` feed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import proto
from services.exchange_sim.config import DEFAULT_INSTRUMENTS, RandomWalkFeed
from services.exchange_sim.feed import random_walk, read_trade_file
from venue.models import Trade

REAL_HOUR = "binance_um/BTCUSDT_trades_2020-12-09_0000-0100.csv.gz"
MAX_TRADES_PER_FRAME = 1024


def trades(path: Path | None, *, seed: int = 20201209, n: int = 100_000) -> Iterator[Trade]:
    """Trades from ``path``, or ``n`` trades of a seeded BTCUSDT random walk."""
    if path is not None:
        return read_trade_file(path, "BTCUSDT")
    btc = next(i for i in DEFAULT_INSTRUMENTS if i.symbol == "BTCUSDT")
    return random_walk(RandomWalkFeed(symbol="BTCUSDT", n_trades=n), btc, seed)


def frames(source: Iterable[Trade]) -> list[proto.TradeFrame]:
    out: list[proto.TradeFrame] = []
    group: list[Trade] = []
    for trade in source:
        if group and (trade.ts_ms != group[0].ts_ms or len(group) == MAX_TRADES_PER_FRAME):
            out.append(_frame(group))
            group = []
        group.append(trade)
    if group:
        out.append(_frame(group))
    return out


def _frame(group: list[Trade]) -> proto.TradeFrame:
    first, last = group[0], group[-1]
    return proto.TradeFrame(
        event_id=f"trade:{first.symbol}:{first.trade_id}:{last.trade_id}",
        ts_exchange_ms=first.ts_ms,
        ts_local_ns=time.time_ns(),
        symbol=first.symbol,
        trades=[wire_trade(t) for t in group],
    )


def wire_trade(t: Trade) -> proto.Trade:
    """A feed trade as the wire contract carries it."""
    return proto.Trade(
        trade_id=t.trade_id,
        price=t.price,
        qty=t.size,
        side=proto.Side(t.side),
        ts_exchange_ms=t.ts_ms,
    )
