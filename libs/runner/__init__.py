"""The strategy runner: gridcore plus the resting-order book, sizing with the §9
multipliers, the in-flight filter and grid-state restore. The engine service, the
backtest and the replay all run strategies through it."""

from runner.book import RestingBook
from runner.instrument import Instrument
from runner.pending import PendingIntents, PendingState
from runner.profile import LIVE, REFERENCE, RunnerProfile
from runner.sizing import Sizer
from runner.strategy import GridChange, StrategyRunner

__all__ = [
    "LIVE",
    "REFERENCE",
    "GridChange",
    "Instrument",
    "PendingIntents",
    "PendingState",
    "RestingBook",
    "RunnerProfile",
    "Sizer",
    "StrategyRunner",
]
