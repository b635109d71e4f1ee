"""ExchangeSim lifecycle, virtual clock and speed, funding from the feed, no starvation."""

import asyncio
import json
import pathlib
import time
from decimal import Decimal

import aiohttp
import pytest
from websockets.asyncio.client import connect

from services.exchange_sim import ExchangeSim, FileFeed, FundingConfig, RandomWalkFeed, SimState
from services.exchange_sim.config import DEFAULT_START_MS
from tests.fixtures.exchange import ACCOUNTS, walk_config
from venue.models import OrderRequest

KEY = ACCOUNTS[0].api_key
HOUR_MS = 3_600_000


async def test_lifecycle_urls_and_idempotent_close() -> None:
    sim = ExchangeSim(walk_config(n_trades=100))
    assert sim.state is SimState.NEW
    async with sim:
        assert sim.state is SimState.RUNNING
        assert sim.port > 0
        assert sim.ws_public_url == f"ws://127.0.0.1:{sim.port}/v5/public/linear"
        assert sim.ws_private_url == f"ws://127.0.0.1:{sim.port}/v5/private"
        assert [a.api_key for a in sim.accounts] == [a.api_key for a in ACCOUNTS]
        with pytest.raises(RuntimeError, match="start_feed"):
            await sim.feed_done()
        await sim.start_feed()
        await sim.start_feed()  # idempotent
        assert await sim.feed_done() == 200
        assert sim.feed_finished
    assert sim.state is SimState.CLOSED
    await sim.close()
    with pytest.raises(RuntimeError):
        _ = sim.faults


async def test_feed_starts_paused_and_clock_stands_still(exchange_sim_walk: ExchangeSim) -> None:
    sim = exchange_sim_walk
    before = sim.now_ms()
    await asyncio.sleep(0.05)
    assert sim.now_ms() == before  # virtual time waits for the feed
    await sim.start_feed()
    await sim.feed_done()
    assert sim.now_ms() > before
    async with aiohttp.ClientSession() as http, http.get(f"{sim.rest_url}/v5/market/time") as r:
        body = await r.json()
    # Server time is the wall clock signatures are checked against, not the feed's time.
    assert abs(body["time"] - time.time() * 1000) < 5000
    assert body["time"] != sim.now_ms()


async def test_start_paused_false_starts_immediately_and_speed_factor_holds() -> None:
    # ~25 s of virtual time at x250 -> ~0.1 s of wall time
    feed = RandomWalkFeed(symbol="BTCUSDT", n_trades=500, mean_interval_ms=50.0)
    cfg = walk_config(feeds=(feed,), speed=250.0, start_paused=False)
    start = time.perf_counter()
    async with ExchangeSim(cfg) as sim:
        first = sim.now_ms()
        await sim.feed_done()
        virtual_s = (sim.now_ms() - first) / 1000
    wall_s = time.perf_counter() - start
    assert virtual_s > 15
    assert virtual_s / 250 * 0.8 <= wall_s <= virtual_s / 250 + 1.5


async def test_funding_settles_when_the_feed_crosses_a_boundary() -> None:
    # a walk that starts 2 min before 08:00 UTC and runs ~4 min of virtual time
    start = DEFAULT_START_MS + 8 * HOUR_MS - 120_000
    feed = RandomWalkFeed(
        symbol="BTCUSDT", n_trades=2400, start_time_ms=start, mean_interval_ms=100
    )
    cfg = walk_config(feeds=(feed,), funding=FundingConfig(rate=Decimal("0.0003")))
    async with ExchangeSim(cfg) as sim:
        ex = sim.exchange
        price = ex.markets["BTCUSDT"].last_price
        assert price is not None
        ex.place(KEY, OrderRequest("BTCUSDT", "Buy", "Market", Decimal("0.010"), None, "GTC", 1))
        async with aiohttp.ClientSession() as http:
            url = f"{sim.rest_url}/v5/market/tickers?category=linear&symbol=BTCUSDT"
            async with http.get(url) as r:
                ticker = (await r.json())["result"]["list"][0]
        assert ticker["nextFundingTime"] == str(DEFAULT_START_MS + 8 * HOUR_MS)
        assert ticker["fundingRate"] == "0.0003"
        await sim.start_feed()
        await sim.feed_done()
        [funding] = [e for e in sim.executions(KEY) if e["execType"] == "Funding"]
        assert funding["execTime"] == str(DEFAULT_START_MS + 8 * HOUR_MS)
        assert funding["side"] == "Buy" and funding["feeRate"] == "0.0003"
        assert Decimal(funding["execFee"]) == Decimal(funding["execValue"]) * Decimal("0.0003")
        async with aiohttp.ClientSession() as http:
            url = f"{sim.rest_url}/v5/market/funding/history?category=linear&symbol=BTCUSDT"
            async with http.get(url) as r:
                history = (await r.json())["result"]["list"]
        assert history[0]["fundingRateTimestamp"] == str(DEFAULT_START_MS + 8 * HOUR_MS)


async def test_feed_at_max_speed_does_not_starve_clients() -> None:
    async with ExchangeSim(walk_config(n_trades=20_000)) as sim:
        async with connect(sim.ws_public_url) as ws, aiohttp.ClientSession() as http:
            await ws.send(
                json.dumps({"op": "subscribe", "req_id": "1", "args": ["publicTrade.ETHUSDT"]})
            )
            await ws.recv()
            async with asyncio.timeout(5):
                await sim.wait_for_subscribers("publicTrade.ETHUSDT")
            received = 0

            async def read() -> None:
                nonlocal received
                while received < 20_000:
                    received += len(json.loads(await ws.recv())["data"])

            reader = asyncio.create_task(read())
            await sim.start_feed()
            latencies = []
            while not sim.feed_finished:
                start = time.perf_counter()
                async with http.get(f"{sim.rest_url}/v5/market/time") as r:
                    await r.read()
                latencies.append(time.perf_counter() - start)
            async with asyncio.timeout(10):
                await reader
        assert received == 20_000  # every trade delivered, none dropped
        assert latencies and max(latencies) < 1.0
        assert sim.ws_stats.slow_consumers == 0


async def test_close_with_a_connected_client_is_prompt() -> None:
    sim = ExchangeSim(walk_config(n_trades=100))
    await sim.start()
    ws = await connect(sim.ws_public_url)
    await ws.send(json.dumps({"op": "subscribe", "args": ["tickers.BTCUSDT"]}))
    await ws.recv()
    start = time.perf_counter()
    await sim.close()
    assert time.perf_counter() - start < 3.0
    async with asyncio.timeout(2):
        await ws.wait_closed()
    await ws.close()


async def test_a_missing_feed_file_fails_at_start(tmp_path: pathlib.Path) -> None:
    cfg = walk_config(feeds=(FileFeed(path=str(tmp_path / "nope.csv.gz"), symbol="BTCUSDT"),))
    with pytest.raises(FileNotFoundError):
        async with ExchangeSim(cfg):
            pass
