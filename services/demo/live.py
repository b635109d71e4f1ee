"""The whole live pipeline in one process: exchange-sim → collector → engine → executor
→ exchange-sim, with the recorder storing every event. ``make run`` and the end-to-end
tests drive it; each service is the same class its own ``gridtwin <service>`` runs."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import asyncpg
import msgspec
import structlog

import tenants
from bus import Bus, BusConfig
from bybit import BybitHttpClient
from infra import Settings
from services.collector import Collector, CollectorAccount, CollectorConfig
from services.demo.scenario import Scenario
from services.demo.summary import AccountSummary, stored_summaries
from services.engine import Engine, EngineConfig
from services.engine.cli import strategy_owners
from services.engine.instruments import fetch_instruments
from services.exchange_sim import ExchangeSim
from services.executor import Executor, ExecutorAccount, ExecutorConfig
from services.recorder import Recorder, RecorderConfig
from services.runtime import account_config, venue_config
from store import read_offset
from tenants import MasterKey

log = structlog.get_logger(__name__)

SERVICES = ("recorder", "collector", "executor", "engine")
#: The simulator at maximum speed outruns one process running every service; a deep
#: websocket queue absorbs the bursts (the simulator waits for slow readers beyond it).
WS_QUEUE = 200_000


class LiveStack:
    """Starts and stops the services of a :class:`Scenario` against one simulator.

    Each service gets its own NATS connection (as separate processes would) and can be
    stopped and started again on its own (``restart``), which is what a crash looks like
    to the others.
    """

    def __init__(
        self,
        *,
        nats_url: str,
        pool: asyncpg.Pool,
        sim: ExchangeSim,
        scenario: Scenario,
        master: MasterKey,
        prefix: str = "",
    ) -> None:
        self.nats_url = nats_url
        self.pool = pool
        self.sim = sim
        self.scenario = scenario
        self.master = master
        self.prefix = prefix
        self.settings = Settings(sim_url=sim.rest_url)
        self.ns = scenario.namespace
        self.services: dict[str, Any] = {}
        #: Strategies the engine refused to run at its last start (field-named errors).
        self.strategy_errors: list[str] = []
        self._tasks: dict[str, tuple[asyncio.Task[None], asyncio.Event, Bus]] = {}

    def bus_config(self, name: str) -> BusConfig:
        return BusConfig(url=self.nats_url, name=name, prefix=self.prefix)

    # -- lifecycle --------------------------------------------------------------------

    async def start(self, *names: str) -> None:
        for name in names or SERVICES:
            bus = Bus(self.bus_config(name))
            await bus.connect()
            if name == "recorder":
                await bus.ensure_stream()
            service = await self._build(name, bus)
            stop = asyncio.Event()
            task = asyncio.create_task(service.run(stop), name=name)
            self.services[name] = service
            self._tasks[name] = (task, stop, bus)
        if "engine" in self.services and (not names or "engine" in names):
            await asyncio.wait_for(self.services["engine"].ready.wait(), 30)

    async def stop(self, *names: str, crash: bool = False) -> None:
        """Stop services (all by default). ``crash`` cancels without a graceful drain."""
        for name in names or tuple(reversed(SERVICES)):
            entry = self._tasks.pop(name, None)
            if entry is None:
                continue
            task, stop, bus = entry
            if crash:
                task.cancel()
            else:
                stop.set()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, 30)
            await bus.close()

    async def restart(self, name: str, *, crash: bool = True) -> None:
        await self.stop(name, crash=crash)
        await self.start(name)

    def check(self) -> None:
        """Surface the error of any service that died."""
        for name, (task, _, _) in self._tasks.items():
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise RuntimeError(f"{name} failed") from task.exception()

    # -- wiring -----------------------------------------------------------------------

    async def _credentials(self) -> dict[str, tenants.ApiCredentials]:
        async with self.pool.acquire() as conn:
            return await tenants.load_credentials(conn, None, self.master)

    async def _build(self, name: str, bus: Bus) -> Any:
        if name == "recorder":
            return Recorder(bus, self.pool, RecorderConfig(report_every_s=30))
        if name == "collector":
            creds = await self._credentials()
            public = msgspec.structs.replace(
                venue_config(self.settings, "sim"), ws_queue_size=WS_QUEUE
            )
            return Collector(
                bus,
                CollectorConfig(namespace=self.ns, symbols=self.scenario.symbols),
                public,
                [
                    CollectorAccount(account_id=a, bybit=account_config(self.settings, c))
                    for a, c in sorted(creds.items())
                ],
            )
        if name == "executor":
            creds = await self._credentials()
            async with self.pool.acquire() as conn:
                loaded = await tenants.load_strategies(conn, self.ns)
            shadow: dict[str, set[str]] = {}
            for spec in loaded.strategies:
                if spec.shadow:
                    shadow.setdefault(spec.account_id, set()).add(spec.strategy_id)
            return Executor(
                bus,
                [
                    ExecutorAccount(
                        account_id=a,
                        bybit=account_config(self.settings, c),
                        shadow_strategies=frozenset(shadow.get(a, ())),
                    )
                    for a, c in sorted(creds.items())
                ],
                ExecutorConfig(namespace=self.ns),
            )
        if name == "engine":
            async with self.pool.acquire() as conn:
                loaded = await tenants.load_strategies(conn, self.ns)
                saved = await tenants.load_grid_states(conn, self.ns)
                owners = await strategy_owners(conn)
            self.strategy_errors = [str(error) for error in loaded.errors]
            for error in loaded.errors:
                log.error("strategy_invalid", error=str(error), field=error.field)
            async with BybitHttpClient(venue_config(self.settings, "sim")) as http:
                instruments = await fetch_instruments(http, {s.symbol for s in loaded.strategies})
            pool = self.pool

            async def save(strategy_id: str, document: dict[str, Any]) -> None:
                async with pool.acquire() as conn:
                    await tenants.save_grid_state(conn, owners[strategy_id], strategy_id, document)

            return Engine(
                bus,
                EngineConfig(namespace=self.ns),
                loaded.strategies,
                instruments,
                saved_grids=saved,
                save_grid=save,
            )
        raise ValueError(f"unknown service {name!r}")

    # -- observing --------------------------------------------------------------------

    async def settle(self, quiet_s: float = 1.5, timeout_s: float = 120.0) -> None:
        """See :func:`settle`; also surfaces the error of any service that died."""
        bus = self._tasks["recorder"][2]
        durable = self.services["recorder"].config.durable
        await settle(bus, self.pool, durable, quiet_s, timeout_s, check=self.check)

    async def summaries(self) -> list[AccountSummary]:
        owners = {
            a.account_id: self.scenario.owner_of(a.account_id) for a in self.scenario.accounts
        }
        async with self.pool.acquire() as conn:
            stored = await stored_summaries(conn, self.ns, owners)
        keys = {a.account_id: a.api_key for a in self.scenario.accounts}
        for account_id, summary in stored.items():
            key = keys[account_id]
            summary.exchange_fills = sum(
                1 for e in self.sim.executions(key) if e["execType"] == "Trade"
            )
            for symbol in self.scenario.symbols:
                summary.exchange_long += Decimal(self.sim.position(key, symbol, 1)["size"])
                summary.exchange_short += Decimal(self.sim.position(key, symbol, 2)["size"])
            wallet = self.sim.wallet(key)
            coin = next(c for c in wallet["coin"] if c["coin"] == "USDT")
            summary.exchange_wallet = Decimal(coin["walletBalance"])
        return [stored[a.account_id] for a in self.scenario.accounts]


async def settle(
    bus: Bus,
    pool: asyncpg.Pool,
    durable: str = "recorder",
    quiet_s: float = 1.5,
    timeout_s: float = 120.0,
    *,
    check: Callable[[], None] = lambda: None,
) -> None:
    """Wait until the capture stream has stopped growing for ``quiet_s`` and the recorder
    has stored all of it: every order, fill and result of the run is then in PostgreSQL."""
    deadline = time.monotonic() + timeout_s
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        check()
        seq = await bus.stream_last_seq()
        if seq != last:
            last, since = seq, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            async with pool.acquire() as conn:
                if await read_offset(conn, durable, bus.stream) >= seq:
                    return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"the pipeline did not settle within {timeout_s:.0f}s")
