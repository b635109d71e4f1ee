"""REST over raw aiohttp with hand-made signatures: auth errors, bad input, envelopes,
rate limits, pagination, batch and ccxt's helper endpoints."""

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from services.exchange_sim import ExchangeSim, RateLimitConfig
from tests.fixtures.exchange import ACCOUNTS, json_body, manual_config, signed_headers

KEY, SECRET = ACCOUNTS[0].api_key, ACCOUNTS[0].api_secret
Reply = tuple[int, dict[str, Any], Any]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def get(
    http: aiohttp.ClientSession,
    sim: ExchangeSim,
    path: str,
    query: str = "",
    *,
    headers: dict[str, str] | None = None,
    signed: bool = True,
) -> Reply:
    hdrs = (
        headers if headers is not None else (signed_headers(KEY, SECRET, query) if signed else {})
    )
    url = f"{sim.rest_url}{path}?{query}" if query else f"{sim.rest_url}{path}"
    async with http.get(url, headers=hdrs) as resp:
        return resp.status, json.loads(await resp.text()), resp.headers


async def post(
    http: aiohttp.ClientSession,
    sim: ExchangeSim,
    path: str,
    body: str,
    *,
    headers: dict[str, str] | None = None,
) -> Reply:
    hdrs = headers if headers is not None else signed_headers(KEY, SECRET, body)
    async with http.post(f"{sim.rest_url}{path}", data=body.encode(), headers=hdrs) as resp:
        text = await resp.text()
        return resp.status, json.loads(text), resp.headers


def order_body(**overrides: Any) -> str:
    params: dict[str, Any] = {
        "category": "linear",
        "symbol": "BTCUSDT",
        "side": "Buy",
        "orderType": "Limit",
        "qty": "0.010",
        "price": "59000",
        "positionIdx": 1,
    }
    params.update(overrides)
    return json_body({k: v for k, v in params.items() if v is not None})


def assert_envelope(body: dict[str, Any]) -> None:
    assert set(body) == {"retCode", "retMsg", "result", "retExtInfo", "time"}
    assert isinstance(body["retCode"], int) and isinstance(body["time"], int)
    assert isinstance(body["result"], dict) and isinstance(body["retExtInfo"], dict)


async def test_signed_get_and_post_succeed(
    exchange_sim: ExchangeSim, http: aiohttp.ClientSession
) -> None:
    status, body, headers = await get(
        http, exchange_sim, "/v5/order/realtime", "category=linear&symbol=BTCUSDT"
    )
    assert (status, body["retCode"]) == (200, 0)
    assert_envelope(body)
    assert headers["X-Bapi-Limit"] == "50"
    status, body, _ = await post(http, exchange_sim, "/v5/order/create", order_body())
    assert body["retCode"] == 0, body
    assert set(body["result"]) == {"orderId", "orderLinkId"}


async def test_pybit_and_ccxt_wire_styles_are_verified_over_raw_bytes(
    exchange_sim: ExchangeSim, http: aiohttp.ClientSession
) -> None:
    spaced = json.dumps({"category": "linear", "symbol": "BTCUSDT"})  # pybit: ", " and ": "
    _, body, _ = await post(http, exchange_sim, "/v5/order/cancel-all", spaced)
    assert body["retCode"] == 0
    # ccxt: insertion order, trailing "?" when the query is empty
    query = "symbol=BTCUSDT&category=linear"
    _, body, _ = await get(http, exchange_sim, "/v5/position/list", query)
    assert body["retCode"] == 0 and len(body["result"]["list"]) == 2
    url = f"{exchange_sim.rest_url}/v5/asset/coin/query-info?"
    async with http.get(url, headers=signed_headers(KEY, SECRET, "")) as resp:
        assert (await resp.json())["retCode"] == 0
    # signing a re-serialised body is not the same bytes -> 10004
    compact = json_body({"category": "linear", "symbol": "BTCUSDT"})
    _, body, _ = await post(
        http,
        exchange_sim,
        "/v5/order/cancel-all",
        spaced,
        headers=signed_headers(KEY, SECRET, compact),
    )
    assert body["retCode"] == 10004


