"""Acceptance: each service is SIGKILLed mid-run and restarted (separate OS processes).

No duplicate orders on the exchange, no lost events in the store, and the grid resumes.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import asyncpg
import msgspec
import pytest

from bus import Bus, BusConfig
from gridcore import order_link_prefix
from services.demo.live import settle
from services.demo.scenario import Scenario, seed
from services.exchange_sim import ExchangeSim
from store import create_pool
from tenants import MasterKey
from tests.e2e import checks
from tests.e2e.scenario import scenario, sim_config
from tests.fixtures.processes import ServiceProcess, service_env

pytestmark = pytest.mark.slow

ORDER = ("recorder", "collector", "executor", "engine")
_CLOSED = {"Filled", "Cancelled", "Rejected", "PartiallyFilledCanceled", "Deactivated"}


class ProcessRun(msgspec.Struct, kw_only=True):
    pool: asyncpg.Pool
    ns: str
    scenario: Scenario
    sim: ExchangeSim


@pytest.fixture
async def big_pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url, max_size=8)
    yield pool
    await pool.close()


def _no_order_doubled(sim: ExchangeSim, api_key: str) -> int:
    """No two orders of one client order id were ever open at the same time."""
    lives: dict[str, list[tuple[int, int]]] = defaultdict(list)
    orders = sim.orders(api_key)
    for o in orders:
        prefix = order_link_prefix(o["orderLinkId"])
        if prefix is None:
            continue
        end = int(o["updatedTime"]) if o["orderStatus"] in _CLOSED else 2**62
        lives[prefix].append((int(o["createdTime"]), end))
    for prefix, spans in lives.items():
        spans.sort()
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert start >= end, f"order {prefix} was open twice at {start}"
    return len(orders)


async def test_sigkill_each_service_mid_run(
    nats_url: str, database_url: str, big_pool: asyncpg.Pool, real_trades: Path, tmp_path: Path
) -> None:
    plan = scenario()
    master = MasterKey.generate()
    prefix = f"kill{uuid.uuid4().hex[:8]}."
    async with big_pool.acquire() as conn:
        await seed(conn, plan, master)
    config = msgspec.structs.replace(sim_config(real_trades), speed=150.0)  # the hour in ~24 s
    async with (
        ExchangeSim(config) as sim,
        Bus(BusConfig(url=nats_url, name="t", prefix=prefix)) as bus,
    ):
        await bus.ensure_stream()
        env = service_env(
            GRIDTWIN_NATS_URL=nats_url,
            GRIDTWIN_DATABASE_URL=database_url,
            GRIDTWIN_MASTER_KEY=master.to_text(),
            GRIDTWIN_SIM_URL=sim.rest_url,
            GRIDTWIN_BUS_PREFIX=prefix,
            GRIDTWIN_HOME=str(tmp_path / "home"),
        )
        procs = {name: ServiceProcess(name, [], env, tmp_path) for name in ORDER}
        try:
            for proc in procs.values():
                await proc.start()
            async with asyncio.timeout(60):
                await sim.wait_for_subscribers("publicTrade.BTCUSDT")
                for account in plan.accounts:
                    await sim.wait_for_subscribers("execution", api_key=account.api_key)
            await asyncio.sleep(3)  # engine resync, executor leases
            await sim.start_feed()
            orders_before: dict[str, int] = {}
            for name in ORDER:
                await asyncio.sleep(3)
                assert procs[name].alive(), procs[name].log()[-3000:]
                if name == "engine":
                    orders_before = {a.api_key: len(sim.orders(a.api_key)) for a in plan.accounts}
                await procs[name].kill()
                await asyncio.sleep(1)
                await procs[name].start()
            async with asyncio.timeout(120):
                await sim.feed_done()
            await settle(bus, big_pool, quiet_s=2.0, timeout_s=120)
            prices: dict[str, Decimal] = {}
            for symbol in plan.symbols:
                price = Decimal(sim.exchange.markets[symbol].last_price)
                sim.trade(symbol, price, sim.config.instrument(symbol).min_qty)
                prices[symbol] = price
            await settle(bus, big_pool, quiet_s=2.0, timeout_s=60)
            for name, proc in procs.items():
                assert proc.alive(), f"{name} died:\n{proc.log()[-3000:]}"
        finally:
            for proc in reversed(procs.values()):
                await proc.stop()
        run = ProcessRun(pool=big_pool, ns="live", scenario=plan, sim=sim)
        counts = await checks.executions_stored_once(run)
        await checks.positions_and_wallets_equal(run)
        await checks.open_orders_follow_the_grid(run, prices)
        for account in plan.accounts:
            total = _no_order_doubled(sim, account.api_key)
            assert total > orders_before[account.api_key], (
                f"{account.account_id}: no orders after the engine restart"
            )
    assert sum(counts.values()) > 0
    secret_texts = [a.api_secret for a in plan.accounts]
    for proc in procs.values():
        text = proc.log()
        assert all(s not in text for s in secret_texts), f"{proc.name} logged a secret"
