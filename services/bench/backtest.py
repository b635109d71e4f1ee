"""Backtest figures on the real hour (50 × 0.2 %, x0.001, strict_cross, reference
profile): the loop in ms and per-trade modes, the whole CLI run, and a 16-run sweep on
every core against the same sweep run serially. Each loop figure is printed beside
gridcore's own ticks/s over the same tickers, measured in the same run."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from backtest import BacktestConfig, BacktestRun
from backtest.sweep import parse_axes, plan_sweep, run_sweep
from gridcore.bench import steady_state_rate
from marketdata import TradeTape, build_ticks, read_trades
from proto.strategy import TickerEvent
from runner import Instrument
from services.bench.report import Figure
from tenants.models import StrategySpec

_BTC = Instrument(
    symbol="BTCUSDT", tick_size=Decimal("0.1"), qty_step=Decimal("0.001"), min_qty=Decimal("0.001")
)
_REPEATS = 3


def _config(ticks: str, **fields: object) -> BacktestConfig:
    spec = StrategySpec(
        strategy_id="bench", account_id="bench", symbol="BTCUSDT", grid_count=50, grid_step=0.2
    )
    return BacktestConfig(strategy=spec, instrument=_BTC, ticks=ticks, **fields)  # type: ignore[arg-type]


def _loop_rate(tape: TradeTape, ticks: str, *, skip: bool = True) -> tuple[float, int, int]:
    """Best of a few runs: (tickers/s, fills, tickers processed in full)."""
    tape_ticks = build_ticks(tape, ticks)  # type: ignore[arg-type]
    rates, fills, full = [], 0, 0
    for _ in range(_REPEATS if skip else 1):
        run = BacktestRun(_config(ticks, skip_quiet=skip), tape_ticks, tape)
        started = time.perf_counter()
        run.run()
        rates.append(len(tape_ticks) / (time.perf_counter() - started))
        fills, full = len(run.fills), run.full_ticks
    return max(rates), fills, full


def _gridcore_rate(tape: TradeTape, ticks: str) -> float:
    tape_ticks = build_ticks(tape, ticks)  # type: ignore[arg-type]
    events = [
        TickerEvent(symbol="BTCUSDT", exchange_ts=ts, local_ts=ts, last_price=last)
        for ts, last in zip(tape_ticks.ts_ms, tape_ticks.last, strict=True)
    ]
    return steady_state_rate(events)


def _cli_seconds(real: Path) -> float:
    """Wall time of the whole command (interpreter start, parsing, loop, outputs)."""
    times = []
    with tempfile.TemporaryDirectory(prefix="bench-bt-") as tmp:
        for _ in range(_REPEATS):
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "services.cli", "backtest", "--trades", str(real),
                 "--symbol", "BTCUSDT", "--grid-count", "50", "--grid-step", "0.2",
                 "--out", f"{tmp}/run", "--no-report"],
                check=True, capture_output=True, timeout=120,
            )  # fmt: skip
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def _sweep_seconds(tape: TradeTape, workers: int) -> float:
    """Best of a few sweeps (the machines are shared: the best run is the least
    disturbed one, for the serial baseline and the pool alike)."""
    axes = parse_axes(["grid_step=0.1,0.15,0.2,0.3", "grid_count=20,30,40,50"])
    runs = plan_sweep(_config("ms"), axes)
    times = []
    for _ in range(_REPEATS):
        with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
            started = time.perf_counter()
            run_sweep(runs, tape, [], Path(tmp), workers=workers, report=False)
            times.append(time.perf_counter() - started)
    return min(times)


def run(real: Path | None) -> list[Figure]:
    if real is None:
        return [Figure("backtest", 0, "", note="skipped: the real hour is not available")]
    started = time.perf_counter()
    tape = read_trades([real], "BTCUSDT")
    parse_s = time.perf_counter() - started
    core_ms = _gridcore_rate(tape, "ms")
    ms_rate, ms_fills, ms_full = _loop_rate(tape, "ms")
    slow_rate, _, _ = _loop_rate(tape, "ms", skip=False)
    core_trade = _gridcore_rate(tape, "trade")
    trade_rate, trade_fills, trade_full = _loop_rate(tape, "trade")
    cli_s = _cli_seconds(real)
    serial_s = _sweep_seconds(tape, 1)
    parallel_s = _sweep_seconds(tape, 2)
    return [
        Figure(
            "loop, ms tickers (36,076)", ms_rate, "ticks/s", ratio=ms_rate / core_ms,
            target=f">= 150,000; {ms_fills} fills, {ms_full} tickers in full; ratio to gridcore",
        ),
        Figure("  gridcore alone, same ms tickers", core_ms, "ticks/s", note="baseline"),
        Figure(
            "  loop with every ticker in full (no skip)", slow_rate, "ticks/s",
            ratio=slow_rate / core_ms, note="same fills and curve (tests/backtest)",
        ),
        Figure(
            "loop, per-trade tickers (100,311)", trade_rate, "trades/s",
            ratio=trade_rate / core_trade,
            target=f">= 200,000; {trade_fills} fills, {trade_full} tickers in full",
        ),
        Figure("  gridcore alone, same trade tickers", core_trade, "ticks/s", note="baseline"),
        Figure(
            "whole CLI run, ms ticks, no report", cli_s, "s",
            target=f"< 1.5 s (parsing alone: {parse_s:.2f} s in this process)",
        ),
        Figure(
            "16-run sweep on 2 workers", parallel_s, "s", ratio=serial_s / parallel_s,
            target=f">= 1.8x faster than serial ({serial_s:.2f} s); best of {_REPEATS} each",
        ),
    ]  # fmt: skip