QUERY = "category=linear&symbol=BTCUSDT"


@pytest.mark.parametrize(
    ("make_headers", "code"),
    [
        (lambda: signed_headers("NOPE", SECRET, QUERY), 10003),
        (lambda: {}, 10003),
        (lambda: signed_headers(KEY, "wrong-secret", QUERY), 10004),
        (lambda: signed_headers(KEY, SECRET, "category=linear&symbol=ETHUSDT"), 10004),
        (lambda: {**signed_headers(KEY, SECRET, QUERY), "X-BAPI-SIGN": ""}, 10004),
    ],
    ids=["unknown-key", "no-headers", "wrong-secret", "other-payload", "empty-sign"],
)
async def test_auth_errors(
    exchange_sim: ExchangeSim,
    http: aiohttp.ClientSession,
    make_headers: Callable[[], dict[str, str]],
    code: int,
) -> None:
    headers = make_headers()  # signed now: a stale timestamp would be 10002
    status, body, _ = await get(http, exchange_sim, "/v5/order/realtime", QUERY, headers=headers)
    assert (status, body["retCode"]) == (200, code)
    assert_envelope(body)


@pytest.mark.parametrize("offset_ms", [-10_000, +5_000])
async def test_timestamp_outside_recv_window_is_10002(
    exchange_sim: ExchangeSim, http: aiohttp.ClientSession, offset_ms: int
) -> None:
    query = "category=linear&symbol=BTCUSDT"
    ts = int(time.time() * 1000) + offset_ms
    headers = signed_headers(KEY, SECRET, query, timestamp=ts, recv_window=5000)
    _, body, _ = await get(http, exchange_sim, "/v5/order/realtime", query, headers=headers)
    assert body["retCode"] == 10002
    assert "recv_window" in body["retMsg"]
    wide = signed_headers(KEY, SECRET, query, timestamp=ts, recv_window=20_000)
    _, body, _ = await get(http, exchange_sim, "/v5/order/realtime", query, headers=wide)
    assert body["retCode"] == (0 if offset_ms < 0 else 10002)


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ('{"category": "linear", "symbol": ', "JSON"),
        ("[1, 2]", "JSON object"),
        (order_body(symbol=None), "symbol"),
        (order_body(qty="abc"), "qty"),
        (order_body(qty=None), "qty"),
        (order_body(price={"x": 1}), "price"),
        (order_body(positionIdx="one"), "positionIdx"),
        (order_body(positionIdx=7), "positionIdx"),
        (order_body(reduceOnly="maybe"), "reduceOnly"),
        (order_body(side="buy"), "side"),
        (order_body(timeInForce="GTX"), "timeInForce"),
        (order_body(category="spot"), "category"),
        (order_body(symbol="DOGEUSDT"), "symbol"),
        (order_body(symbol=5), "symbol"),
        (order_body(orderLinkId="bad id!"), "orderLinkId"),
        (order_body(triggerPrice="60000"), "triggerPrice"),
    ],
)
async def test_malformed_requests_are_10001_naming_the_param(
    exchange_sim: ExchangeSim, http: aiohttp.ClientSession, body: str, needle: str
) -> None:
    status, reply, _ = await post(http, exchange_sim, "/v5/order/create", body)
    assert (status, reply["retCode"]) == (200, 10001), reply
    assert needle in reply["retMsg"]
    assert_envelope(reply)


async def test_non_utf8_body_and_bad_get_params_are_10001(
    exchange_sim: ExchangeSim, http: aiohttp.ClientSession
) -> None:
    raw = b'{"category": "linear", "symbol": "\xff"}'
    headers = signed_headers(KEY, SECRET, "")  # signature cannot match; decoding fails first
    async with http.post(
        f"{exchange_sim.rest_url}/v5/order/create", data=raw, headers=headers
    ) as r:
        assert r.status == 200
        assert (await r.json())["retCode"] == 10001
    for query, needle in [
        ("category=linear&symbol=BTCUSDT&limit=0", "limit"),
        ("category=linear&symbol=BTCUSDT&limit=x", "limit"),
        ("category=linear&symbol=BTCUSDT&cursor=%25%26", "cursor"),
        ("category=linear", "symbol"),
    ]:
        _, body, _ = await get(http, exchange_sim, "/v5/order/realtime", query)
        assert body["retCode"] == 10001 and needle in body["retMsg"], (query, body)


