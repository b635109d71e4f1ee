"""Unmodified sync `ccxt.bybit` with `urls['api']` pointed at the simulator (spec §6)."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import ccxt
import pytest

from services.exchange_sim import ExchangeSim
from tests.fixtures.exchange import ACCOUNTS

BTC = "BTC/USDT:USDT"


def make_client(sim: ExchangeSim, key: str, secret: str) -> ccxt.bybit:
    return ccxt.bybit(
        {
            "apiKey": key,
            "secret": secret,
            "enableRateLimit": False,
            "urls": {
                "api": {k: sim.rest_url for k in ("spot", "futures", "v2", "public", "private")}
            },
        }
    )


@pytest.fixture
async def client(exchange_sim: ExchangeSim) -> AsyncIterator[ccxt.bybit]:
    ex = make_client(exchange_sim, ACCOUNTS[0].api_key, ACCOUNTS[0].api_secret)
    yield ex
    ex.session.close()


async def test_ccxt_markets_ticker_balance_orders_trades_positions(
    exchange_sim: ExchangeSim, client: ccxt.bybit
) -> None:
    def phase_one() -> dict[str, Any]:
        out: dict[str, Any] = {"markets": client.load_markets()}
        out["ticker"] = client.fetch_ticker(BTC)
        out["balance"] = client.fetch_balance()
        out["resting"] = client.create_order(
            BTC, "limit", "buy", 0.01, 59000, {"positionIdx": 1, "clientOrderId": "ccxt-1"}
        )
        out["taker"] = client.create_order(BTC, "limit", "buy", 0.01, 60500, {"positionIdx": 1})
        out["open"] = client.fetch_open_orders(BTC)
        return out

    out = await asyncio.to_thread(phase_one)
    market = out["markets"][BTC]
    assert (market["linear"], market["swap"], market["settle"]) == (True, True, "USDT")
    assert market["precision"]["price"] == 0.1 and market["precision"]["amount"] == 0.001
    assert set(out["markets"]) == {BTC, "ETH/USDT:USDT"}
    assert out["ticker"]["last"] == 60000.0
    assert out["balance"]["USDT"]["total"] == 100000.0
    [resting] = out["open"]
    assert (resting["id"], resting["clientOrderId"], resting["price"], resting["status"]) == (
        out["resting"]["id"],
        "ccxt-1",
        59000.0,
        "open",
    )

    exchange_sim.trade("BTCUSDT", "58990", "1", "Sell")  # fills the resting order as maker

    def phase_two() -> dict[str, Any]:
        out = {"trades": client.fetch_my_trades(BTC)}
        out["positions"] = client.fetch_positions([BTC])
        out["balance"] = client.fetch_balance()
        client.create_order(
            BTC, "limit", "sell", 0.01, 62000, {"positionIdx": 1, "reduceOnly": True}
        )
        out["cancel_all"] = client.cancel_all_orders(BTC)
        out["open"] = client.fetch_open_orders(BTC)
        out["book"] = client.fetch_order_book(BTC)
        out["ohlcv"] = client.fetch_ohlcv(BTC, "1m")
        out["public_trades"] = client.fetch_trades(BTC)
        return out

    out = await asyncio.to_thread(phase_two)
    trades = sorted(out["trades"], key=lambda t: t["price"])
    assert [(t["price"], t["amount"], t["takerOrMaker"]) for t in trades] == [
        (59000.0, 0.01, "maker"),
        (60000.0, 0.01, "taker"),
    ]
    assert trades[0]["fee"]["cost"] == pytest.approx(59000 * 0.01 * 0.0002)
    long = next(p for p in out["positions"] if p["side"] == "long")
    assert long["contracts"] == 0.02 and long["entryPrice"] == 59500.0
    assert out["balance"]["USDT"]["total"] < 100000.0
    assert out["open"] == [] and len(out["cancel_all"]) >= 0
    assert out["book"]["bids"][0][0] == 58990.0
    assert out["ohlcv"] and out["public_trades"][-1]["price"] == 58990.0


async def test_ccxt_cancel_order_and_error_mapping(
    exchange_sim: ExchangeSim, client: ccxt.bybit
) -> None:
    def run() -> dict[str, Any]:
        out: dict[str, Any] = {}
        order = client.create_order(
            BTC, "limit", "buy", 0.01, 59000, {"positionIdx": 1, "clientOrderId": "dup-1"}
        )
        out["cancelled"] = client.cancel_order(order["id"], BTC)
        for name, call in [
            (
                "duplicate",
                lambda: client.create_order(
                    BTC, "limit", "buy", 0.01, 59000, {"positionIdx": 1, "clientOrderId": "dup-1"}
                ),
            ),
            (
                "funds",
                lambda: client.create_order(BTC, "limit", "buy", 100, 59000, {"positionIdx": 1}),
            ),
            ("missing", lambda: client.cancel_order(order["id"], BTC)),
        ]:
            try:
                call()
            except ccxt.BaseError as exc:
                out[name] = exc
        return out

    out = await asyncio.to_thread(run)
    assert out["cancelled"]["id"]
    assert isinstance(out["duplicate"], ccxt.InvalidOrder)
    assert isinstance(out["funds"], ccxt.InsufficientFunds)
    assert isinstance(out["missing"], ccxt.OrderNotFound)


async def test_ccxt_wrong_secret_is_an_authentication_error(exchange_sim: ExchangeSim) -> None:
    ex = make_client(exchange_sim, ACCOUNTS[0].api_key, "wrong")
    try:
        with pytest.raises(ccxt.AuthenticationError):
            await asyncio.to_thread(ex.fetch_positions, [BTC], {"type": "swap"})
    finally:
        ex.session.close()
