"""Building and running backtests in tests."""

from __future__ import annotations

import pathlib
from decimal import Decimal
from typing import Any

from backtest import BacktestConfig, BacktestRun, summarize
from marketdata import build_ticks, read_trades
from marketdata.trades import TradeTape
from runner import Instrument
from tenants.models import RiskSettings, StrategySpec

BTC = Instrument(
    symbol="BTCUSDT", tick_size=Decimal("0.1"), qty_step=Decimal("0.001"), min_qty=Decimal("0.001")
)
REAL_HOUR = "binance_um/BTCUSDT_trades_2020-12-09_0000-0100.csv.gz"


def config(
    *,
    grid_count: int = 50,
    grid_step: float = 0.2,
    amount: str = "x0.001",
    instrument: Instrument = BTC,
    risk: dict[str, Any] | None = None,
    **fields: Any,
) -> BacktestConfig:
    spec = StrategySpec(
        strategy_id="bt",
        account_id="backtest",
        symbol=instrument.symbol,
        grid_count=grid_count,
        grid_step=grid_step,
        amount=amount,
        **({"risk": RiskSettings(**risk)} if risk else {}),
    )
    return BacktestConfig(strategy=spec, instrument=instrument, **fields)


def run(cfg: BacktestConfig, tape: TradeTape) -> tuple[BacktestRun, dict[str, Any]]:
    backtest = BacktestRun(cfg, build_ticks(tape, cfg.ticks), tape)
    backtest.run()
    summary = summarize(
        backtest.fills,
        backtest.funding,
        backtest.equity,
        initial=cfg.balance,
        end_positions={},
        liquidations=[ts for _, ts, _, _ in backtest.venue.liquidations],
    )
    return backtest, summary


def tape_of(path: pathlib.Path, symbol: str = "BTCUSDT") -> TradeTape:
    return read_trades([path], symbol)
