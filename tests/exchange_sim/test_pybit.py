"""Unmodified pybit (HTTP + WebSocket) pointed at the simulator as spec §5 describes."""

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec
import pybit.unified_trading
import pytest
from pybit.exceptions import InvalidRequestError
from pybit.unified_trading import HTTP, WebSocket

from services.exchange_sim import ExchangeSim, FaultConfig
from tests.fixtures.exchange import ACCOUNTS, manual_config

KEY, SECRET = ACCOUNTS[0].api_key, ACCOUNTS[0].api_secret


@pytest.fixture
async def exchange_sim() -> AsyncIterator[ExchangeSim]:
    """pybit sends a subscribe before it registers the request id and the callback, so a
    server that answers within microseconds races it; real Bybit is a network hop away."""
    config = msgspec.structs.replace(manual_config(), faults=FaultConfig(ws_latency_ms=20))
    async with ExchangeSim(config) as sim:
        yield sim


@pytest.fixture
async def session(exchange_sim: ExchangeSim) -> AsyncIterator[HTTP]:
    http = HTTP(api_key=KEY, api_secret=SECRET, max_retries=3)
    http.endpoint = exchange_sim.rest_url  # spec §5 way 1
    yield http
    http.client.close()


class Inbox:
    """Thread-safe bridge (pybit callbacks run in its socket thread), one queue per topic."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._queues: dict[str, asyncio.Queue[dict[str, Any]]] = {}

    def _queue(self, topic: str) -> asyncio.Queue[dict[str, Any]]:
        return self._queues.setdefault(topic, asyncio.Queue())

    def callback(self, message: dict[str, Any]) -> None:
        self._loop.call_soon_threadsafe(self._queue(message["topic"]).put_nowait, message)

    async def next(
        self, topic: str, predicate: Callable[[dict[str, Any]], bool] = lambda m: True
    ) -> dict[str, Any]:
        """The next message of `topic` matching `predicate` (earlier ones are skipped)."""
        async with asyncio.timeout(15):  # generous: CI machines are shared and slow
            while True:
                msg = await self._queue(topic).get()
                if predicate(msg):
                    return msg


async def test_pybit_http_market_account_and_orders(
    exchange_sim: ExchangeSim, session: HTTP
) -> None:
    def run() -> dict[str, Any]:
        out: dict[str, Any] = {}
        out["time"] = session.get_server_time()
        out["instruments"] = session.get_instruments_info(category="linear")
        out["tickers"] = session.get_tickers(category="linear", symbol="BTCUSDT")
        out["wallet"] = session.get_wallet_balance(accountType="UNIFIED")
        out["placed"] = session.place_order(
            category="linear",
            symbol="BTCUSDT",
            side="Buy",
            orderType="Limit",
            qty="0.010",
            price="59000",
            positionIdx=1,
            orderLinkId="pybit-1",
        )
        out["open"] = session.get_open_orders(category="linear", symbol="BTCUSDT")
        out["cancel"] = session.cancel_order(
            category="linear", symbol="BTCUSDT", orderLinkId="pybit-1"
        )
        out["batch"] = session.place_batch_order(
            category="linear",
            request=[
                {
                    "symbol": "ETHUSDT",
                    "side": "Sell",
                    "orderType": "Limit",
                    "qty": "0.10",
                    "price": "3100",
                    "positionIdx": 2,
                },
            ],
        )
        out["cancel_all"] = session.cancel_all_orders(category="linear", symbol="ETHUSDT")
        out["positions"] = session.get_positions(category="linear", symbol="BTCUSDT")
        out["fees"] = session.get_fee_rates(category="linear", symbol="BTCUSDT")
        return out

    out = await asyncio.to_thread(run)
    assert all(r["retCode"] == 0 for r in out.values())
    assert [i["symbol"] for i in out["instruments"]["result"]["list"]] == ["BTCUSDT", "ETHUSDT"]
    assert out["tickers"]["result"]["list"][0]["lastPrice"] == "60000.00"
    assert out["wallet"]["result"]["list"][0]["totalEquity"] == "100000"
    assert out["open"]["result"]["list"][0]["orderLinkId"] == "pybit-1"
    assert out["cancel"]["result"]["orderLinkId"] == "pybit-1"
    assert len(out["cancel_all"]["result"]["list"]) == 1
    assert [p["positionIdx"] for p in out["positions"]["result"]["list"]] == [1, 2]
    assert exchange_sim.open_orders(KEY) == []


async def test_pybit_raises_bybit_errors(session: HTTP) -> None:
    def duplicate() -> None:
        for _ in range(2):
            session.place_order(
                category="linear",
                symbol="BTCUSDT",
                side="Buy",
                orderType="Limit",
                qty="0.010",
                price="59000",
                positionIdx=1,
                orderLinkId="same",
            )

    with pytest.raises(InvalidRequestError) as info:
        await asyncio.to_thread(duplicate)
    assert info.value.status_code == 110072


async def test_pybit_retries_10006_until_the_reset_timestamp(
    exchange_sim: ExchangeSim, session: HTTP
) -> None:
    exchange_sim.rate_limiter.set_limit("order_query", 2)

    def burst() -> list[int]:
        return [
            session.get_open_orders(category="linear", symbol="BTCUSDT")["retCode"]
            for _ in range(4)
        ]

    assert await asyncio.to_thread(burst) == [0, 0, 0, 0]
    assert exchange_sim.rate_limiter.rejected >= 1


async def test_pybit_websockets_public_and_private(
    exchange_sim: ExchangeSim, session: HTTP, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = exchange_sim.port
    monkeypatch.setattr(
        pybit.unified_trading, "PUBLIC_WSS", f"ws://127.0.0.1:{port}/v5/public/{{CHANNEL_TYPE}}"
    )
    monkeypatch.setattr(pybit.unified_trading, "PRIVATE_WSS", f"ws://127.0.0.1:{port}/v5/private")
    inbox = Inbox()

    def open_streams() -> tuple[WebSocket, WebSocket]:
        public = WebSocket(testnet=False, channel_type="linear")
        private = WebSocket(testnet=False, channel_type="private", api_key=KEY, api_secret=SECRET)
        public.trade_stream("BTCUSDT", inbox.callback)
        public.ticker_stream("BTCUSDT", inbox.callback)
        private.order_stream(inbox.callback)
        private.execution_stream(inbox.callback)
        return public, private

    public, private = await asyncio.to_thread(open_streams)
    try:
        async with asyncio.timeout(15):  # every stream subscribed before anything happens
            for topic in ("publicTrade.BTCUSDT", "tickers.BTCUSDT"):
                await exchange_sim.wait_for_subscribers(topic)
            for topic in ("order", "execution"):
                await exchange_sim.wait_for_subscribers(topic, api_key=KEY)
        ticker = await inbox.next("tickers.BTCUSDT")
        assert ticker["data"]["lastPrice"] == "60000.00"
        placed = await asyncio.to_thread(
            session.place_order,
            category="linear",
            symbol="BTCUSDT",
            side="Buy",
            orderType="Limit",
            qty="0.010",
            price="59990",
            positionIdx=1,
        )
        order_id = placed["result"]["orderId"]
        new = await inbox.next("order")
        assert new["data"][0]["orderStatus"] == "New"
        exchange_sim.trade("BTCUSDT", "59980", "0.004", "Sell")
        exchange_sim.trade("BTCUSDT", "59985", "1", "Sell")
        trade = await inbox.next("publicTrade.BTCUSDT")
        assert trade["data"][0]["p"] == "59980.00"
        filled = await inbox.next("order", lambda m: m["data"][-1]["orderStatus"] == "Filled")
        assert filled["data"][-1]["orderId"] == order_id
        execution = await inbox.next("execution")
        assert execution["data"][0]["execQty"] == "0.004"
        merged = await inbox.next("tickers.BTCUSDT", lambda m: m["data"]["lastPrice"] == "59985.00")
        assert merged["data"]["symbol"] == "BTCUSDT"  # pybit merged the delta into its snapshot
        rest = await asyncio.to_thread(session.get_executions, category="linear", symbol="BTCUSDT")
        assert [e["execQty"] for e in rest["result"]["list"]] == ["0.006", "0.004"]
    finally:
        await asyncio.to_thread(public.exit)
        await asyncio.to_thread(private.exit)
