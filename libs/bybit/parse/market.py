"""Public market data → ``proto.TradeFrame`` / ``proto.Ticker``."""

from __future__ import annotations

import msgspec

import proto
from bybit.http import schemas
from bybit.http.errors import BybitParseError
from bybit.parse._fields import dec, enum_of, ms, opt_dec
from bybit.ws.messages import WsTicker, WsTrade


def parse_trades(
    symbol: str,
    items: list[WsTrade],
    ts_exchange_ms: int,
    ts_local_ns: int,
    *,
    backfilled: bool = False,
) -> proto.TradeFrame:
    if not items:
        raise BybitParseError(f"publicTrade.{symbol}", "empty data")
    trades = [
        proto.Trade(
            trade_id=item.i,
            price=dec(item.p, "p"),
            qty=dec(item.v, "v"),
            side=enum_of(proto.Side, item.S, "S"),
            ts_exchange_ms=item.T,
        )
        for item in items
    ]
    return proto.TradeFrame(
        event_id=f"trade:{symbol}:{items[0].i}:{items[-1].i}",
        ts_exchange_ms=ts_exchange_ms,
        ts_local_ns=ts_local_ns,
        symbol=symbol,
        trades=trades,
        backfilled=backfilled,
    )


def parse_recent_trades(
    symbol: str, rows: list[schemas.RecentTrade], ts_local_ns: int
) -> proto.TradeFrame | None:
    """REST ``recent-trade`` (newest first) as one back-filled frame, oldest first.

    ``execId`` is the WS trade id ``i``; the frame id uses the same formula as WS frames
    but a REST page rarely spans exactly one WS frame, so consumers de-duplicate by
    ``trade_id``. ``None`` when there are no trades.
    """
    if not rows:
        return None
    # reversed first: trades of the same ms keep their exchange order in the stable sort
    ordered = sorted(reversed(rows), key=lambda row: ms(row.time, "time"))
    items = [
        WsTrade(T=ms(r.time, "time"), s=r.symbol, S=r.side, v=r.size, p=r.price, i=r.execId)
        for r in ordered
    ]
    return parse_trades(symbol, items, items[-1].T, ts_local_ns, backfilled=True)


def _ticker(
    symbol: str, data: WsTicker | schemas.TickerInfo, event_id: str, ts_ms: int, ts_local_ns: int
) -> proto.Ticker | None:
    if not data.lastPrice:
        return None
    next_funding = data.nextFundingTime
    return proto.Ticker(
        event_id=event_id,
        ts_exchange_ms=ts_ms,
        ts_local_ns=ts_local_ns,
        symbol=symbol,
        last_price=dec(data.lastPrice, "lastPrice"),
        mark_price=opt_dec(data.markPrice, "markPrice"),
        index_price=opt_dec(data.indexPrice, "indexPrice"),
        bid1_price=opt_dec(data.bid1Price, "bid1Price"),
        ask1_price=opt_dec(data.ask1Price, "ask1Price"),
        funding_rate=opt_dec(data.fundingRate, "fundingRate"),
        next_funding_ms=ms(next_funding, "nextFundingTime") if next_funding else None,
    )


class TickerBook:
    """Merged ``tickers`` state per symbol: a snapshot replaces, a delta overwrites only
    the fields it carries. A delta before any snapshot merges into an empty state; no
    ``Ticker`` is emitted until ``lastPrice`` is known."""

    def __init__(self) -> None:
        self._state: dict[str, WsTicker] = {}

    def get(self, symbol: str) -> WsTicker | None:
        return self._state.get(symbol)

    def apply(
        self,
        symbol: str,
        data: WsTicker,
        *,
        snapshot: bool,
        cs: int | None,
        ts: int,
        ts_local_ns: int,
    ) -> proto.Ticker | None:
        current = self._state.get(symbol)
        if snapshot or current is None:
            merged = data
        else:
            changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not None}
            merged = msgspec.structs.replace(current, **changes)
        self._state[symbol] = merged
        return _ticker(symbol, merged, f"ticker:{symbol}:{cs}:{ts}", ts, ts_local_ns)


def parse_rest_ticker(
    row: schemas.TickerInfo, time_ms: int, ts_local_ns: int
) -> proto.Ticker | None:
    """REST ``tickers`` row. REST has no cross sequence ``cs``: the id uses ``rest`` in its
    place (``ticker:{symbol}:rest:{time}``), so it never collides with a WS ticker."""
    return _ticker(row.symbol, row, f"ticker:{row.symbol}:rest:{time_ms}", time_ms, ts_local_ns)
