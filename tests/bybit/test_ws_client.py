"""Websocket client behaviour the simulator never provokes (it only sends well-formed frames
and always answers pings), against a minimal real websocket server on port 0."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal

import pytest
from websockets.asyncio.server import Server, ServerConnection, serve

import proto
from bybit import BybitConfig, BybitWebSocketClient, BybitWsError, WsState

TRADE = {
    "topic": "publicTrade.BTCUSDT",
    "type": "snapshot",
    "ts": 1,
    "data": [{"T": 1, "s": "BTCUSDT", "S": "Buy", "v": "0.001", "p": "100.5", "i": "t-1"}],
}
Script = Callable[[ServerConnection, dict[str, object]], Awaitable[None]]


def _ack(msg: dict[str, object], success: bool = True, echo: bool = True) -> str:
    reply = {"success": success, "ret_msg": "" if success else "Params Error", "op": msg["op"]}
    if echo:
        reply["req_id"] = msg.get("req_id", "")
    return json.dumps(reply)


@pytest.fixture
async def server() -> AsyncIterator[Callable[[Script], Awaitable[str]]]:
    servers: list[Server] = []

    async def start(on_message: Script) -> str:
        async def handler(conn: ServerConnection) -> None:
            async for raw in conn:
                await on_message(conn, json.loads(raw))

        srv = await serve(handler, "127.0.0.1", 0)
        servers.append(srv)
        port = srv.sockets[0].getsockname()[1]
        return f"ws://127.0.0.1:{port}/v5/public/linear"

    yield start
    for srv in servers:
        srv.close()
        await srv.wait_closed()


def _client(url: str, **overrides: float) -> BybitWebSocketClient:
    config = BybitConfig(ws_public_url=url, ws_reconnect_min_s=0.05, **overrides)  # type: ignore[arg-type]
    return BybitWebSocketClient.public(config, ["BTCUSDT"])


async def _eventually(condition: Callable[[], bool], timeout_s: float = 3.0) -> None:
    """Poll a counter the client exposes (there is no event for it)."""
    for _ in range(int(timeout_s / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


async def test_malformed_frames_are_counted_and_skipped(
    server: Callable[[Script], Awaitable[str]],
) -> None:
    async def script(conn: ServerConnection, msg: dict[str, object]) -> None:
        if msg["op"] == "subscribe":
            await conn.send(_ack(msg, echo=False))  # no req_id echo: matched by op
            await conn.send("not json at all")
            await conn.send(json.dumps({**TRADE, "data": [{"T": 1, "s": "BTCUSDT"}]}))
            await conn.send(json.dumps(TRADE))

    async with _client(await server(script)) as ws:
        event = await asyncio.wait_for(ws.recv(), 3)
        assert isinstance(event, proto.TradeFrame) and event.trades[0].price == Decimal("100.5")
        assert ws.parse_errors == 2 and ws.frames_received == 4
        assert ws.state is WsState.CONNECTED


async def test_silent_server_is_stale_and_reconnected(
    server: Callable[[Script], Awaitable[str]],
) -> None:
    async def script(conn: ServerConnection, msg: dict[str, object]) -> None:
        if msg["op"] == "subscribe":  # pings are never answered
            await conn.send(_ack(msg))

    client = _client(await server(script), ws_ping_interval_s=0.1, ws_pong_timeout_s=0.1)
    async with client as ws:
        outage = await asyncio.wait_for(ws.disconnects.get(), 3)
        assert outage.reason.startswith("BybitConnectionError: public: stale")
        assert outage.ended_ns > outage.started_ns


async def test_refused_subscription_is_fatal(server: Callable[[Script], Awaitable[str]]) -> None:
    async def script(conn: ServerConnection, msg: dict[str, object]) -> None:
        await conn.send(_ack(msg, success=False))

    async with _client(await server(script)) as ws:
        with pytest.raises(BybitWsError) as info:
            await ws.wait_connected(3)
        assert info.value.topics == ("publicTrade.BTCUSDT", "tickers.BTCUSDT")
        assert [event async for event in _drain(ws)] == []


async def _drain(ws: BybitWebSocketClient) -> AsyncIterator[object]:
    try:
        async for event in ws:
            yield event
    except BybitWsError:
        return


async def test_drain_lets_the_consumer_empty_the_queue_then_closes(
    server: Callable[[Script], Awaitable[str]],
) -> None:
    async def script(conn: ServerConnection, msg: dict[str, object]) -> None:
        if msg["op"] == "subscribe":
            await conn.send(_ack(msg))
            for _ in range(3):
                await conn.send(json.dumps(TRADE))

    ws = _client(await server(script))
    ws.start()
    await ws.wait_connected(3)
    await _eventually(lambda: ws.queued >= 3)

    async def slow_consumer() -> list[object]:
        await asyncio.sleep(0.1)
        return [await ws.recv() for _ in range(3)]

    consumer = asyncio.create_task(slow_consumer())
    await ws.drain(grace_s=3)
    assert len(await consumer) == 3
    assert ws.state is WsState.CLOSED
    assert [event async for event in ws] == []


async def test_a_full_queue_is_reported_as_a_gap_once_it_drains(
    server: Callable[[Script], Awaitable[str]],
) -> None:
    """Dropped events are an outage to the consumer: from the first drop until the queue
    takes events again, reported on ``disconnects`` so the collector back-fills it."""
    go_on = asyncio.Event()

    async def script(conn: ServerConnection, msg: dict[str, object]) -> None:
        if msg["op"] == "subscribe":
            await conn.send(_ack(msg))
            for _ in range(10):
                await conn.send(json.dumps(TRADE))
            await go_on.wait()
            await conn.send(json.dumps(TRADE))

    async with _client(await server(script), ws_queue_size=3) as ws:
        await ws.wait_connected(3)
        await _eventually(lambda: ws.dropped_events == 7)
        assert ws.disconnects.empty()  # still overflowing: not over yet
        for _ in range(3):
            await ws.recv()
        go_on.set()
        report = await asyncio.wait_for(ws.disconnects.get(), 3)
        assert report.reason == "consumer queue full: 7 events dropped"
        assert report.ended_ns >= report.started_ns
        await ws.recv()  # the event that found room again is delivered
