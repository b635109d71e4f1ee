"""Public market routes. Non-linear categories answer empty lists (ccxt asks for them)."""

from decimal import Decimal
from typing import Any

from services.exchange_sim.render import render_instrument, render_ticker
from services.exchange_sim.rest_types import Ctx, Result, Route
from venue.errors import BybitError
from venue.market import MINUTE_MS, Bar, Market
from venue.numbers import fmt, fmt_scaled

__all__ = ["ROUTES"]

ALL_CATEGORIES = ("linear", "spot", "inverse", "option")
KLINE_MINUTES = {
    **{str(m): m for m in (1, 3, 5, 15, 30, 60, 120, 240, 360, 720)},
    "D": 1440,
    "W": 10080,
}
WEEK_OFFSET_MS = 4 * 86_400_000  # epoch was a Thursday; weekly bars open on Monday


def server_time(ctx: Ctx) -> Result:
    now = ctx.state.server_ms()
    return {"timeSecond": str(now // 1000), "timeNano": str(now * 1_000_000)}


def instruments_info(ctx: Ctx) -> Result:
    p = ctx.params
    category = p.category(allowed=ALL_CATEGORIES)
    p.integer("limit", default=500, lo=1, hi=1000)
    status = p.text("status")
    symbol, base = p.text("symbol"), p.text("baseCoin")
    rows: list[dict[str, Any]] = []
    if category == "linear" and status in ("", "Trading"):
        interval = ctx.exchange.funding.interval_hours * 60
        rows = [
            render_instrument(m.inst, interval)
            for s, m in sorted(ctx.exchange.markets.items())
            if (not symbol or s == symbol) and (not base or m.inst.base_coin == base)
        ]
    return {"category": category, "list": rows, "nextPageCursor": ""}


def _rest_ticker(market: Market) -> dict[str, str]:
    ticker = render_ticker(market)
    del ticker["tickDirection"]
    ticker["basis"] = ""
    return ticker


def tickers(ctx: Ctx) -> Result:
    p = ctx.params
    category = p.category(allowed=ALL_CATEGORIES)
    symbol = p.text("symbol")
    rows: list[dict[str, str]] = []
    if category == "linear":
        if symbol:
            rows = [_rest_ticker(ctx.exchange.market(symbol))]
        else:
            rows = [_rest_ticker(m) for _, m in sorted(ctx.exchange.markets.items())]
    return {"category": category, "list": rows}


def recent_trades(ctx: Ctx) -> Result:
    p = ctx.params
    p.category()
    market = ctx.exchange.market(p.text("symbol", required=True))
    limit = p.integer("limit", default=500, lo=1, hi=1000)
    trades = list(market.recent)[-limit:]
    seq0 = market.trade_seq - len(trades)
    rows = [
        {
            "execId": t.trade_id,
            "symbol": t.symbol,
            "price": fmt(t.price),
            "size": fmt(t.size),
            "side": t.side,
            "time": str(t.ts_ms),
            "isBlockTrade": False,
            "isRPITrade": False,
            "seq": str(seq0 + i + 1),
        }
        for i, t in enumerate(trades)
    ]
    rows.reverse()
    return {"category": "linear", "list": rows}


def _bucket(start_ms: int, minutes: int) -> int:
    span = minutes * MINUTE_MS
    offset = WEEK_OFFSET_MS if minutes == 10080 else 0
    return (start_ms - offset) // span * span + offset


def _aggregate(bars: list[Bar], minutes: int) -> list[Bar]:
    out: list[Bar] = []
    for bar in bars:
        start = _bucket(bar.start_ms, minutes)
        if out and out[-1].start_ms == start:
            agg = out[-1]
            agg.high, agg.low, agg.close = max(agg.high, bar.high), min(agg.low, bar.low), bar.close
            agg.volume += bar.volume
            agg.turnover += bar.turnover
        else:
            out.append(Bar(start, bar.open, bar.high, bar.low, bar.close, bar.volume, bar.turnover))
    return out


def kline(ctx: Ctx) -> Result:
    p = ctx.params
    if p.has("category"):
        p.category()
    market = ctx.exchange.market(p.text("symbol", required=True))
    interval = p.text("interval", required=True)
    minutes = KLINE_MINUTES.get(interval)
    if minutes is None:
        raise BybitError.param("interval", f"invalid or unsupported: {interval!r}")
    start = p.integer("start", default=0)
    end = p.integer("end", default=2**63)
    limit = p.integer("limit", default=200, lo=1, hi=1000)
    bars = [b for b in _aggregate(list(market.bars), minutes) if start <= b.start_ms <= end]
    tick = market.inst.tick_size
    rows = [
        [
            str(b.start_ms),
            *(
                fmt(v) if v % tick else fmt_scaled(v, tick)
                for v in (b.open, b.high, b.low, b.close)
            ),
            fmt(b.volume),
            fmt(b.turnover.quantize(Decimal("0.0001"))),
        ]
        for b in reversed(bars[-limit:])
    ]
    return {"symbol": market.symbol, "category": "linear", "list": rows}


def orderbook(ctx: Ctx) -> Result:
    p = ctx.params
    p.category()
    market = ctx.exchange.market(p.text("symbol", required=True))
    p.integer("limit", default=25, lo=1, hi=500)
    t = render_ticker(market)
    now = ctx.state.clock.now_ms()
    return {
        "s": market.symbol,
        "b": [[t["bid1Price"], t["bid1Size"]]] if t["bid1Price"] else [],
        "a": [[t["ask1Price"], t["ask1Size"]]] if t["ask1Price"] else [],
        "ts": now,
        "u": market.trade_seq,
        "seq": market.trade_seq,
        "cts": now,
    }


def funding_history(ctx: Ctx) -> Result:
    p = ctx.params
    p.category()
    symbol = p.text("symbol", required=True)
    ctx.exchange.market(symbol)
    start = p.integer("startTime", default=0)
    end = p.integer("endTime", default=2**63)
    limit = p.integer("limit", default=200, lo=1, hi=200)
    rows = [
        {"symbol": s, "fundingRate": fmt(rate), "fundingRateTimestamp": str(ts)}
        for s, ts, rate in reversed(ctx.exchange.funding_history)
        if s == symbol and start <= ts <= end
    ]
    return {"category": "linear", "list": rows[:limit]}


ROUTES = [
    Route("GET", "/v5/market/time", server_time),
    Route("GET", "/v5/market/instruments-info", instruments_info),
    Route("GET", "/v5/market/tickers", tickers),
    Route("GET", "/v5/market/recent-trade", recent_trades),
    Route("GET", "/v5/market/kline", kline),
    Route("GET", "/v5/market/orderbook", orderbook),
    Route("GET", "/v5/market/funding/history", funding_history),
]
