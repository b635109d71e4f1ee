"""Public and private websockets through the adapter against the real simulator."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

import pytest

import proto
from bybit import (
    BybitAccountHttpAPI,
    BybitAuthError,
    BybitConfig,
    BybitHttpClient,
    BybitTradeHttpAPI,
    BybitWebSocketClient,
    PlaceOrder,
    WsState,
)
from services.exchange_sim import ExchangeSim

SYMBOL = "BTCUSDT"
E = TypeVar("E")


@pytest.fixture
def sim(exchange_sim: ExchangeSim) -> ExchangeSim:
    """The shared manual-market simulator (``tests/fixtures/exchange.py``)."""
    return exchange_sim


def _config(sim: ExchangeSim, **overrides: Any) -> BybitConfig:
    acct = sim.accounts[0]
    fields: dict[str, Any] = {
        "api_key": acct.api_key,
        "api_secret": acct.api_secret,
        "account_id": "acct-0",
        "rest_url": sim.rest_url,
        "ws_public_url": sim.ws_public_url,
        "ws_private_url": sim.ws_private_url,
        "ws_reconnect_min_s": 0.05,
        "ws_reconnect_max_s": 0.2,
        "time_sync": False,  # see test_rest_sim._config
    }
    fields.update(overrides)
    return BybitConfig(**fields)


async def _next(ws: BybitWebSocketClient, kind: type[E], timeout_s: float = 3.0) -> E:
    """The next event of ``kind`` (others are skipped)."""
    async with asyncio.timeout(timeout_s):
        while True:
            event = await ws.recv()
            if isinstance(event, kind):
                return event


async def _eventually(condition: Callable[[], bool], timeout_s: float = 3.0) -> None:
    """Poll a counter the client exposes (there is no event for it)."""
    for _ in range(int(timeout_s / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


def _market_buy(qty: str = "0.002") -> PlaceOrder:
    return PlaceOrder(symbol=SYMBOL, side="Buy", orderType="Market", qty=qty, positionIdx=1)


async def test_public_trades_and_tickers_arrive_as_proto(sim: ExchangeSim) -> None:
    async with BybitWebSocketClient.public(_config(sim), [SYMBOL]) as ws:
        await ws.wait_connected(3)
        sim.trade(SYMBOL, "60100.5", "0.004", side="Sell")
        frame = await _next(ws, proto.TradeFrame)
        (trade,) = frame.trades
        assert (trade.price, trade.qty, trade.side) == (
            Decimal("60100.5"),
            Decimal("0.004"),
            proto.Side.SELL,
        )
        assert frame.event_id == f"trade:{SYMBOL}:{trade.trade_id}:{trade.trade_id}"
        ticker = await _next(ws, proto.Ticker)
        assert ticker.symbol == SYMBOL and ticker.last_price > 0
        assert ws.parse_errors == 0


async def test_private_stream_ids_match_rest_backfill(sim: ExchangeSim) -> None:
    config = _config(sim)
    async with BybitHttpClient(config) as http, BybitWebSocketClient.private(config) as ws:
        await ws.wait_connected(3)
        trade = BybitTradeHttpAPI(http)
        resting = PlaceOrder(
            symbol=SYMBOL,
            side="Buy",
            orderType="Limit",
            qty="0.001",
            price="30000.0",
            timeInForce="PostOnly",
            positionIdx=1,
            orderLinkId="ws-1",
        )
        ack = await trade.place_order(resting)
        live = await _next(ws, proto.OrderUpdate)
        (backfilled,) = await trade.request_open_orders(SYMBOL)
        assert live.event_id == backfilled.event_id
        assert (live.order_id, live.order_link_id, live.account_id) == (
            ack.orderId,
            "ws-1",
            "acct-0",
        )

        await trade.place_order(_market_buy())
        execution = await _next(ws, proto.Execution)
        (rest_exec,) = await trade.request_executions(SYMBOL)
        assert execution.event_id == rest_exec.event_id == f"exec:{execution.exec_id}"
        assert (execution.exec_type, execution.qty, execution.is_maker) == (
            proto.ExecType.TRADE,
            Decimal("0.002"),
            False,
        )
        assert execution.fee == rest_exec.fee and execution.fee > 0
        position = await _next(ws, proto.Position)
        assert position.symbol == SYMBOL and position.account_id == "acct-0"
        wallet = await _next(ws, proto.Wallet)
        assert wallet.coin == "USDT" and wallet.event_id.startswith("wallet:acct-0:USDT:")
        rest_positions = {
            p.position_idx: p for p in await BybitAccountHttpAPI(http).request_positions(SYMBOL)
        }
        assert rest_positions[position.position_idx].event_id == position.event_id
        assert position.size == Decimal("0.002") and position.side is proto.Side.BUY


async def test_public_drop_reconnects_resubscribes_and_reports_the_outage(
    sim: ExchangeSim,
) -> None:
    async with BybitWebSocketClient.public(_config(sim), [SYMBOL]) as ws:
        await ws.wait_connected(3)
        assert sim.faults.drop_ws() >= 1
        outage = await asyncio.wait_for(ws.disconnects.get(), 5)
        assert outage.stream == "public" and outage.reason
        assert 0 < outage.started_ns < outage.ended_ns
        assert ws.reconnects == 1 and ws.state is WsState.CONNECTED and ws.down_since_ns is None
        sim.trade(SYMBOL, "60200.0", "0.001")
        frame = await _next(ws, proto.TradeFrame)
        assert frame.trades[-1].price == Decimal("60200.0")


async def test_private_drop_reconnects_with_auth_and_keeps_streaming(sim: ExchangeSim) -> None:
    config = _config(sim)
    async with BybitHttpClient(config) as http, BybitWebSocketClient.private(config) as ws:
        await ws.wait_connected(3)
        assert sim.faults.drop_ws(config.api_key) == 1
        outage = await asyncio.wait_for(ws.disconnects.get(), 5)
        assert outage.stream == "private:acct-0" and outage.ended_ns > outage.started_ns
        await BybitTradeHttpAPI(http).place_order(_market_buy())
        execution = await _next(ws, proto.Execution)
        assert execution.exec_type is proto.ExecType.TRADE


async def test_wrong_secret_on_private_stream_is_fatal_auth_error(sim: ExchangeSim) -> None:
    ws = BybitWebSocketClient.private(_config(sim, api_secret="wrong-secret"))
    async with ws:
        with pytest.raises(BybitAuthError):
            await ws.wait_connected(3)
        with pytest.raises(BybitAuthError):
            await ws.recv()
        assert ws.state is WsState.CLOSED


async def test_full_queue_drops_and_counts_but_keeps_running(sim: ExchangeSim) -> None:
    async with BybitWebSocketClient.public(_config(sim, ws_queue_size=2), [SYMBOL]) as ws:
        await ws.wait_connected(3)
        for i in range(6):
            sim.trade(SYMBOL, f"6030{i}.0", "0.001")
        await _eventually(lambda: ws.dropped_events > 0)
        assert ws.queued == 2 and ws.state is WsState.CONNECTED
        await ws.recv()
        sim.trade(SYMBOL, "60400.0", "0.001")
        async with asyncio.timeout(3):
            while True:
                event = await ws.recv()
                if isinstance(event, proto.TradeFrame) and event.trades[-1].price == Decimal(
                    "60400.0"
                ):
                    break


async def test_funding_settlement_is_its_own_exec_type(sim: ExchangeSim) -> None:
    config = _config(sim)
    async with BybitHttpClient(config) as http, BybitWebSocketClient.private(config) as ws:
        await ws.wait_connected(3)
        trade = BybitTradeHttpAPI(http)
        await trade.place_order(_market_buy())
        await _next(ws, proto.Execution)
        sim.advance_time(sim.now_ms() + 8 * 3_600_000 + 1)
        funding = await _next(ws, proto.Execution)
        assert funding.exec_type is proto.ExecType.FUNDING
        rest = {e.exec_id: e for e in await trade.request_executions(SYMBOL)}
        assert rest[funding.exec_id].exec_type is proto.ExecType.FUNDING
        assert rest[funding.exec_id].fee == funding.fee


async def test_json_pings_keep_idle_public_and_private_streams_alive(sim: ExchangeSim) -> None:
    config = _config(sim, ws_ping_interval_s=0.05, ws_pong_timeout_s=0.15)
    public = BybitWebSocketClient.public(config, [SYMBOL])
    private = BybitWebSocketClient.private(config)
    async with public, private:
        await public.wait_connected(3)
        await private.wait_connected(3)
        await asyncio.sleep(0.6)  # no market data: only pongs arrive
        assert (public.reconnects, private.reconnects) == (0, 0)
        assert public.frames_received > 5 and private.frames_received > 5
