"""Acceptance: the live pipeline end to end on real NATS, PostgreSQL and exchange-sim.

Two users, three accounts, BTCUSDT (the real hour) and ETHUSDT grids, fed at maximum
speed through collector → engine → executor → simulator, recorded by the recorder.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import asyncpg
import pytest

import tenants
from services.demo.live import LiveStack
from services.demo.scenario import Scenario, seed
from services.exchange_sim import ExchangeSim
from store import create_pool
from tenants import MasterKey, StrategySpec
from tests.e2e import checks
from tests.e2e.scenario import KEYS, scenario, sim_config

pytestmark = pytest.mark.slow


@pytest.fixture
async def big_pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url, max_size=12)
    yield pool
    await pool.close()


async def _finish(stack: LiveStack) -> dict[str, Decimal]:
    """After the feed: one more trade at the last price per symbol (a fill's replacement
    orders are placed on the next tick), then wait for everything to be stored."""
    prices: dict[str, Decimal] = {}
    await stack.settle(quiet_s=1.5)
    for symbol in stack.scenario.symbols:
        price = Decimal(stack.sim.exchange.markets[symbol].last_price)
        stack.sim.trade(symbol, price, stack.sim.config.instrument(symbol).min_qty)
        prices[symbol] = price
    await stack.settle(quiet_s=1.5)
    return prices


BROKEN = "b1-btc-broken"


async def _add_broken_strategy(conn: asyncpg.Connection, plan: Scenario) -> None:
    """A strategy row whose stored config went bad (grid_step 0), as if edited by hand."""
    valid = StrategySpec(strategy_id=BROKEN, account_id="bob-1", symbol="BTCUSDT")
    await tenants.create_strategy(conn, await tenants.user_id_by_name(conn, "bob"), valid)
    await conn.execute(
        "UPDATE strategies SET config = jsonb_set(config, '{grid_step}', '0')"
        " WHERE strategy_id = $1",
        BROKEN,
    )


async def test_two_users_three_accounts_trade_the_real_hour(
    nats_url: str, big_pool: asyncpg.Pool, real_trades: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    plan = scenario()
    master = MasterKey.generate()
    async with big_pool.acquire() as conn:
        await seed(conn, plan, master)
        await _add_broken_strategy(conn, plan)
    async with ExchangeSim(sim_config(real_trades)) as sim:
        stack = LiveStack(
            nats_url=nats_url,
            pool=big_pool,
            sim=sim,
            scenario=plan,
            master=master,
            prefix=f"e2e{uuid.uuid4().hex[:8]}.",
        )
        try:
            await stack.start()
            await sim.start_feed()
            fed = await sim.feed_done()
            assert fed > 100_000
            prices = await _finish(stack)
            counts = await checks.executions_stored_once(stack)
            await checks.positions_and_wallets_equal(stack)
            resting = await checks.open_orders_follow_the_grid(stack, prices)
            broken_orders = [
                o for o in sim.open_orders(KEYS["bob-1"][0], "BTCUSDT") if o["orderLinkId"]
            ]
        finally:
            await stack.stop()
    assert all(n > 0 for n in counts.values()), f"every account should trade: {counts}"
    assert resting > 0
    # The invalid strategy: refused with its field named, while the others traded.
    assert len(stack.strategy_errors) == 1
    assert BROKEN in stack.strategy_errors[0] and "grid_step" in stack.strategy_errors[0]
    assert broken_orders == [], "the invalid strategy must not trade"
    # Secrets: not in any log line, any message on the bus (all of it is in the capture
    # stream and so in the event store), or anywhere in the database.
    logs = capfd.readouterr()
    secrets = [secret for _, secret in KEYS.values()]
    await checks.secrets_nowhere(big_pool, secrets, logs.out + logs.err)
