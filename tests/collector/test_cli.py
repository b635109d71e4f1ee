"""``gridtwin collector``: what it collects, its Bybit configs, and a killed process."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import asyncpg
import pytest

import proto
from bus import Bus, BusConfig
from infra import Settings
from services.collector.cli import Plan, collector_accounts, plan
from services.exchange_sim import ExchangeSim
from tenants import (
    AccountSpec,
    ApiCredentials,
    MasterKey,
    StrategySpec,
    create_account,
    create_strategy,
    create_user,
)
from tests.collector.helpers import (
    ACCOUNT_A,
    KEY_A,
    SECRET_A,
    SYMBOL,
    Stored,
    of_type,
    resting_buy,
    sim_exec_ids,
    sim_trade_ids,
    stored_exec_ids,
    stored_trade_ids,
    trader,
    wait_stored,
)
from tests.fixtures.processes import service_env, service_process

SETTINGS = Settings(sim_url="http://127.0.0.1:8123")


def _strategy(sid: str, account: str, symbol: str, **kw: object) -> StrategySpec:
    return StrategySpec(strategy_id=sid, account_id=account, symbol=symbol, **kw)  # type: ignore[arg-type]


def test_plan_follows_enabled_strategies_unless_told_otherwise() -> None:
    strategies = [
        _strategy("s1", "a1", "BTCUSDT"),
        _strategy("s2", "a1", "ETHUSDT"),
        _strategy("s3", "a2", "BTCUSDT"),
        _strategy("s4", "a3", "SOLUSDT", enabled=False),
    ]
    assert plan(strategies, [], []) == Plan(
        symbols=["BTCUSDT", "ETHUSDT"],
        accounts={"a1": ["BTCUSDT", "ETHUSDT"], "a2": ["BTCUSDT"]},
    )
    assert plan(strategies, ["XRPUSDT"], ["a2", "a9"]) == Plan(
        symbols=["XRPUSDT"], accounts={"a2": ["BTCUSDT"], "a9": []}
    )


def test_accounts_without_stored_credentials_are_an_error() -> None:
    creds = {
        "a1": ApiCredentials(
            account_id="a1", api_key="K1", api_secret=_secret("s-1"), environment="mainnet"
        )
    }
    chosen = Plan(symbols=["BTCUSDT"], accounts={"a1": ["BTCUSDT"], "a2": []})
    with pytest.raises(ValueError, match="no credentials stored for account\\(s\\): a2"):
        collector_accounts(SETTINGS, chosen, creds)
    (account,) = collector_accounts(SETTINGS, Plan(["BTCUSDT"], {"a1": ["BTCUSDT"]}), creds)
    assert account.bybit.account_id == "a1" and account.symbols == ["BTCUSDT"]


def _secret(value: str) -> object:
    from bybit import Secret

    return Secret(value)


# -- the process -------------------------------------------------------------------------


async def _seed(pool: asyncpg.Pool, master: MasterKey) -> None:
    async with pool.acquire() as conn:
        user = await create_user(conn, "alice")
        spec = AccountSpec(account_id=ACCOUNT_A, user="alice", api_key=KEY_A, environment="sim")
        await create_account(conn, spec, SECRET_A, master)
        await create_strategy(conn, user, _strategy("s-btc", ACCOUNT_A, SYMBOL))


def _restart_closed(items: list[Stored]) -> bool:
    ends = {g.stream for g in of_type(items, proto.GapEnd)}
    return {"public", f"private:{ACCOUNT_A}"} <= ends


def _everything(items: list[Stored], sim: ExchangeSim) -> bool:
    return set(stored_trade_ids(items)) == set(sim_trade_ids(sim)) and set(
        stored_exec_ids(items)
    ) == set(sim_exec_ids(sim))


async def test_sigkilled_process_restarts_without_losing_or_doubling_events(
    exchange_sim: ExchangeSim,
    bus: Bus,
    bus_config: BusConfig,
    pool: asyncpg.Pool,
    database_url: str,
    nats_url: str,
    tmp_path: Path,
) -> None:
    sim = exchange_sim
    master = MasterKey.generate()
    await _seed(pool, master)
    await bus.ensure_stream()
    env = service_env(
        GRIDTWIN_NATS_URL=nats_url,
        GRIDTWIN_DATABASE_URL=database_url,
        GRIDTWIN_BUS_PREFIX=bus_config.prefix,
        GRIDTWIN_MASTER_KEY=master.to_text(),
        GRIDTWIN_SIM_URL=f"http://127.0.0.1:{sim.port}",
    )
    log = tmp_path / "collector.log"
    async with trader(sim) as trade:
        async with service_process("collector", [], env, log) as proc:
            # Started: the account's start-up back-fill (wallet snapshot) is stored.
            await wait_stored(bus, lambda i: bool(of_type(i, proto.Wallet)), "start-up")
            async with asyncio.timeout(30):
                await sim.wait_for_subscribers(f"publicTrade.{SYMBOL}")
            await trade.place_order(resting_buy("59000", "kill-1"))
            sim.trade(SYMBOL, "58990", "0.01", side="Sell")  # a live fill
            await wait_stored(bus, lambda i: _everything(i, sim), "the live fill")
            proc.send_signal(signal.SIGKILL)
            assert await proc.wait() == -signal.SIGKILL
        await trade.place_order(resting_buy("58000", "kill-2"))
        sim.trade(SYMBOL, "57990", "0.01", side="Sell")  # filled while nobody listens
        sim.trade(SYMBOL, "58100", "0.02", side="Buy")
        async with service_process("collector", [], env, log) as proc:
            await wait_stored(bus, _restart_closed, "the restart gaps")
            sim.trade(SYMBOL, "58200", "0.01", side="Buy")
            items = await wait_stored(bus, lambda i: _everything(i, sim), "everything")
            proc.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(proc.wait(), 30) == 0  # graceful stop
    assert sorted(stored_trade_ids(items)) == sorted(sim_trade_ids(sim))
    assert sorted(stored_exec_ids(items)) == sorted(sim_exec_ids(sim))
    assert len(sim_exec_ids(sim)) == 2
    ids = [s.msg_id for s in items]
    assert len(ids) == len(set(ids))
    text = log.read_text()
    assert "collector_ready" in text and SECRET_A not in text
