"""Public and private WS with a raw `websockets` client: exact shapes, auth, bad frames."""

import asyncio
import json
import time
from decimal import Decimal
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from services.exchange_sim import ExchangeSim
from tests.fixtures.exchange import ACCOUNTS, manual_config, sign_payload
from venue.models import OrderRequest

KEY, SECRET = ACCOUNTS[0].api_key, ACCOUNTS[0].api_secret
D = Decimal


async def recv(ws: ClientConnection) -> dict[str, Any]:
    async with asyncio.timeout(2.0):
        return json.loads(await ws.recv())


async def recv_topic(ws: ClientConnection, topic: str) -> dict[str, Any]:
    while True:
        msg = await recv(ws)
        if msg.get("topic") == topic:
            return msg


def auth_args(expires: int | str, secret: str = SECRET, key: str = KEY) -> list[Any]:
    return [key, expires, sign_payload(secret, f"GET/realtime{expires}")]


async def private(sim: ExchangeSim, topics: list[str]) -> ClientConnection:
    ws = await connect(sim.ws_private_url)
    await ws.send(json.dumps({"op": "auth", "args": auth_args(int(time.time() * 1000) + 5000)}))
    assert (await recv(ws))["success"] is True
    await ws.send(json.dumps({"op": "subscribe", "req_id": "s1", "args": topics}))
    assert (await recv(ws))["success"] is True
    return ws


async def test_public_subscribe_ping_and_trades(exchange_sim: ExchangeSim) -> None:
    async with connect(exchange_sim.ws_public_url) as ws:
        await ws.send(
            json.dumps({"req_id": "abc", "op": "subscribe", "args": ["publicTrade.BTCUSDT"]})
        )
        ack = await recv(ws)
        assert ack == {
            "success": True,
            "ret_msg": "",
            "conn_id": ack["conn_id"],
            "req_id": "abc",
            "op": "subscribe",
        }
        await ws.send(json.dumps({"op": "ping"}))
        pong = await recv(ws)
        assert (pong["success"], pong["ret_msg"], pong["op"], pong["req_id"]) == (
            True,
            "pong",
            "ping",
            "",
        )
        await ws.ping()  # RFC6455 ping frame is answered (pybit/websocket-client relies on it)
        exchange_sim.trade("BTCUSDT", "60001.5", "0.25", "Buy")
        msg = await recv(ws)
        assert (msg["topic"], msg["type"]) == ("publicTrade.BTCUSDT", "snapshot")
        assert isinstance(msg["ts"], int)
        [item] = msg["data"]
        assert set(item) == {"T", "s", "S", "v", "p", "L", "i", "BT", "RPI", "seq"}
        assert (item["s"], item["S"], item["v"], item["p"], item["BT"]) == (
            "BTCUSDT",
            "Buy",
            "0.250",
            "60001.50",
            False,
        )
        assert isinstance(item["T"], int) and isinstance(item["seq"], int)


async def test_ticker_snapshot_then_deltas(exchange_sim: ExchangeSim) -> None:
    async with connect(exchange_sim.ws_public_url) as ws:
        await ws.send(json.dumps({"req_id": "t", "op": "subscribe", "args": ["tickers.BTCUSDT"]}))
        assert (await recv(ws))["op"] == "subscribe"
        snap = await recv(ws)
        assert (snap["topic"], snap["type"]) == ("tickers.BTCUSDT", "snapshot")
        assert isinstance(snap["data"], dict) and snap["data"]["lastPrice"] == "60000.00"
        assert all(isinstance(v, str) for v in snap["data"].values())
        assert isinstance(snap["cs"], int) and isinstance(snap["ts"], int)
        exchange_sim.advance_time(exchange_sim.now_ms() + 1000)
        exchange_sim.trade("BTCUSDT", "60100", "1", "Buy")
        delta = await recv(ws)
        assert (delta["type"], delta["data"]["symbol"], delta["data"]["lastPrice"]) == (
            "delta",
            "BTCUSDT",
            "60100.00",
        )
        assert "fundingRate" not in delta["data"]  # unchanged fields are left out
        assert delta["cs"] > snap["cs"]


