"""Tickers built from trades, the way the reference backtest's inputs were (B-IN-3/4).

* ``ms``: one ticker per distinct exchange millisecond, ``last = mark`` = the price of
  the millisecond's last trade (the file's order: the highest trade id in a Binance
  file), ``bid1 = last − 0.1``, ``ask1 = last + 0.1``;
* ``trade``: one ticker per trade, ``last = mark = bid1 = ask1`` = its price; trades of
  one millisecond are consecutive tickers with equal timestamps.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import msgspec

from marketdata.trades import TradeTape

__all__ = ["TickMode", "TickTape", "build_ticks"]

TickMode = Literal["ms", "trade"]
_SPREAD = Decimal("0.1")


class TickTape(msgspec.Struct, kw_only=True):
    """Tickers as parallel columns; ``trade_end[i]`` is one past the last trade of
    ticker ``i`` in the source tape (what a trade-level venue is fed up to it)."""

    symbol: str
    mode: TickMode
    ts_ms: list[int]
    last: list[Decimal]
    last_f: list[float]
    trade_end: list[int]

    def __len__(self) -> int:
        return len(self.ts_ms)

    def bid_ask(self, i: int) -> tuple[Decimal, Decimal]:
        last = self.last[i]
        if self.mode == "ms":
            return last - _SPREAD, last + _SPREAD
        return last, last


def build_ticks(tape: TradeTape, mode: TickMode) -> TickTape:
    if mode == "trade":
        prices = tape.price
        return TickTape(
            symbol=tape.symbol,
            mode=mode,
            ts_ms=list(tape.ts_ms),
            last=list(prices),
            last_f=[float(p) for p in prices],
            trade_end=list(range(1, len(prices) + 1)),
        )
    ts_out: list[int] = []
    last_out: list[Decimal] = []
    end_out: list[int] = []
    ts_col, px_col = tape.ts_ms, tape.price
    n = len(ts_col)
    for i in range(n):
        if i + 1 < n and ts_col[i + 1] == ts_col[i]:
            continue
        ts_out.append(ts_col[i])
        last_out.append(px_col[i])
        end_out.append(i + 1)
    return TickTape(
        symbol=tape.symbol,
        mode=mode,
        ts_ms=ts_out,
        last=last_out,
        last_f=[float(p) for p in last_out],
        trade_end=end_out,
    )
