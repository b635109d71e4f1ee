"""Seeded replay figures: the real hour traded live on the exchange simulator (the
demo's two accounts), recorded, then replayed through the engine and the simbroker over
the bus in lockstep; its market events per second beside the in-process backtest's
tickers per second on the same hour, measured in the same run."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

import asyncpg

from bus import Bus, BusConfig
from infra import Infrastructure, Settings
from marketdata import read_trades
from services.bench.backtest import _loop_rate
from services.bench.report import Figure
from services.demo.live import LiveStack
from services.demo.live_demo import demo_scenario, sim_config
from services.demo.scenario import seed
from services.exchange_sim import ExchangeSim
from services.seeded_replay.session import SeededReplay, run_seeded_replay
from store import create_pool
from tenants import MasterKey

__all__ = ["run"]


async def run(settings: Settings, real: Path | None) -> list[Figure]:
    if real is None:
        return [Figure("seeded replay", 0, "", note="skipped: the real hour is not available")]
    home = Path(tempfile.mkdtemp(prefix="bench-replay-"))
    try:
        async with Infrastructure(settings, home=home) as infra:
            pool = await create_pool(infra.database_url, max_size=8)
            try:
                await _record(infra.nats_url, pool, real)
                async with Bus(BusConfig(url=infra.nats_url, name="bench-replay")) as bus:
                    job = SeededReplay(source_ns="live", run_id="bench", latency="recorded")
                    result = await run_seeded_replay(bus, pool, job, show_progress=False)
            finally:
                await pool.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    tape = await asyncio.to_thread(read_trades, [real], "BTCUSDT")
    backtest_rate, _, _ = await asyncio.to_thread(_loop_rate, tape, "ms")
    rate = result.md_events / result.seconds
    return [
        Figure(
            "engine + simbroker over the bus, lockstep", rate, "events/s",
            ratio=rate / backtest_rate,
            target=f">= 0.3 of the backtest; {result.md_events:,} market events,"
            f" {result.batches} batches in {result.seconds:.1f} s",
        ),
        Figure("  in-process backtest, same hour (ms ticks)", backtest_rate, "ticks/s",
               note="baseline"),
    ]  # fmt: skip


async def _record(nats_url: str, pool: asyncpg.Pool, real: Path) -> None:
    """The demo's live run of the real hour, recorded into the event store."""
    scenario = demo_scenario()
    master = MasterKey.generate()
    async with pool.acquire() as conn:
        await seed(conn, scenario, master)
    async with ExchangeSim(sim_config(real)) as sim:
        stack = LiveStack(nats_url=nats_url, pool=pool, sim=sim, scenario=scenario,
                          master=master, prefix="")  # fmt: skip
        try:
            await stack.start()
            await sim.start_feed()
            await sim.feed_done()
            await stack.settle(quiet_s=2.0)
        finally:
            await stack.stop()