async def test_public_errors_keep_the_connection(exchange_sim: ExchangeSim) -> None:
    async with connect(exchange_sim.ws_public_url) as ws:
        await ws.send("this is not json")
        err = await recv(ws)
        assert err["success"] is False and "JSON" in err["ret_msg"]
        await ws.send(json.dumps(["op", "ping"]))
        assert (await recv(ws))["success"] is False
        await ws.send(json.dumps({"req_id": "x", "op": "subscribe", "args": ["tickers.DOGEUSDT"]}))
        bad = await recv(ws)
        assert (bad["success"], bad["req_id"]) == (False, "x") and "DOGEUSDT" in bad["ret_msg"]
        await ws.send(json.dumps({"op": "subscribe", "args": "publicTrade.BTCUSDT"}))
        assert (await recv(ws))["success"] is False
        await ws.send(json.dumps({"op": "fly"}))
        assert (await recv(ws))["success"] is False
        await ws.send(json.dumps({"req_id": "p", "op": "ping"}))
        assert (await recv(ws))["ret_msg"] == "pong"
    assert exchange_sim.ws_stats.malformed_frames == 2


@pytest.mark.parametrize("as_string", [False, True])
async def test_private_auth_accepts_int_and_string_expires(
    exchange_sim: ExchangeSim, as_string: bool
) -> None:
    expires: int | str = int(time.time() * 1000) + 10_000
    if as_string:
        expires = str(expires)
    async with connect(exchange_sim.ws_private_url) as ws:
        await ws.send(json.dumps({"req_id": "a1", "op": "auth", "args": auth_args(expires)}))
        reply = await recv(ws)
        assert (reply["success"], reply["op"], reply["req_id"], reply["ret_msg"]) == (
            True,
            "auth",
            "a1",
            "",
        )


@pytest.mark.parametrize(
    "args",
    [
        auth_args(int(time.time() * 1000) + 60_000, secret="wrong"),
        auth_args(int(time.time() * 1000) - 1000),
        auth_args(int(time.time() * 1000) + 60_000, key="NOPE"),
        ["only", "two"],
        [KEY, 1.5, "x"],
    ],
)
async def test_private_auth_failures(exchange_sim: ExchangeSim, args: list[Any]) -> None:
    async with connect(exchange_sim.ws_private_url) as ws:
        await ws.send(json.dumps({"op": "auth", "args": args}))
        reply = await recv(ws)
        assert (reply["success"], reply["op"]) == (False, "auth")
        await ws.send(json.dumps({"req_id": "q", "op": "subscribe", "args": ["order"]}))
        denied = await recv(ws)
        assert (denied["success"], denied["ret_msg"]) == (False, "Request not authorized")


async def test_private_ping_pong_shape(exchange_sim: ExchangeSim) -> None:
    async with connect(exchange_sim.ws_private_url) as ws:
        await ws.send(json.dumps({"req_id": "100001", "op": "ping"}))
        pong = await recv(ws)
        assert (pong["op"], pong["req_id"]) == ("pong", "100001")
        assert isinstance(pong["args"][0], str) and "conn_id" in pong


