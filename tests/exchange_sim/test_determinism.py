"""Same feed, seed and speed=max -> identical executions, order ids and trade ids."""

import asyncio
import json
from decimal import Decimal
from typing import Any

import aiohttp
import websockets.asyncio.client as ws_client

from services.exchange_sim import ExchangeSim, RateLimitConfig
from tests.fixtures.exchange import ACCOUNTS, json_body, signed_headers, walk_config


async def place_grid(sim: ExchangeSim, key: str, secret: str, center: Decimal) -> None:
    """100 resting orders via REST create-batch (5 x 20), both hedge sides."""
    orders: list[dict[str, Any]] = []
    for i in range(1, 51):
        for side, idx, sign in (("Buy", 1, -1), ("Sell", 2, 1)):
            price = center + sign * Decimal("2.0") * i
            orders.append(
                {
                    "symbol": "BTCUSDT",
                    "side": side,
                    "orderType": "Limit",
                    "qty": "0.003",
                    "price": str(price),
                    "positionIdx": idx,
                    "orderLinkId": f"g-{side}-{i}",
                }
            )
    async with aiohttp.ClientSession() as http:
        for start in range(0, len(orders), 20):
            body = json_body({"category": "linear", "request": orders[start : start + 20]})
            url = f"{sim.rest_url}/v5/order/create-batch"
            async with http.post(url, data=body, headers=signed_headers(key, secret, body)) as r:
                reply = await r.json()
            assert [i["code"] for i in reply["retExtInfo"]["list"]] == [0] * 20


async def one_run() -> tuple[list[dict[str, Any]], list[str], list[str]]:
    cfg = walk_config(n_trades=10_000, seed=11, rate_limit=RateLimitConfig(enabled=False))
    async with ExchangeSim(cfg) as sim:
        center = sim.exchange.markets["BTCUSDT"].last_price
        assert center is not None
        await place_grid(sim, ACCOUNTS[0].api_key, ACCOUNTS[0].api_secret, center)
        async with ws_client.connect(sim.ws_public_url) as ws:  # a client does not change results
            await ws.send(json.dumps({"op": "subscribe", "args": ["publicTrade.BTCUSDT"]}))
            await ws.recv()  # subscribe ack

            async def read_trades() -> list[str]:
                ids: list[str] = []
                while len(ids) < 10_000:
                    msg = json.loads(await ws.recv())
                    ids += [t["i"] for t in msg["data"]]
                return ids

            async with asyncio.timeout(20), asyncio.TaskGroup() as tg:
                reader = tg.create_task(read_trades())
                await sim.start_feed()
                await sim.feed_done()
            trade_ids = reader.result()
        assert sim.ws_stats.slow_consumers == 0
        orders = [o["orderId"] for o in sim.orders(ACCOUNTS[0].api_key)]
        return sim.executions(ACCOUNTS[0].api_key), orders, trade_ids


async def test_two_runs_give_identical_executions() -> None:
    first, second = await one_run(), await one_run()
    executions, orders, trades = first
    assert len(executions) > 20, "the walk should cross a good part of the grid"
    assert executions == second[0]
    assert orders == second[1]
    assert trades == second[2]
    assert len(set(e["execId"] for e in executions)) == len(executions)
