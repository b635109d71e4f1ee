"""REST place+cancel round-trip latency through the adapter against a running simulator.

``await run_bench(sim)`` takes anything shaped like ``services.exchange_sim.ExchangeSim``
(``rest_url``, ``accounts``, ``rate_limiter``); the adapter does not import the simulator.
Each pair is a PostOnly limit buy far below the market followed by its cancel, measured
from before the place to after the cancel's answer (signing, HTTP, JSON, both ways).
The simulator's order rate limits are lifted for the run (and restored) so the figures are
latency, not the 10/s budget.
"""

from __future__ import annotations

import statistics
import time
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, Protocol

from bybit.config import BybitConfig
from bybit.http.client import BybitHttpClient
from bybit.http.market import BybitMarketHttpAPI
from bybit.http.schemas import Instrument, PlaceOrder
from bybit.http.trade import BybitTradeHttpAPI, decimal_str

_GROUPS = ("order_create", "order_cancel")


class _Limiter(Protocol):
    def limit_of(self, group: str) -> int: ...
    def set_limit(self, group: str, limit: int) -> None: ...


class SimLike(Protocol):
    @property
    def rest_url(self) -> str: ...
    @property
    def accounts(self) -> Any: ...
    @property
    def rate_limiter(self) -> _Limiter: ...


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _resting_order(inst: Instrument, last: Decimal, position_idx: int) -> PlaceOrder:
    tick = Decimal(inst.priceFilter.tickSize)
    step = Decimal(inst.lotSizeFilter.qtyStep)
    price = (last / 2 / tick).to_integral_value(ROUND_FLOOR) * tick
    min_notional = Decimal(inst.lotSizeFilter.minNotionalValue or "0")
    qty = max(
        Decimal(inst.lotSizeFilter.minOrderQty),
        (min_notional / price / step).to_integral_value(ROUND_CEILING) * step,
    )
    return PlaceOrder(
        symbol=inst.symbol,
        side="Buy",
        orderType="Limit",
        qty=decimal_str(qty),
        price=decimal_str(price),
        timeInForce="PostOnly",
        positionIdx=position_idx,
    )


async def _pairs(trade: BybitTradeHttpAPI, order: PlaceOrder, n: int) -> list[tuple[int, int]]:
    """(place ns, place+cancel ns) for ``n`` pairs."""
    samples = []
    for _ in range(n):
        start = time.perf_counter_ns()
        ack = await trade.place_order(order)
        placed = time.perf_counter_ns()
        await trade.cancel_order(order.symbol, order_id=ack.orderId)
        samples.append((placed - start, time.perf_counter_ns() - start))
    return samples


async def run_bench(sim: SimLike, n: int = 500, warmup: int = 20) -> list[dict[str, Any]]:
    account = sim.accounts[0]
    config = BybitConfig(
        api_key=account.api_key,
        api_secret=account.api_secret,
        rest_url=sim.rest_url,
        time_sync=False,  # the simulator checks timestamps on the wall clock
    )
    saved = {group: sim.rate_limiter.limit_of(group) for group in _GROUPS}
    for group in _GROUPS:
        sim.rate_limiter.set_limit(group, 1_000_000)
    try:
        async with BybitHttpClient(config) as http:
            (inst, *_) = await BybitMarketHttpAPI(http).query_instruments()
            (ticker,) = await BybitMarketHttpAPI(http).query_tickers(inst.symbol)
            idx = 1 if getattr(account, "hedge_mode", False) else 0
            order = _resting_order(inst, Decimal(ticker.lastPrice), idx)
            trade = BybitTradeHttpAPI(http)
            await _pairs(trade, order, warmup)
            started = time.perf_counter()
            samples = await _pairs(trade, order, n)
            elapsed = time.perf_counter() - started
    finally:
        for group, limit in saved.items():
            sim.rate_limiter.set_limit(group, limit)
    return _report(samples, elapsed, n)


def _report(samples: list[tuple[int, int]], elapsed_s: float, n: int) -> list[dict[str, Any]]:
    pair_ms = [total / 1e6 for _, total in samples]
    place_ms = [place / 1e6 for place, _ in samples]
    note = f"N={n} sequential pairs, loopback, PostOnly limit + cancel by orderId"
    rows = [
        ("rest_place_cancel_rtt_p50", _quantile(pair_ms, 0.50), "ms"),
        ("rest_place_cancel_rtt_p99", _quantile(pair_ms, 0.99), "ms"),
        ("rest_place_cancel_rtt_mean", statistics.fmean(pair_ms), "ms"),
        ("rest_place_p50", _quantile(place_ms, 0.50), "ms"),
        ("rest_place_p99", _quantile(place_ms, 0.99), "ms"),
        ("rest_place_cancel_pairs_per_s", n / elapsed_s, "pairs/s"),
    ]
    return [
        {"name": name, "value": round(value, 3), "unit": unit, "note": note}
        for name, value, unit in rows
    ]
