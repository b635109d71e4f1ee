"""Running one backtest over a trade tape and collecting what it produced."""

from __future__ import annotations

import bisect
import time
from decimal import Decimal
from typing import Any

import msgspec

from backtest.config import BacktestConfig
from backtest.equity import EquityTracker
from backtest.metrics import summarize
from backtest.records import FillRecord, FundingRecord
from backtest.run import BacktestRun, Progress
from marketdata import TradeTape, build_ticks

__all__ = ["BacktestResult", "InputFile", "execute", "window"]


class InputFile(msgspec.Struct, frozen=True, kw_only=True):
    path: str
    sha256: str
    trades: int


class BacktestResult(msgspec.Struct, kw_only=True):
    config: BacktestConfig
    fills: list[FillRecord]
    funding: list[FundingRecord]
    equity: EquityTracker
    summary: dict[str, Any]
    ticks: int
    full_ticks: int
    seconds: float
    inputs: list[InputFile]


def window(tape: TradeTape, start_ms: int | None, end_ms: int | None) -> TradeTape:
    """The trades with ``start <= time <= end`` (B-IN-2: both bounds inclusive)."""
    if start_ms is None and end_ms is None:
        return tape
    lo = 0 if start_ms is None else bisect.bisect_left(tape.ts_ms, start_ms)
    hi = len(tape.ts_ms) if end_ms is None else bisect.bisect_right(tape.ts_ms, end_ms)
    return TradeTape(
        symbol=tape.symbol,
        ts_ms=tape.ts_ms[lo:hi],
        price=tape.price[lo:hi],
        size=tape.size[lo:hi],
        side=tape.side[lo:hi],
        trade_id=tape.trade_id[lo:hi],
        sources=tape.sources,
    )


def _legs(run: BacktestRun) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for idx, name in ((1, "long"), (2, "short")):
        position = run.account.positions.get((run.symbol, idx))
        size = abs(position.size) if position is not None else Decimal(0)
        avg = position.avg_price if position is not None and size else Decimal(0)
        out[name] = {"size": format(size, "f"), "avg_price": format(avg, "f")}
    return out


def execute(
    config: BacktestConfig,
    tape: TradeTape,
    *,
    inputs: list[InputFile],
    progress: Progress | None = None,
) -> BacktestResult:
    tape = window(tape, config.start_ms, config.end_ms)
    ticks = build_ticks(tape, config.ticks)
    started = time.perf_counter()
    run = BacktestRun(config, ticks, tape)
    run.run(progress)
    seconds = time.perf_counter() - started
    extra: dict[str, Any] = {
        "profile": config.profile_name,
        "fill_model": config.fill_model,
        "tick_mode": config.ticks,
        "ticks": len(ticks),
        "first_tick_ms": ticks.ts_ms[0] if len(ticks) else None,
        "last_tick_ms": ticks.ts_ms[-1] if len(ticks) else None,
        "rejected": dict(sorted(run.broker.rejected.items())),
    }
    summary = summarize(
        run.fills,
        run.funding,
        run.equity,
        initial=config.balance,
        end_positions=_legs(run),
        liquidations=[ts for _, ts, _, _ in run.venue.liquidations],
        extra=extra,
    )
    return BacktestResult(
        config=config,
        fills=run.fills,
        funding=run.funding,
        equity=run.equity,
        summary=summary,
        ticks=len(ticks),
        full_ticks=run.full_ticks,
        seconds=seconds,
        inputs=inputs,
    )
