"""A local Bybit V5 exchange (REST + public/private WS) for tests and standalone runs."""

from services.exchange_sim.config import (
    AccountConfig,
    FaultConfig,
    FeeConfig,
    FileFeed,
    FundingConfig,
    FundingPoint,
    InstrumentConfig,
    ManualFeed,
    MatchingConfig,
    RandomWalkFeed,
    RateLimitConfig,
    SimConfig,
    load_config,
)
from services.exchange_sim.faults import Faults
from services.exchange_sim.server import ExchangeSim, SimState
from venue.errors import BybitError, RetCode

__all__ = [
    "AccountConfig",
    "BybitError",
    "ExchangeSim",
    "FaultConfig",
    "Faults",
    "FeeConfig",
    "FileFeed",
    "FundingConfig",
    "FundingPoint",
    "InstrumentConfig",
    "ManualFeed",
    "MatchingConfig",
    "RandomWalkFeed",
    "RateLimitConfig",
    "RetCode",
    "SimConfig",
    "SimState",
    "load_config",
]
