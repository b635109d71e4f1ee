"""The engine service: one gridcore.GridEngine per strategy (account × symbol), fed by
market and account events from the bus, publishing sized intents."""

from services.engine.book import RestingBook
from services.engine.config import EngineConfig, Instrument
from services.engine.pending import PendingIntents
from services.engine.service import Engine, EngineStats
from services.engine.sizing import Sizer
from services.engine.strategy import StrategyRunner

__all__ = [
    "Engine",
    "EngineConfig",
    "EngineStats",
    "Instrument",
    "PendingIntents",
    "RestingBook",
    "Sizer",
    "StrategyRunner",
]
