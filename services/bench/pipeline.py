"""Tick → intent → order-accepted latency through the live services over the bus.

A manual-feed simulator price alternates between two levels far apart, so every tick
rebuilds the grid and gridcore emits fresh cancels and places. Each tick is timed from
the collector's receipt of the ticker (its ``ts_local_ns``) to the engine's intent batch
and to the executor's result for the first accepted place of that batch, as seen by a
subscriber on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from decimal import Decimal

import asyncpg

import proto
from bus import Bus, BusConfig
from services.bench.report import Figure
from services.demo.live import LiveStack
from services.demo.scenario import AccountSeed, Scenario, UserSeed, seed
from services.exchange_sim import ExchangeSim, SimConfig
from services.exchange_sim.config import AccountConfig, ManualFeed, RateLimitConfig
from tenants import MasterKey, StrategySpec

_KEY, _SECRET = "BENCHPIPE", "bench-pipeline-secret"


def _scenario() -> Scenario:
    strategy = StrategySpec(
        strategy_id="bench-btc",
        account_id="bench",
        symbol="BTCUSDT",
        grid_count=4,
        grid_step=0.5,
        amount="100",
    )
    account = AccountSeed(
        account_id="bench", api_key=_KEY, api_secret=_SECRET, strategies=[strategy]
    )
    return Scenario(users=[UserSeed(name="bench", accounts=[account])])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(nats_url: str, pool: asyncpg.Pool, ticks: int = 200) -> list[Figure]:
    scenario = _scenario()
    master = MasterKey.generate()
    async with pool.acquire() as conn:
        await seed(conn, scenario, master)
    config = SimConfig(
        speed="max",
        accounts=(AccountConfig(api_key=_KEY, api_secret=_SECRET, usdt=Decimal(10**7)),),
        feeds=(ManualFeed(symbol="BTCUSDT", start_price=Decimal("60000")),),
        # Bybit allows 10 order creates per second per key; timed back to back, the ticks
        # would measure that limit instead of the pipeline.
        rate_limit=RateLimitConfig(enabled=False),
    )
    missed = 0
    tick_seen: dict[str, int] = {}
    trigger_of: dict[str, str] = {}  # batch id → the ticker that caused it
    first_batch: dict[str, int] = {}  # trigger (ticker) id → first batch it caused
    accepted: dict[str, int] = {}
    got = asyncio.Event()

    async def on_msg(_subject: str, message: proto.Message) -> None:
        now = time.time_ns()
        if isinstance(message, proto.Ticker):
            tick_seen[message.event_id] = message.ts_local_ns
        elif isinstance(message, proto.IntentBatch):
            trigger_of[message.event_id] = message.trigger_event_id
            first_batch.setdefault(message.trigger_event_id, now)
        elif isinstance(message, proto.ExecResult) and message.action == "place":
            trigger = trigger_of.get(message.intent_batch_id, "")
            if trigger and trigger not in accepted:
                accepted[trigger] = now
                got.set()

    async with (
        ExchangeSim(config) as sim,
        Bus(BusConfig(url=nats_url, name="bench-probe")) as probe,
    ):
        stack = LiveStack(nats_url=nats_url, pool=pool, sim=sim, scenario=scenario, master=master)
        await stack.start("recorder", "collector", "executor", "engine")
        await probe.subscribe("live.>", on_msg)
        try:
            await _warm_up(sim, got)
            accepted.clear()
            for i in range(ticks):
                got.clear()
                before = len(accepted)
                sim.trade("BTCUSDT", "66000" if i % 2 == 0 else "60000", "0.001")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(got.wait(), 5)
                if len(accepted) == before:
                    missed += 1
        finally:
            await stack.stop()
    to_intent, to_accepted = [], []
    for trigger, done_ns in accepted.items():
        seen = tick_seen.get(trigger)
        batch = first_batch.get(trigger)
        if seen is None or batch is None:
            continue
        to_intent.append((batch - seen) / 1e6)
        to_accepted.append((done_ns - seen) / 1e6)
    if not to_accepted:
        return [Figure("tick → order accepted", 0.0, "ms", note="no tick produced an order")]
    hop = await _raw_hop_ms(nats_url)
    note = f"{len(to_accepted)} of {ticks} ticks (each rebuilds the grid); {missed} timed out"
    p50_intent, p50_accepted = statistics.median(to_intent), statistics.median(to_accepted)
    return [
        Figure("baseline: raw nats-py publish → delivery p50", hop, "ms", note="same server"),
        Figure("tick → intent p50", p50_intent, "ms", ratio=p50_intent / hop, note=note),
        Figure("tick → intent p99", _percentile(to_intent, 0.99), "ms"),
        Figure(
            "tick → order accepted p50",
            p50_accepted,
            "ms",
            ratio=p50_accepted / hop,
            note="cancels of the old grid run first (§6.6), then the first place",
        ),
        Figure("tick → order accepted p99", _percentile(to_accepted, 0.99), "ms"),
    ]


async def _raw_hop_ms(nats_url: str, n: int = 200) -> float:
    """One bus hop with nothing on top: nats-py publish to a subscriber, loopback."""
    import nats

    nc = await nats.connect(nats_url)
    try:
        received: asyncio.Queue[int] = asyncio.Queue()

        async def on_msg(msg: object) -> None:
            received.put_nowait(time.perf_counter_ns())

        await nc.subscribe("bench.hop", cb=on_msg)
        samples = []
        for _ in range(n):
            sent = time.perf_counter_ns()
            await nc.publish("bench.hop", b"x" * 200)
            samples.append((await asyncio.wait_for(received.get(), 5) - sent) / 1e6)
        return statistics.median(samples)
    finally:
        await nc.close()


async def _warm_up(sim: ExchangeSim, got: asyncio.Event) -> None:
    """First tick builds the grid and places the book; not timed."""
    sim.trade("BTCUSDT", "60000", "0.001")
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(got.wait(), 10)
    await asyncio.sleep(0.5)
