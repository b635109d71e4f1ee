"""Signatures recomputed independently from spec §2.1/§3.2, and checked over the raw bytes
a real HTTP server receives from the client."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
import structlog
from aiohttp import web

from bybit import BybitConfig, BybitHttpClient, BybitTradeHttpAPI, PlaceOrder
from bybit._signing import encode_query, hmac_hex, rest_payload, ws_auth_payload
from bybit.http.schemas import Empty

SECRET = "vk9XJ2mX1s0yTtQHzz"
KEY = "XXXXXXXXXX"


def _expected(payload: str, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def test_get_signature_matches_docs_worked_example() -> None:
    query = "category=option&symbol=BTC-29JUL22-25000-C"
    payload = rest_payload(1658384314791, KEY, 5000, query)
    assert payload == "1658384314791XXXXXXXXXX5000category=option&symbol=BTC-29JUL22-25000-C"
    assert hmac_hex(SECRET, payload) == _expected(payload)


def test_post_signature_matches_docs_worked_example() -> None:
    payload = rest_payload(1658385579423, KEY, 5000, '{"category": "option"}')
    assert payload == '1658385579423XXXXXXXXXX5000{"category": "option"}'
    assert hmac_hex(SECRET, payload) == _expected(payload)


def test_ws_auth_signature_signs_get_realtime_and_expiry() -> None:
    assert ws_auth_payload(1662350400000) == "GET/realtime1662350400000"
    assert hmac_hex(SECRET, "GET/realtime1662350400000") == _expected("GET/realtime1662350400000")


def test_query_keeps_insertion_order_drops_none_and_keeps_cursor_escapes() -> None:
    params = {
        "symbol": "BTCUSDT",
        "category": "linear",
        "orderId": None,
        "reduceOnly": True,
        "price": Decimal("1E+1"),
        "cursor": "page_args%3Dfd43%26symbol%3D6%26",
    }
    assert encode_query(params) == (
        "symbol=BTCUSDT&category=linear&reduceOnly=true&price=10"
        "&cursor=page_args%3Dfd43%26symbol%3D6%26"
    )


class _Capture:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, bytes, dict[str, str]]] = []

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append((request.method, request.query_string, body, dict(request.headers)))
        result = {"orderId": "1", "orderLinkId": "a"} if request.method == "POST" else {}
        envelope = {"retCode": 0, "retMsg": "OK", "result": result, "retExtInfo": {}, "time": 1}
        return web.json_response(envelope)


@pytest.fixture
async def capture() -> AsyncIterator[tuple[_Capture, str]]:
    cap = _Capture()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", cap.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield cap, f"http://127.0.0.1:{port}"
    await runner.cleanup()


def _check_signed(headers: dict[str, str], signed_part: str) -> None:
    payload = headers["X-BAPI-TIMESTAMP"] + KEY + headers["X-BAPI-RECV-WINDOW"] + signed_part
    assert headers["X-BAPI-SIGN"] == _expected(payload)
    assert headers["X-BAPI-API-KEY"] == KEY
    assert headers["X-BAPI-RECV-WINDOW"] == "7000"


async def test_client_signs_the_query_and_body_bytes_the_server_receives(
    capture: tuple[_Capture, str],
) -> None:
    cap, url = capture
    config = BybitConfig(
        api_key=KEY, api_secret=SECRET, rest_url=url, recv_window_ms=7000, time_sync=False
    )
    with structlog.testing.capture_logs() as logs:
        async with BybitHttpClient(config) as client:
            await client.get("/v5/x", {"symbol": "BTCUSDT", "category": "linear"}, Empty)
            order = PlaceOrder(symbol="BTCUSDT", side="Buy", orderType="Limit", qty="0.010")
            await BybitTradeHttpAPI(client).place_order(order)
    (get_method, query, _, get_headers), (post_method, _, body, post_headers) = cap.requests
    assert (get_method, query) == ("GET", "symbol=BTCUSDT&category=linear")
    _check_signed(get_headers, query)
    assert post_method == "POST"
    assert json.loads(body) == {
        "category": "linear",
        "symbol": "BTCUSDT",
        "side": "Buy",
        "orderType": "Limit",
        "qty": "0.010",
    }
    _check_signed(post_headers, body.decode())
    assert SECRET not in repr(logs) and SECRET not in repr(config)


async def test_wrong_secret_produces_a_different_signature(capture: tuple[_Capture, str]) -> None:
    cap, url = capture
    config = BybitConfig(api_key=KEY, api_secret="other", rest_url=url, time_sync=False)
    async with BybitHttpClient(config) as client:
        await client.get("/v5/x", {"a": 1}, Empty)
    headers = cap.requests[0][3]
    payload = headers["X-BAPI-TIMESTAMP"] + KEY + headers["X-BAPI-RECV-WINDOW"] + "a=1"
    assert headers["X-BAPI-SIGN"] != _expected(payload)
    assert headers["X-BAPI-SIGN"] == _expected(payload, "other")
