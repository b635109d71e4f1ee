"""Shared pieces of the collector tests: configs for the simulator, a running collector,
and what the capture stream holds."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import proto
from bus import Bus, BusConfig
from bybit import BybitConfig, BybitHttpClient, BybitTradeHttpAPI, PlaceOrder
from services.collector import Collector, CollectorAccount, CollectorConfig
from services.exchange_sim import ExchangeSim

SYMBOL = "BTCUSDT"
KEY_A, SECRET_A = "TESTKEYA", "test-secret-a"
ACCOUNT_A = "acct-a"
WAIT_S = 30.0  # generous: the machine is shared
RESYNC_SUBJECT = proto.subjects.sys("live", "collector", "resync_request")


def sim_bybit(sim: ExchangeSim, **overrides: Any) -> BybitConfig:
    """Public (no key) config pointing at the simulator, reconnecting quickly."""
    fields: dict[str, Any] = {
        "rest_url": sim.rest_url,
        "ws_public_url": sim.ws_public_url,
        "ws_private_url": sim.ws_private_url,
        "ws_reconnect_min_s": 0.05,
        "ws_reconnect_max_s": 0.2,
        "time_sync": False,
        "request_timeout_s": 5.0,
    }
    fields.update(overrides)
    return BybitConfig(**fields)


def account_a(
    sim: ExchangeSim, secret: str = SECRET_A, account_id: str = ACCOUNT_A
) -> CollectorAccount:
    return CollectorAccount(
        account_id=account_id,
        bybit=sim_bybit(sim, api_key=KEY_A, api_secret=secret, account_id=account_id),
    )


def collector_config(**overrides: Any) -> CollectorConfig:
    fields: dict[str, Any] = {
        "symbols": [SYMBOL],
        "backfill_retry_s": 0.05,
        "backfill_retry_after_s": 0.5,
        "drain_timeout_s": 5.0,
    }
    fields.update(overrides)
    return CollectorConfig(**fields)


@contextlib.asynccontextmanager
async def running(
    bus_config: BusConfig,
    sim: ExchangeSim,
    config: CollectorConfig,
    accounts: list[CollectorAccount],
    *,
    public: bool = True,
    public_config: BybitConfig | None = None,
) -> AsyncIterator[Collector]:
    """A collector on its own bus connection, ready (connected, start-up done)."""
    if public and public_config is None:
        public_config = sim_bybit(sim)
    async with Bus(bus_config) as bus:
        collector = Collector(bus, config, public_config if public else None, accounts)
        stop = asyncio.Event()
        task = asyncio.create_task(collector.run(stop))
        try:
            ready = asyncio.ensure_future(collector.ready.wait())
            await asyncio.wait({ready, task}, timeout=WAIT_S, return_when="FIRST_COMPLETED")
            ready.cancel()
            if task.done():
                task.result()  # raise what stopped it
            assert collector.ready.is_set(), "collector not ready in time"
            yield collector
        finally:
            stop.set()
            await asyncio.wait_for(task, WAIT_S)


@dataclass(frozen=True)
class Stored:
    subject: str
    msg_id: str | None
    message: proto.Message


async def stored(bus: Bus) -> list[Stored]:
    """Everything in the capture stream, in stream order."""
    last = await bus.stream_last_seq()
    if last == 0:
        return []
    reader = await bus.stream_reader(1)
    out: list[Stored] = []
    try:
        async with asyncio.timeout(WAIT_S):
            while len(out) < last:
                batch = await reader.take(10_000, 0.5)
                for i, payload in enumerate(batch.payloads):
                    out.append(Stored(batch.subjects[i], batch.msg_id(i), proto.decode(payload)))
    finally:
        await reader.stop()
    return out


async def wait_stored(
    bus: Bus, predicate: Callable[[list[Stored]], bool], what: str
) -> list[Stored]:
    """Poll the stream until ``predicate`` holds (``WAIT_S``); its contents then."""
    try:
        async with asyncio.timeout(WAIT_S):
            while not predicate(found := await stored(bus)):  # noqa: ASYNC110 (a stream)
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"not stored in time: {what}") from None
    return found


def gaps_closed(items: list[Stored], stream: str, n: int = 1) -> bool:
    """At least ``n`` GapStart and GapEnd events of ``stream`` are stored."""
    starts = [g for g in of_type(items, proto.GapStart) if g.stream == stream]
    ends = [g for g in of_type(items, proto.GapEnd) if g.stream == stream]
    return len(starts) >= n and len(ends) >= n


def of_type(items: list[Stored], kind: type[Any]) -> list[Any]:
    return [s.message for s in items if isinstance(s.message, kind)]


def stored_trade_ids(items: list[Stored]) -> Counter[str]:
    return Counter(t.trade_id for f in of_type(items, proto.TradeFrame) for t in f.trades)


def sim_trade_ids(sim: ExchangeSim, symbol: str = SYMBOL) -> list[str]:
    return [t.trade_id for t in sim.exchange.market(symbol).recent]


def sim_exec_ids(sim: ExchangeSim, key: str = KEY_A) -> list[str]:
    return [row["execId"] for row in sim.executions(key)]


def stored_exec_ids(items: list[Stored]) -> Counter[str]:
    return Counter(e.exec_id for e in of_type(items, proto.Execution))


@contextlib.asynccontextmanager
async def trader(sim: ExchangeSim, secret: str = SECRET_A) -> AsyncIterator[BybitTradeHttpAPI]:
    config = sim_bybit(sim, api_key=KEY_A, api_secret=secret, account_id="trader")
    async with BybitHttpClient(config) as http:
        yield BybitTradeHttpAPI(http)


def resting_buy(price: str, link_id: str, qty: str = "0.001") -> PlaceOrder:
    return PlaceOrder(
        symbol=SYMBOL,
        side="Buy",
        orderType="Limit",
        qty=qty,
        price=price,
        timeInForce="PostOnly",
        positionIdx=1,
        orderLinkId=link_id,
    )
