"""Matching throughput: feed trades per second with 100 resting orders, speed "max".

`python -m services.exchange_sim.bench [FILE]` prints the figures as JSON lines.
"""

import asyncio
import json
import pathlib
import sys
import time
from decimal import Decimal
from typing import Any

from services.exchange_sim.clock import VirtualClock
from services.exchange_sim.config import (
    AccountConfig,
    FeedConfig,
    FileFeed,
    RandomWalkFeed,
    RateLimitConfig,
    SimConfig,
)
from services.exchange_sim.feed import FeedReader
from services.exchange_sim.server import ExchangeSim
from venue.errors import BybitError
from venue.funding import FundingSchedule
from venue.ids import IdGen
from venue.kernel import Venue
from venue.models import OrderRequest, Trade

__all__ = ["run_bench"]

RESTING = 100
SPACING_TICKS = 20


def _config(feed_path: pathlib.Path | None, n_trades: int) -> SimConfig:
    feed: FeedConfig = (
        FileFeed(path=str(feed_path))
        if feed_path is not None
        else RandomWalkFeed(symbol="BTCUSDT", n_trades=n_trades)
    )
    return SimConfig(
        speed="max",
        seed=1,
        feeds=(feed,),
        accounts=(AccountConfig(api_key="BENCH", api_secret="bench", usdt=Decimal("10000000")),),
        rate_limit=RateLimitConfig(enabled=False),
    )


def _read_all(cfg: SimConfig) -> tuple[list[Trade], float]:
    reader = FeedReader(cfg.feeds, {i.symbol: i for i in cfg.instruments}, cfg.seed)
    start = time.perf_counter()
    trades: list[Trade] = []
    while chunk := reader.next_chunk(8192):
        trades.extend(chunk)
    elapsed = time.perf_counter() - start
    reader.close()
    return trades, elapsed


def _place_grid(ex: Venue, symbol: str, center: Decimal) -> None:
    """RESTING orders: half buys below, half sells above `center`, SPACING_TICKS apart."""
    inst = ex.markets[symbol].inst
    center = (center / inst.tick_size).to_integral_value() * inst.tick_size
    for i in range(1, RESTING // 2 + 1):
        offset = inst.tick_size * SPACING_TICKS * i
        for side, idx, price in (("Buy", 1, center - offset), ("Sell", 2, center + offset)):
            req = OrderRequest(symbol, side, "Limit", inst.min_qty * 5, price, "GTC", idx)
            ex.place("BENCH", req)


def _replenish(ex: Venue, symbol: str, before: int) -> None:
    """Hedge-grid behaviour: a completed order re-quotes its qty one step away on the other
    side, in the same position (open long -> close long above, close long -> open long below,
    and mirrored for the short side), so the book stays near RESTING orders."""
    acct = ex.accounts["BENCH"]
    step = ex.markets[symbol].inst.tick_size * SPACING_TICKS
    for execution in acct.executions[before:]:
        order = acct.orders.get(execution.order_id)
        if order is None or order.leaves_qty:
            continue
        side = "Sell" if order.side == "Buy" else "Buy"
        price = order.price + step if order.side == "Buy" else order.price - step
        req = OrderRequest(symbol, side, "Limit", order.qty, price, "GTC", order.position_idx)
        try:
            ex.place("BENCH", req)
        except BybitError:
            continue


def _engine_core(cfg: SimConfig, trades: list[Trade]) -> tuple[float, int, int]:
    clock = VirtualClock(trades[0].ts_ms, None)
    ex = Venue(cfg, clock.now_ms, IdGen(cfg.seed), FundingSchedule(cfg.funding))
    symbol = trades[0].symbol
    ex.set_initial_price(symbol, trades[0].price)
    _place_grid(ex, symbol, trades[0].price)
    acct = ex.accounts["BENCH"]
    start = time.perf_counter()
    for trade in trades:
        clock.advance_to(trade.ts_ms)
        before = len(acct.executions)
        ex.on_trades((trade,))
        if len(acct.executions) != before:
            _replenish(ex, symbol, before)
    elapsed = time.perf_counter() - start
    return elapsed, len(acct.executions), len(acct.open_orders)


async def _sim_feed(cfg: SimConfig) -> tuple[float, int, int]:
    async with ExchangeSim(cfg) as sim:
        ex = sim.exchange
        symbol, market = next((s, m) for s, m in ex.markets.items() if m.last_price is not None)
        assert market.last_price is not None
        _place_grid(ex, symbol, market.last_price)
        start = time.perf_counter()
        await sim.start_feed()
        played = await sim.feed_done()
        elapsed = time.perf_counter() - start
        return elapsed, played, len(ex.accounts["BENCH"].executions)


def _row(name: str, value: float, unit: str, note: str) -> dict[str, Any]:
    return {"name": name, "value": round(value, 1), "unit": unit, "note": note}


async def run_bench(
    feed_path: pathlib.Path | None, *, n_trades: int = 200_000
) -> list[dict[str, Any]]:
    """Throughput figures; `feed_path` None uses a seeded random walk of `n_trades`."""
    cfg = _config(feed_path, n_trades)
    source = feed_path.name if feed_path is not None else f"random walk ({n_trades} trades)"
    trades, parse_s = await asyncio.to_thread(_read_all, cfg)
    if not trades:
        raise ValueError("the feed has no trades")
    core_s, core_fills, resting = await asyncio.to_thread(_engine_core, cfg, trades)
    sim_s, played, sim_fills = await _sim_feed(cfg)
    n = len(trades)
    return [
        _row(
            "engine_core_trades_per_s",
            n / core_s,
            "trades/s",
            f"{source}: Venue.on_trades only (trades pre-parsed, no server, no WS clients, "
            f"events discarded), {RESTING} resting orders re-quoted grid-style after each fill; "
            f"{core_fills} fills, {resting} resting at the end",
        ),
        _row(
            "sim_feed_trades_per_s",
            played / sim_s,
            "trades/s",
            f"{source}: ExchangeSim at speed max, start_feed()..feed_done(), CSV parsing in a "
            f"worker thread, pump + engine, no WS clients connected; {RESTING} resting orders "
            f"placed before the feed (not re-quoted); {sim_fills} fills",
        ),
        _row(
            "feed_parse_trades_per_s",
            n / parse_s,
            "trades/s",
            f"{source}: FeedReader.next_chunk alone (file decode/parse or walk generation)",
        ),
        _row("engine_core_fills", core_fills, "fills", "fills during engine_core_trades_per_s"),
    ]


def main() -> None:
    path = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else None
    for row in asyncio.run(run_bench(path)):
        print(json.dumps(row))


if __name__ == "__main__":
    main()
