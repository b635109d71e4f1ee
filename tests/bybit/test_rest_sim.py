"""Every REST endpoint through the adapter against the real simulator over HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

import proto
from bybit import (
    BybitAccountHttpAPI,
    BybitAuthError,
    BybitConfig,
    BybitHttpClient,
    BybitInsufficientBalanceError,
    BybitMarketHttpAPI,
    BybitOrderNotFoundError,
    BybitRateLimitError,
    BybitServerError,
    BybitTimeoutError,
    BybitTradeHttpAPI,
    CancelOrder,
    PlaceOrder,
)
from bybit.bench import run_bench
from services.exchange_sim import ExchangeSim
from tests.fixtures.exchange import manual_config

SYMBOL = "BTCUSDT"


@pytest.fixture
def sim(exchange_sim: ExchangeSim) -> ExchangeSim:
    """The shared manual-market simulator (``tests/fixtures/exchange.py``)."""
    return exchange_sim


def _config(sim: ExchangeSim, account: int = 0, **overrides: Any) -> BybitConfig:
    acct = sim.accounts[account]
    fields: dict[str, Any] = {
        "api_key": acct.api_key,
        "api_secret": acct.api_secret,
        "account_id": f"acct-{account}",
        "rest_url": sim.rest_url,
        "ws_public_url": sim.ws_public_url,
        "ws_private_url": sim.ws_private_url,
        "request_timeout_s": 5.0,
        # The simulator's /v5/market/time is virtual time by default while it checks
        # signatures on the wall clock, so syncing to it would break every signed call.
        "time_sync": False,
    }
    fields.update(overrides)
    return BybitConfig(**fields)


@pytest.fixture
async def http(sim: ExchangeSim) -> AsyncIterator[BybitHttpClient]:
    async with BybitHttpClient(_config(sim)) as client:
        yield client


def _resting_buy(price: str = "30000.0", link: str | None = None, qty: str = "0.001") -> PlaceOrder:
    return PlaceOrder(
        symbol=SYMBOL,
        side="Buy",
        orderType="Limit",
        qty=qty,
        price=price,
        timeInForce="PostOnly",
        positionIdx=1,
        orderLinkId=link,
    )


def _market_buy(qty: str = "0.001") -> PlaceOrder:
    return PlaceOrder(symbol=SYMBOL, side="Buy", orderType="Market", qty=qty, positionIdx=1)


async def test_time_sync_against_a_wall_clock_simulator_signs_valid_requests() -> None:
    async with (
        ExchangeSim(manual_config(server_time="wall")) as sim,
        BybitHttpClient(_config(sim, time_sync=True)) as client,
    ):
        assert abs(client.time_offset_ms) < 1_000
        server = await BybitMarketHttpAPI(client).query_server_time()
        assert abs(int(server.timeSecond) * 1000 - time.time() * 1000) < 5_000
        assert await BybitTradeHttpAPI(client).query_open_orders(SYMBOL) == []


async def test_timestamp_error_resyncs_the_clock_and_retries_once() -> None:
    def late_clock() -> int:  # the local clock is a minute behind the exchange
        return time.time_ns() - 60_000_000_000

    async with ExchangeSim(manual_config(server_time="wall")) as sim:
        config = _config(sim, time_sync=False)
        async with BybitHttpClient(config, clock_ns=late_clock) as client:
            assert await BybitTradeHttpAPI(client).query_open_orders(SYMBOL) == []
            assert 59_000 < client.time_offset_ms < 61_000


async def test_instruments_tickers_and_recent_trades(
    sim: ExchangeSim, http: BybitHttpClient
) -> None:
    market = BybitMarketHttpAPI(http)
    instruments = {i.symbol: i for i in await market.query_instruments()}
    assert instruments[SYMBOL].priceFilter.tickSize == "0.10"
    assert instruments[SYMBOL].lotSizeFilter.qtyStep == "0.001"
    sim.trade(SYMBOL, "60010.5", "0.002", side="Sell")
    sim.trade(SYMBOL, "60011.0", "0.003", side="Buy")
    frame = await market.request_recent_trades(SYMBOL, limit=2)
    assert frame is not None and frame.backfilled
    assert [(t.price, t.qty, t.side) for t in frame.trades] == [
        (Decimal("60010.5"), Decimal("0.002"), proto.Side.SELL),
        (Decimal("60011.0"), Decimal("0.003"), proto.Side.BUY),
    ]
    (ticker,) = await market.request_tickers(SYMBOL)
    assert ticker.symbol == SYMBOL and ticker.last_price == Decimal("60011.0")
    assert ticker.event_id.startswith(f"ticker:{SYMBOL}:rest:")


async def test_place_and_cancel_order_matches_ground_truth(
    sim: ExchangeSim, http: BybitHttpClient
) -> None:
    trade = BybitTradeHttpAPI(http)
    ack = await trade.place_order(_resting_buy(link="grid-a-1"))
    assert ack.orderLinkId == "grid-a-1"
    key = sim.accounts[0].api_key
    assert [o["orderId"] for o in sim.open_orders(key)] == [ack.orderId]
    (update,) = await trade.request_open_orders(SYMBOL)
    assert (update.order_id, update.status, update.price) == (
        ack.orderId,
        proto.OrderStatus.NEW,
        Decimal("30000.0"),
    )
    cancelled = await trade.cancel_order(SYMBOL, order_link_id="grid-a-1")
    assert cancelled.orderId == ack.orderId
    assert sim.open_orders(key) == []
    with pytest.raises(BybitOrderNotFoundError) as info:
        await trade.cancel_order(SYMBOL, order_id=ack.orderId)
    assert info.value.ret_code == 110001


async def test_order_by_link_id_finds_open_then_closed_orders(http: BybitHttpClient) -> None:
    trade = BybitTradeHttpAPI(http)
    assert await trade.request_order_by_link_id(SYMBOL, "never-sent") is None
    ack = await trade.place_order(_resting_buy(link="grid-b-1"))
    found = await trade.request_order_by_link_id(SYMBOL, "grid-b-1")
    assert found is not None and found.order_id == ack.orderId and found.backfilled
    await trade.cancel_order(SYMBOL, order_id=ack.orderId)
    closed = await trade.request_order_by_link_id(SYMBOL, "grid-b-1")
    assert closed is not None and closed.status is proto.OrderStatus.CANCELLED
    (history,) = await trade.query_order_history(SYMBOL, order_link_id="grid-b-1")
    assert (history.orderId, history.orderStatus) == (ack.orderId, "Cancelled")
    assert closed.event_id.startswith(f"order:{ack.orderId}:")


async def test_cancel_all_cancels_every_open_order(sim: ExchangeSim, http: BybitHttpClient) -> None:
    trade = BybitTradeHttpAPI(http)
    acks = [await trade.place_order(_resting_buy(price=f"3000{i}.0")) for i in range(3)]
    cancelled = await trade.cancel_all(SYMBOL)
    assert sorted(a.orderId for a in cancelled) == sorted(a.orderId for a in acks)
    assert sim.open_orders(sim.accounts[0].api_key) == []


async def test_batch_place_and_cancel_are_index_aligned_with_typed_item_errors(
    sim: ExchangeSim, http: BybitHttpClient
) -> None:
    trade = BybitTradeHttpAPI(http)
    orders = [_resting_buy("30000.0"), _resting_buy("30001.0", qty="1000"), _resting_buy("30002.0")]
    placed = await trade.place_batch(orders)
    assert [o.ok for o in placed] == [True, False, True]
    assert isinstance(placed[1].error(), BybitInsufficientBalanceError)
    open_ids = {o["orderId"] for o in sim.open_orders(sim.accounts[0].api_key)}
    assert open_ids == {placed[0].order_id, placed[2].order_id}
    cancels = [CancelOrder(symbol=SYMBOL, orderId=o.order_id) for o in (placed[0], placed[2])]
    cancels.append(CancelOrder(symbol=SYMBOL, orderId="no-such-order"))
    outcome = await trade.cancel_batch(cancels)
    assert [o.ok for o in outcome] == [True, True, False]
    assert isinstance(outcome[2].error(), BybitOrderNotFoundError)
    assert sim.open_orders(sim.accounts[0].api_key) == []


async def test_open_orders_iterate_every_page(sim: ExchangeSim, http: BybitHttpClient) -> None:
    trade = BybitTradeHttpAPI(http)
    for batch in range(3):  # 60 orders: two pages of 50 + 10
        orders = [_resting_buy(f"{20000 + batch * 100 + i}.0") for i in range(20)]
        assert all(o.ok for o in await trade.place_batch(orders))
    rows = await trade.query_open_orders(SYMBOL)
    truth = sim.open_orders(sim.accounts[0].api_key)
    assert len(rows) == 60
    assert {r.orderId for r in rows} == {o["orderId"] for o in truth}
    assert len({r.orderId for r in rows}) == 60


async def test_executions_positions_and_wallet_after_fills(
    sim: ExchangeSim, http: BybitHttpClient
) -> None:
    trade = BybitTradeHttpAPI(http)
    for _ in range(6):  # 120 market fills: executions take two pages of 100
        assert all(o.ok for o in await trade.place_batch([_market_buy()] * 20))
    executions = await trade.request_executions(SYMBOL)
    truth = sim.executions(sim.accounts[0].api_key, SYMBOL)
    assert len(executions) == len(truth) == 120
    assert {e.exec_id for e in executions} == {t["execId"] for t in truth}
    assert all(e.exec_type is proto.ExecType.TRADE and e.fee > 0 for e in executions)
    assert [e.event_id for e in executions[:1]] == [f"exec:{executions[0].exec_id}"]
    account = BybitAccountHttpAPI(http)
    positions = {p.position_idx: p for p in await account.request_positions(SYMBOL)}
    assert positions[1].side is proto.Side.BUY and positions[1].size == Decimal("0.120")
    assert positions[1].event_id.startswith("position:acct-0:BTCUSDT:1:")
    (usdt,) = [w for w in await account.request_wallet() if w.coin == "USDT"]
    fees = sum((e.fee for e in executions), Decimal(0))
    assert usdt.wallet_balance == Decimal("100000") - fees
    assert usdt.backfilled and usdt.account_id == "acct-0"


async def test_wrong_secret_is_an_auth_error(sim: ExchangeSim) -> None:
    async with BybitHttpClient(_config(sim, api_secret="not-the-secret")) as client:
        with pytest.raises(BybitAuthError) as info:
            await BybitTradeHttpAPI(client).query_open_orders(SYMBOL)
    assert info.value.ret_code == 10004
    assert "not-the-secret" not in str(info.value)


async def test_rate_limit_10006_waits_until_reset_then_succeeds(
    sim: ExchangeSim, http: BybitHttpClient
) -> None:
    sim.rate_limiter.set_limit("order_create", 3)
    trade = BybitTradeHttpAPI(http)
    started = time.monotonic()
    acks = await asyncio.gather(*(trade.place_order(_resting_buy(f"3{i:04d}.0")) for i in range(7)))
    assert len({a.orderId for a in acks}) == 7
    assert sim.rate_limiter.rejected >= 1  # the exchange did answer 10006
    assert http.rate_limiter.waits >= 1
    assert time.monotonic() - started >= 0.5  # waited for a window reset, did not spin


async def test_persistent_10006_raises_with_reset_time(sim: ExchangeSim) -> None:
    sim.faults.set_error_rate(1.0, "rate_limit")
    async with BybitHttpClient(_config(sim, rate_limit_retries=1, time_sync=False)) as client:
        with pytest.raises(BybitRateLimitError) as info:
            await BybitTradeHttpAPI(client).query_open_orders(SYMBOL)
    assert info.value.ret_code == 10006 and info.value.reset_ms is not None
    assert client.rate_limiter.waits == 1


async def test_http_5xx_is_a_server_error(sim: ExchangeSim, http: BybitHttpClient) -> None:
    sim.faults.set_error_rate(1.0, "http_5xx", http_status=503)
    with pytest.raises(BybitServerError) as info:
        await BybitMarketHttpAPI(http).query_tickers(SYMBOL)
    assert info.value.http_status == 503 and info.value.retryable


async def test_delay_beyond_the_timeout_is_a_timeout_error(sim: ExchangeSim) -> None:
    async with BybitHttpClient(_config(sim, request_timeout_s=0.2)) as client:
        sim.faults.set_delay(1_000)
        with pytest.raises(BybitTimeoutError):
            await BybitTradeHttpAPI(client).place_order(_resting_buy())
        sim.faults.set_delay(0)


async def test_bench_reports_place_cancel_latency(sim: ExchangeSim) -> None:
    rows = await run_bench(sim, n=20, warmup=2)
    by_name = {row["name"]: row for row in rows}
    assert set(by_name["rest_place_cancel_rtt_p50"]) == {"name", "value", "unit", "note"}
    assert (
        0
        < by_name["rest_place_cancel_rtt_p50"]["value"]
        <= by_name["rest_place_cancel_rtt_p99"]["value"]
    )
    assert sim.open_orders(sim.accounts[0].api_key) == []
    assert sim.rate_limiter.limit_of("order_create") == 10
