"""Fault injection: WS drops seen by clients, REST delays, seeded 10006 / HTTP 5xx answers."""

import asyncio
import json
import time

import aiohttp
import msgspec
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from services.exchange_sim import ExchangeSim, FaultConfig
from tests.fixtures.exchange import ACCOUNTS, manual_config, sign_payload

KEY_A, SECRET_A = ACCOUNTS[0].api_key, ACCOUNTS[0].api_secret
KEY_B, SECRET_B = ACCOUNTS[1].api_key, ACCOUNTS[1].api_secret


async def open_private(sim: ExchangeSim, key: str, secret: str) -> ClientConnection:
    ws = await connect(sim.ws_private_url)
    expires = int(time.time() * 1000) + 5000
    args = [key, expires, sign_payload(secret, f"GET/realtime{expires}")]
    await ws.send(json.dumps({"op": "auth", "args": args}))
    assert json.loads(await ws.recv())["success"] is True
    return ws


async def assert_dropped(ws: ClientConnection) -> None:
    with pytest.raises(ConnectionClosed):
        async with asyncio.timeout(2):
            await ws.recv()


async def test_drop_one_account_then_everything(exchange_sim: ExchangeSim) -> None:
    ws_a = await open_private(exchange_sim, KEY_A, SECRET_A)
    ws_b = await open_private(exchange_sim, KEY_B, SECRET_B)
    public = await connect(exchange_sim.ws_public_url)
    try:
        assert exchange_sim.faults.drop_ws(KEY_A) == 1
        await assert_dropped(ws_a)
        await ws_b.send(json.dumps({"op": "ping"}))
        assert json.loads(await ws_b.recv())["op"] == "pong"  # other account untouched
        await public.send(json.dumps({"op": "ping"}))
        assert json.loads(await public.recv())["ret_msg"] == "pong"
        assert exchange_sim.faults.drop_ws() == 2
        await assert_dropped(ws_b)
        await assert_dropped(public)
        async with connect(exchange_sim.ws_public_url) as again:  # reconnecting works
            await again.send(json.dumps({"op": "ping"}))
            assert json.loads(await again.recv())["ret_msg"] == "pong"
    finally:
        for ws in (ws_a, ws_b, public):
            await ws.close()


async def test_delay_is_added_to_rest_responses(exchange_sim: ExchangeSim) -> None:
    exchange_sim.faults.set_delay(150)
    async with aiohttp.ClientSession() as http:
        start = time.perf_counter()
        async with http.get(f"{exchange_sim.rest_url}/v5/market/time") as resp:
            assert (await resp.json())["retCode"] == 0
        assert time.perf_counter() - start >= 0.15
        exchange_sim.faults.clear()
        assert exchange_sim.faults.delay_ms == 0
        async with http.get(f"{exchange_sim.rest_url}/v5/market/time") as resp:
            assert (await resp.json())["retCode"] == 0


async def outcomes(sim: ExchangeSim, n: int) -> list[str]:
    out: list[str] = []
    async with aiohttp.ClientSession() as http:
        for _ in range(n):
            async with http.get(f"{sim.rest_url}/v5/market/time") as resp:
                if resp.status != 200:
                    out.append(str(resp.status))
                    continue
                body = await resp.json()
                if body["retCode"] == 10006:
                    assert int(resp.headers["X-Bapi-Limit-Reset-Timestamp"]) > time.time() * 1000
                    assert resp.headers["X-Bapi-Limit-Status"] == "0"
                out.append(str(body["retCode"]))
    return out


async def test_error_fraction_is_seeded_and_mixed() -> None:
    cfg = manual_config(
        seed=3, faults=FaultConfig(error_rate=0.3, error_kind="mixed", http_status=502)
    )
    async with ExchangeSim(cfg) as sim:
        first = await outcomes(sim, 200)
    async with ExchangeSim(cfg) as sim:
        second = await outcomes(sim, 200)
    assert first == second
    assert {"0", "10006", "502"} == set(first)
    injected = sum(1 for o in first if o != "0")
    assert 35 <= injected <= 85  # 30 % of 200, generous binomial bounds


async def test_all_requests_fail_with_5xx_then_recover(exchange_sim: ExchangeSim) -> None:
    exchange_sim.faults.set_error_rate(1.0, kind="http_5xx", http_status=503)
    assert await outcomes(exchange_sim, 5) == ["503"] * 5
    exchange_sim.faults.set_error_rate(1.0, kind="rate_limit")
    assert await outcomes(exchange_sim, 3) == ["10006"] * 3
    exchange_sim.faults.set_error_rate(0.0)
    assert await outcomes(exchange_sim, 3) == ["0"] * 3
    with pytest.raises(ValueError, match="rate"):
        exchange_sim.faults.set_error_rate(1.5)


async def test_ws_latency_delays_frames_and_keeps_their_order() -> None:
    config = msgspec.structs.replace(manual_config(), faults=FaultConfig(ws_latency_ms=200))
    async with ExchangeSim(config) as sim, connect(sim.ws_public_url) as ws:
        start = time.perf_counter()
        for n in range(3):
            await ws.send(json.dumps({"op": "ping", "req_id": str(n)}))
        replies = [json.loads(await ws.recv()) for _ in range(3)]
        elapsed = time.perf_counter() - start
    assert [r["req_id"] for r in replies] == ["0", "1", "2"]
    # one latency for the lot, not one per frame (that would be >= 0.6 s): they overlap
    assert 0.2 <= elapsed < 0.6