async def test_unknown_route_and_wrong_method_are_10017(
    exchange_sim: ExchangeSim, http: aiohttp.ClientSession
) -> None:
    for method, path in [("GET", "/v5/nope"), ("GET", "/v5/order/create"), ("DELETE", "/")]:
        async with http.request(method, f"{exchange_sim.rest_url}{path}") as resp:
            assert resp.status == 200
            body = await resp.json()
            assert body["retCode"] == 10017
            assert_envelope(body)


async def test_public_market_endpoints(
    exchange_sim: ExchangeSim, http: aiohttp.ClientSession
) -> None:
    exchange_sim.trade("BTCUSDT", "60010", "0.5", "Buy")
    _, body, _ = await get(http, exchange_sim, "/v5/market/time", signed=False)
    # Server time is the wall clock (what signatures are checked against).
    assert abs(int(body["result"]["timeSecond"]) - time.time()) < 5
    _, body, _ = await get(
        http, exchange_sim, "/v5/market/tickers", "category=linear&symbol=BTCUSDT", signed=False
    )
    [ticker] = body["result"]["list"]
    assert (ticker["lastPrice"], ticker["ask1Price"], ticker["bid1Price"]) == (
        "60010.00",
        "60010.00",
        "60009.90",
    )
    assert "tickDirection" not in ticker and ticker["basis"] == ""
    _, body, _ = await get(
        http,
        exchange_sim,
        "/v5/market/recent-trade",
        "category=linear&symbol=BTCUSDT&limit=5",
        signed=False,
    )
    [recent] = body["result"]["list"]
    assert (recent["price"], recent["side"], recent["isBlockTrade"]) == ("60010", "Buy", False)
    assert isinstance(recent["time"], str) and isinstance(recent["seq"], str)
    _, body, _ = await get(
        http,
        exchange_sim,
        "/v5/market/kline",
        "category=linear&symbol=BTCUSDT&interval=1",
        signed=False,
    )
    [bar] = body["result"]["list"]
    assert len(bar) == 7 and all(isinstance(v, str) for v in bar)
    _, body, _ = await get(
        http, exchange_sim, "/v5/market/orderbook", "category=linear&symbol=BTCUSDT", signed=False
    )
    assert body["result"]["a"] == [["60010.00", "0.500"]]


async def test_instruments_info_answers_every_ccxt_query(
    exchange_sim: ExchangeSim, http: aiohttp.ClientSession
) -> None:
    _, body, _ = await get(
        http,
        exchange_sim,
        "/v5/market/instruments-info",
        "category=linear&limit=1000",
        signed=False,
    )
    rows = body["result"]["list"]
    assert body["result"]["category"] == "linear" and body["result"]["nextPageCursor"] == ""
    btc = next(r for r in rows if r["symbol"] == "BTCUSDT")
    assert btc["priceFilter"]["tickSize"] == "0.10"
    assert btc["lotSizeFilter"]["qtyStep"] == "0.001" and btc["fundingInterval"] == 480
    for query in (
        "category=spot",
        "category=inverse&limit=1000",
        "category=option&baseCoin=BTC",
        "category=linear&limit=1000&status=PreLaunch",
    ):
        _, body, _ = await get(
            http, exchange_sim, "/v5/market/instruments-info", query, signed=False
        )
        assert body["retCode"] == 0 and body["result"]["list"] == [], query
        assert body["result"]["category"] == query.split("&")[0].split("=")[1]


