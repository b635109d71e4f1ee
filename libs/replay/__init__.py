"""Replaying a live run: the state a replay window starts from (V-16..V-19), and when
live's intents and answers took effect (recorded latency)."""

from replay.delivery import RecordedDelivery, TwinKeys, load_recorded_delivery, twin_key
from replay.executions import load_recorded_executions
from replay.inflight import InFlight, load_in_flight
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
    "InFlight",
    "LegSeed",
    "OrderSeed",
    "RecordedDelivery",
    "RecordedLatency",
    "Seed",
    "SeedMissing",
    "SeedPoint",
    "StrategySeed",
    "TwinKeys",
    "load_in_flight",
    "load_recorded_delivery",
    "load_recorded_executions",
    "load_recorded_latency",
    "load_seed",
    "seed_point",
    "trading_start",
    "twin_key",
]
