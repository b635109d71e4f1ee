"""Replaying a live run: the state a replay window starts from (V-16..V-19)."""

from replay.seed import (
    AccountSeed,
    LegSeed,
    OrderSeed,
    Seed,
    SeedMissing,
    StrategySeed,
    load_seed,
)

__all__ = [
    "AccountSeed",
    "LegSeed",
    "OrderSeed",
    "Seed",
    "SeedMissing",
    "StrategySeed",
    "load_seed",
]
