"""Replaying a live run: the state a replay window starts from (V-16..V-19)."""

from replay.latency import RecordedLatency, load_recorded_latency
from replay.seed import (
    AccountSeed,
    LegSeed,
    OrderSeed,
    Seed,
    SeedMissing,
    SeedPoint,
    StrategySeed,
    load_seed,
    seed_point,
    trading_start,
)

__all__ = [
    "AccountSeed",
    "LegSeed",
    "OrderSeed",
    "RecordedLatency",
    "Seed",
    "SeedMissing",
    "SeedPoint",
    "StrategySeed",
    "load_recorded_latency",
    "load_seed",
    "seed_point",
    "trading_start",
]
