"""The backtest: tickers from files or the event store through the strategy runner and
the venue kernel, in process, with the reference backtest's behaviour by default."""

from backtest.config import PROFILES, BacktestConfig, Behaviour
from backtest.metrics import summarize
from backtest.records import EquityCurve, FillRecord, FundingRecord
from backtest.run import BacktestRun

__all__ = [
    "PROFILES",
    "BacktestConfig",
    "BacktestRun",
    "Behaviour",
    "EquityCurve",
    "FillRecord",
    "FundingRecord",
    "summarize",
]