async def test_ccxt_helper_endpoints(
    exchange_sim: ExchangeSim, http: aiohttp.ClientSession
) -> None:
    _, body, _ = await get(http, exchange_sim, "/v5/user/query-api")
    assert (body["result"]["unified"], body["result"]["uta"]) == (0, 1)
    _, body, _ = await get(http, exchange_sim, "/v5/account/info")
    assert body["result"]["unifiedMarginStatus"] == 6
    _, body, _ = await get(http, exchange_sim, "/v5/asset/coin/query-info")
    assert body["result"] == {"rows": []}
    _, body, _ = await get(
        http, exchange_sim, "/v5/account/fee-rate", "category=linear&symbol=BTCUSDT"
    )
    assert body["result"]["list"] == [
        {"symbol": "BTCUSDT", "baseCoin": "", "takerFeeRate": "0.00055", "makerFeeRate": "0.0002"}
    ]
    _, body, _ = await get(http, exchange_sim, "/v5/account/wallet-balance", "accountType=UNIFIED")
    [wallet] = body["result"]["list"]
    assert wallet["totalEquity"] == "100000" and wallet["coin"][0]["walletBalance"] == "100000"
    _, body, _ = await get(http, exchange_sim, "/v5/account/wallet-balance", "accountType=CONTRACT")
    assert body["retCode"] == 10001 and "accountType" in body["retMsg"]


async def test_rate_limit_is_10006_with_headers(http: aiohttp.ClientSession) -> None:
    # a long window keeps all 13 requests in one window even on a loaded machine
    cfg = manual_config(rate_limit=RateLimitConfig(window_ms=60_000))
    async with ExchangeSim(cfg) as sim:
        await _rate_limit_scenario(sim, http)


async def _rate_limit_scenario(exchange_sim: ExchangeSim, http: aiohttp.ClientSession) -> None:
    bodies = [order_body(price=str(50000 + i)) for i in range(13)]
    replies = await asyncio.gather(
        *(post(http, exchange_sim, "/v5/order/create", b) for b in bodies)
    )
    codes = [r[1]["retCode"] for r in replies]
    assert codes.count(0) == 10 and codes.count(10006) == 3, codes
    now = int(time.time() * 1000)
    for status, body, headers in replies:
        assert status == 200
        assert headers["X-Bapi-Limit"] == "10"
        assert int(headers["X-Bapi-Limit-Reset-Timestamp"]) >= now - 50
        if body["retCode"] == 10006:
            assert headers["X-Bapi-Limit-Status"] == "0"
            assert body["retMsg"] == "Too many visits!"
    statuses = sorted(int(h["X-Bapi-Limit-Status"]) for _, b, h in replies if b["retCode"] == 0)
    assert statuses == list(range(10))
    # other groups and other keys have their own budget
    _, body, _ = await get(
        http, exchange_sim, "/v5/order/realtime", "category=linear&symbol=BTCUSDT"
    )
    assert body["retCode"] == 0


async def test_open_orders_and_executions_paginate_with_cursors(
    exchange_sim: ExchangeSim, http: aiohttp.ClientSession
) -> None:
    batch = {
        "category": "linear",
        "request": [
            {
                "symbol": "BTCUSDT",
                "side": "Buy",
                "orderType": "Limit",
                "qty": "0.001",
                "price": str(59000 - i),
                "positionIdx": 1,
                "orderLinkId": f"p-{i}",
            }
            for i in range(7)
        ],
    }
    _, body, _ = await post(http, exchange_sim, "/v5/order/create-batch", json_body(batch))
    assert [i["code"] for i in body["retExtInfo"]["list"]] == [0] * 7
    seen: list[str] = []
    cursor = ""
    for _ in range(5):
        query = f"category=linear&symbol=BTCUSDT&limit=3{'&cursor=' + cursor if cursor else ''}"
        _, body, _ = await get(http, exchange_sim, "/v5/order/realtime", query)
        seen += [o["orderLinkId"] for o in body["result"]["list"]]
        cursor = body["result"]["nextPageCursor"]
        if not cursor:
            break
        assert cursor.isalnum()
    assert seen == [f"p-{i}" for i in reversed(range(7))]  # newest first, no duplicates
    exchange_sim.trade("BTCUSDT", "58000", "1", "Sell")  # fills all seven
    _, body, _ = await get(
        http, exchange_sim, "/v5/execution/list", "category=linear&symbol=BTCUSDT&limit=4"
    )
    first = body["result"]["list"]
    assert len(first) == 4 and body["result"]["nextPageCursor"]
    query = f"category=linear&symbol=BTCUSDT&limit=4&cursor={body['result']['nextPageCursor']}"
    _, body, _ = await get(http, exchange_sim, "/v5/execution/list", query)
    assert len(body["result"]["list"]) == 3 and body["result"]["nextPageCursor"] == ""
    ids = [e["execId"] for e in first + body["result"]["list"]]
    assert len(set(ids)) == 7


