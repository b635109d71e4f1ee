"""Executor: intents → Bybit REST, one leased worker per account, results on the bus."""

from services.executor.breaker import BreakerState, CircuitBreaker
from services.executor.clock import Clock, ShiftedClock, SystemClock
from services.executor.config import ExecutorAccount, ExecutorConfig
from services.executor.service import Executor
from services.executor.stats import ExecutorStats
from services.executor.worker import AccountWorker

__all__ = [
    "AccountWorker",
    "BreakerState",
    "CircuitBreaker",
    "Clock",
    "Executor",
    "ExecutorAccount",
    "ExecutorConfig",
    "ExecutorStats",
    "ShiftedClock",
    "SystemClock",
]
