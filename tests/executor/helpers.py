"""Shared pieces of the executor tests: configs for the simulator, a running executor,
intent builders and an inbox of what the executor published."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from typing import Any

import asyncpg
import msgspec

import gridcore
import proto
from bus import Bus, BusConfig
from bybit import BybitConfig, BybitHttpClient, BybitTradeHttpAPI, PlaceOrder
from proto import CancelIntent, IntentBatch, PlaceIntent, subjects
from services.exchange_sim import ExchangeSim
from services.executor import Clock, Executor, ExecutorAccount, ExecutorConfig
from tenants import (
    AccountSpec,
    MasterKey,
    StrategySpec,
    create_account,
    create_strategy,
    create_user,
)
from tests.fixtures.wait import until

NS = "live"
SYMBOL = "BTCUSDT"
ACCOUNT = "acct-a"
STRATEGY = "btc-grid"
KEY_A, SECRET_A = "TESTKEYA", "test-secret-a"
WAIT_S = 30.0  # generous: the machine is shared

_batch_seq = itertools.count(1)

__all__ = ["until"]  # re-exported: executor tests wait with the shared helper


def sim_bybit(sim: ExchangeSim, account: int = 0, **overrides: Any) -> BybitConfig:
    acct = sim.accounts[account]
    fields: dict[str, Any] = {
        "api_key": acct.api_key,
        "api_secret": acct.api_secret,
        "account_id": ACCOUNT,
        "rest_url": sim.rest_url,
        "ws_public_url": sim.ws_public_url,
        "ws_private_url": sim.ws_private_url,
        "request_timeout_s": 5.0,
        "time_sync": False,
    }
    fields.update(overrides)
    return BybitConfig(**fields)


def executor_account(
    sim: ExchangeSim, *, shadow: Sequence[str] = (), **bybit: Any
) -> ExecutorAccount:
    return ExecutorAccount(
        account_id=ACCOUNT, bybit=sim_bybit(sim, **bybit), shadow_strategies=frozenset(shadow)
    )


def fast_config(**overrides: Any) -> ExecutorConfig:
    """Short lease and retry timings so failures and failover take little time."""
    fields: dict[str, Any] = {
        "namespace": NS,
        "instance": f"test-{uuid.uuid4().hex[:6]}",
        "lease_ttl_s": 2.0,
        "lease_renew_s": 0.5,
        "max_retries": 2,
        "retry_backoff_s": (0.05, 0.1),
        "idle_poll_s": 0.1,
    }
    fields.update(overrides)
    return ExecutorConfig(**fields)


# --------------------------------------------------------------------------- intents


def place(
    price: str,
    *,
    side: str = "Buy",
    direction: str = "long",
    qty: str = "0.001",
    reduce_only: bool = False,
    symbol: str = SYMBOL,
    coid: str | None = None,
) -> PlaceIntent:
    cid = coid or gridcore.client_order_id(symbol, side, Decimal(price), direction, STRATEGY)
    return PlaceIntent(
        client_order_id=cid,
        symbol=symbol,
        side=proto.Side(side),
        direction=proto.Direction(direction),
        price=Decimal(price),
        qty=Decimal(qty),
        reduce_only=reduce_only,
        grid_level=0,
    )


def cancel(order_id: str, *, reason: str = "outside_grid", coid: str = "") -> CancelIntent:
    return CancelIntent(order_id=order_id, symbol=SYMBOL, reason=reason, client_order_id=coid)


def batch(
    *intents: PlaceIntent | CancelIntent,
    shadow: bool = False,
    strategy: str = STRATEGY,
    account: str = ACCOUNT,
    event_id: str | None = None,
    ts_local_ns: int | None = None,
) -> IntentBatch:
    n = next(_batch_seq)
    now = time.time_ns() if ts_local_ns is None else ts_local_ns
    return IntentBatch(
        event_id=event_id or f"intents:{uuid.uuid4().hex[:8]}:{n}",
        ts_exchange_ms=now // 1_000_000,
        ts_local_ns=now,
        strategy_id=strategy,
        account_id=account,
        symbol=SYMBOL,
        trigger_event_id=f"ticker:{n}",
        intents=list(intents),
        shadow=shadow,
    )


# --------------------------------------------------------------------------- observing


class Inbox:
    """Every message published on one subject pattern, in arrival order."""

    def __init__(self) -> None:
        self.messages: list[proto.Message] = []

    async def handler(self, subject: str, message: proto.Message) -> None:
        self.messages.append(message)

    def of(self, kind: type[Any]) -> list[Any]:
        return [m for m in self.messages if isinstance(m, kind)]

    def for_batch(self, batch_id: str) -> list[proto.ExecResult | proto.ExecReject]:
        return [
            m
            for m in self.messages
            if isinstance(m, proto.ExecResult | proto.ExecReject) and m.intent_batch_id == batch_id
        ]

    async def answers(self, b: IntentBatch, timeout: float = WAIT_S) -> list[Any]:
        """The results of every intent of ``b``, in publication order."""
        await until(lambda: len(self.for_batch(b.event_id)) >= len(b.intents), timeout)
        return self.for_batch(b.event_id)


@contextlib.asynccontextmanager
async def inbox(bus: Bus, pattern: str) -> AsyncIterator[Inbox]:
    box = Inbox()
    sub = await bus.subscribe(pattern, box.handler)
    await bus.flush()
    try:
        yield box
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()


def results_subject() -> str:
    return subjects.exec_result(NS, ACCOUNT)


def sys_subject(event: str) -> str:
    return subjects.sys(NS, "executor", event)


# --------------------------------------------------------------------------- running


@contextlib.asynccontextmanager
async def running(
    bus_config: BusConfig,
    accounts: Sequence[ExecutorAccount],
    config: ExecutorConfig,
    *,
    clock: Clock | None = None,
    wait_leading: bool = True,
    stop: asyncio.Event | None = None,
) -> AsyncIterator[Executor]:
    """An executor on its own NATS connection; stopped gracefully at the end (or earlier,
    when the caller sets ``stop``)."""
    bus = Bus(msgspec.structs.replace(bus_config, name=f"executor-{config.instance}"))
    await bus.connect()
    executor = Executor(bus, accounts, config, clock=clock)
    stop = stop or asyncio.Event()
    task = asyncio.create_task(executor.run(stop))
    try:
        if wait_leading:
            await until(lambda: {a.account_id for a in accounts} <= executor.leading or task.done())
            if task.done():
                task.result()
        yield executor
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, WAIT_S)
        finally:
            await bus.close()


class Crashable:
    """An executor task that a test can kill without any graceful clean-up."""

    def __init__(self, executor: Executor, task: asyncio.Task[None]) -> None:
        self.executor = executor
        self.task = task

    async def crash(self) -> None:
        """Drop the NATS connection abruptly, then cancel every task (no lease release)."""
        await self.executor.bus.close()
        self.task.cancel()
        await asyncio.wait({self.task})


@contextlib.asynccontextmanager
async def crashable(
    bus_config: BusConfig, accounts: Sequence[ExecutorAccount], config: ExecutorConfig
) -> AsyncIterator[Crashable]:
    bus = Bus(msgspec.structs.replace(bus_config, name=f"executor-{config.instance}"))
    await bus.connect()
    executor = Executor(bus, accounts, config)
    stop = asyncio.Event()
    handle = Crashable(executor, asyncio.create_task(executor.run(stop)))
    try:
        yield handle
    finally:
        stop.set()
        if not handle.task.done():
            await asyncio.wait({handle.task}, timeout=WAIT_S)
        await bus.close()


# --------------------------------------------------------------------------- tenancy


async def seed(pool: asyncpg.Pool, master: MasterKey, *, shadow: bool = False) -> None:
    """One user with one simulator account and one strategy on it."""
    async with pool.acquire() as conn:
        user = await create_user(conn, "alice")
        spec = AccountSpec(account_id=ACCOUNT, user="alice", api_key=KEY_A, environment="sim")
        await create_account(conn, spec, SECRET_A, master)
        strategy = StrategySpec(
            strategy_id=STRATEGY, account_id=ACCOUNT, symbol=SYMBOL, shadow=shadow
        )
        await create_strategy(conn, user, strategy)


# --------------------------------------------------------------------------- the exchange


class HoldingProxy:
    """A TCP proxy in front of the simulator that can hold its answers back.

    Requests pass at once, so the simulator accepts an order while its answer waits
    ``hold_s`` here: a real timeout *after* acceptance. (The simulator's own
    ``faults.set_delay`` sleeps before it reads the request, so a client that times out
    takes the request down with it: a timeout *before* acceptance.)
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.hold_s = 0.0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> HoldingProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in self._tasks:  # connections still holding an answer
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(
            self._pump(reader, up_writer, hold=False), self._pump(up_reader, writer, hold=True)
        )

    async def _pump(
        self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, *, hold: bool
    ) -> None:
        try:
            while chunk := await src.read(65536):
                if hold and self.hold_s:
                    await asyncio.sleep(self.hold_s)
                dst.write(chunk)
                await dst.drain()
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        finally:
            dst.close()


@contextlib.asynccontextmanager
async def sim_trade(sim: ExchangeSim) -> AsyncIterator[BybitTradeHttpAPI]:
    """Direct REST access to account A, behind the executor's back."""
    async with BybitHttpClient(sim_bybit(sim)) as http:
        yield BybitTradeHttpAPI(http)


def limit(
    price: str, link_id: str, *, side: str = "Buy", qty: str = "0.001", idx: int = 1
) -> PlaceOrder:
    return PlaceOrder(
        symbol=SYMBOL,
        side=side,
        orderType="Limit",
        qty=qty,
        price=price,
        timeInForce="GTC",
        positionIdx=idx,
        orderLinkId=link_id,
    )


def open_prices(sim: ExchangeSim) -> list[Decimal]:
    return sorted(Decimal(o["price"]) for o in sim.open_orders(KEY_A))


def open_links(sim: ExchangeSim) -> list[str]:
    return [o["orderLinkId"] for o in sim.open_orders(KEY_A)]