async def test_batch_items_fail_individually_and_cancel_all(
    exchange_sim: ExchangeSim, http: aiohttp.ClientSession
) -> None:
    batch = {
        "category": "linear",
        "request": [
            {
                "symbol": "BTCUSDT",
                "side": "Buy",
                "orderType": "Limit",
                "qty": "0.001",
                "price": "59000",
                "positionIdx": 1,
                "orderLinkId": "dup",
            },
            {
                "symbol": "BTCUSDT",
                "side": "Buy",
                "orderType": "Limit",
                "qty": "0.001",
                "price": "58000",
                "positionIdx": 1,
                "orderLinkId": "dup",
            },
            {
                "symbol": "BTCUSDT",
                "side": "Buy",
                "orderType": "Limit",
                "qty": "0.0001",
                "price": "58000",
                "positionIdx": 1,
            },
        ],
    }
    _, body, _ = await post(http, exchange_sim, "/v5/order/create-batch", json_body(batch))
    assert [i["code"] for i in body["retExtInfo"]["list"]] == [0, 110072, 10001]
    assert body["result"]["list"][1]["orderId"] == ""
    assert body["result"]["list"][0]["orderLinkId"] == "dup"
    _, body, _ = await post(
        http,
        exchange_sim,
        "/v5/order/cancel-all",
        json_body({"category": "linear", "settleCoin": "USDT"}),
    )
    assert body["result"]["success"] == "1" and len(body["result"]["list"]) == 1
    _, body, _ = await post(
        http,
        exchange_sim,
        "/v5/order/cancel",
        json_body({"category": "linear", "symbol": "BTCUSDT", "orderLinkId": "dup"}),
    )
    assert body["retCode"] == 110001
    _, body, _ = await post(
        http, exchange_sim, "/v5/order/cancel-all", json_body({"category": "linear"})
    )
    assert body["retCode"] == 10001


async def test_insufficient_margin_and_position_mode_endpoints(
    exchange_sim: ExchangeSim, http: aiohttp.ClientSession
) -> None:
    _, body, _ = await post(
        http, exchange_sim, "/v5/order/create", order_body(qty="100", price="59000")
    )
    assert body["retCode"] == 110007 and body["retMsg"] == "ab not enough for new order"
    _, body, _ = await post(
        http,
        exchange_sim,
        "/v5/position/switch-mode",
        json_body({"category": "linear", "symbol": "BTCUSDT", "mode": 3}),
    )
    assert body["retCode"] == 110025
    _, body, _ = await post(
        http,
        exchange_sim,
        "/v5/position/switch-mode",
        json_body({"category": "linear", "symbol": "BTCUSDT", "mode": 0}),
    )
    assert body["retCode"] == 0
    _, body, _ = await post(http, exchange_sim, "/v5/order/create", order_body(positionIdx=1))
    assert body["retCode"] == 10001 and "position idx" in body["retMsg"]
    _, body, _ = await post(http, exchange_sim, "/v5/order/create", order_body(positionIdx=0))
    assert body["retCode"] == 0
    lev = {"category": "linear", "symbol": "BTCUSDT", "buyLeverage": "5", "sellLeverage": "5"}
    _, body, _ = await post(http, exchange_sim, "/v5/position/set-leverage", json_body(lev))
    assert body["retCode"] == 0
    _, body, _ = await post(http, exchange_sim, "/v5/position/set-leverage", json_body(lev))
    assert body["retCode"] == 110043
    _, body, _ = await get(
        http, exchange_sim, "/v5/position/list", "category=linear&symbol=BTCUSDT"
    )
    [row] = body["result"]["list"]
    assert (row["positionIdx"], row["leverage"], row["side"], row["size"]) == (0, "5", "", "0.000")
    assert "avgPrice" in row and "entryPrice" not in row