async def test_private_pushes_have_bybit_shapes(exchange_sim: ExchangeSim) -> None:
    ws = await private(exchange_sim, ["order.linear", "execution", "position", "wallet"])
    try:
        ex = exchange_sim.exchange
        ex.place(
            KEY, OrderRequest("BTCUSDT", "Buy", "Limit", D("0.010"), D("59990"), "GTC", 1, "w-1")
        )
        new = await recv_topic(ws, "order.linear")
        assert set(new) == {"id", "topic", "creationTime", "data"}
        [order] = new["data"]
        assert (order["orderStatus"], order["avgPrice"], order["category"]) == ("New", "", "linear")
        assert (order["positionIdx"], order["reduceOnly"], order["leavesQty"]) == (
            1,
            False,
            "0.010",
        )
        assert isinstance(order["createdTime"], str) and order["cumFeeDetail"] == {}
        exchange_sim.trade("BTCUSDT", "59980", "0.004", "Sell")
        partial = await recv_topic(ws, "order.linear")
        assert partial["data"][0]["orderStatus"] == "PartiallyFilled"
        assert (partial["data"][0]["cumExecQty"], partial["data"][0]["leavesQty"]) == (
            "0.004",
            "0.006",
        )
        execution = await recv_topic(ws, "execution")
        [item] = execution["data"]
        assert (item["execType"], item["execPrice"], item["execQty"], item["isMaker"]) == (
            "Trade",
            "59990.00",
            "0.004",
            True,
        )
        assert (item["feeRate"], item["execFee"], item["orderLinkId"]) == (
            "0.0002",
            "0.047992",
            "w-1",
        )
        assert isinstance(item["seq"], int) and isinstance(item["execTime"], str)
        position = await recv_topic(ws, "position")
        [pos] = position["data"]
        assert (pos["positionIdx"], pos["side"], pos["size"], pos["entryPrice"]) == (
            1,
            "Buy",
            "0.004",
            "59990",
        )
        assert "avgPrice" not in pos
        wallet = await recv_topic(ws, "wallet")
        [acct] = wallet["data"]
        assert acct["accountType"] == "UNIFIED" and acct["coin"][0]["coin"] == "USDT"
        assert D(acct["totalWalletBalance"]) == D("100000") - D("0.047992")
    finally:
        await ws.close()


async def test_slow_consumer_is_disconnected_and_counted() -> None:
    async with ExchangeSim(manual_config(ws_send_queue=8)) as sim, connect(sim.ws_public_url) as ws:
        await ws.send(json.dumps({"op": "subscribe", "args": ["publicTrade.BTCUSDT"]}))
        await recv(ws)
        for i in range(50):  # no await in between: the writer cannot drain
            sim.trade("BTCUSDT", str(60000 + i), "0.001")
        with pytest.raises(ConnectionClosed):
            for _ in range(100):
                await recv(ws)
        assert sim.ws_stats.slow_consumers == 1


async def test_orderbook_level1_snapshots_follow_the_touch(exchange_sim: ExchangeSim) -> None:
    async with connect(exchange_sim.ws_public_url) as ws:
        await ws.send(json.dumps({"op": "subscribe", "args": ["orderbook.1.BTCUSDT"]}))
        assert (await recv(ws))["success"] is True
        first = await recv(ws)
        assert (first["topic"], first["type"]) == ("orderbook.1.BTCUSDT", "snapshot")
        assert first["data"]["a"][0][0] == "60000.00" and first["data"]["b"][0][0] == "59999.90"
        exchange_sim.trade("BTCUSDT", "59950", "0.3", "Sell")
        book = await recv(ws)
        assert book["data"]["b"] == [["59950.00", "0.300"]]
        assert book["data"]["u"] > first["data"]["u"] and isinstance(book["cts"], int)


async def test_execution_fast_topic(exchange_sim: ExchangeSim) -> None:
    ws = await private(exchange_sim, ["execution.fast"])
    try:
        exchange_sim.exchange.place(
            KEY, OrderRequest("BTCUSDT", "Buy", "Market", D("0.002"), None, "GTC", 1)
        )
        msg = await recv_topic(ws, "execution.fast")
        [item] = msg["data"]
        assert set(item) == {
            "category",
            "symbol",
            "execId",
            "execPrice",
            "execQty",
            "orderId",
            "isMaker",
            "orderLinkId",
            "side",
            "execTime",
            "seq",
        }
        assert (item["execPrice"], item["isMaker"]) == ("60000.00", False)
    finally:
        await ws.close()
