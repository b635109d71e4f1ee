"""The engine service: a bus adapter that runs one :class:`runner.StrategyRunner` per
strategy (account × symbol), fed by market and account events, publishing sized intents."""

from services.engine.config import EngineConfig
from services.engine.service import Engine, EngineStats

__all__ = ["Engine", "EngineConfig", "EngineStats"]
