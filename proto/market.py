"""Public market data: trade frames and tickers (subjects ``{ns}.md.bybit.{symbol}.*``)."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from proto.common import Event, Side


class Trade(msgspec.Struct, frozen=True, kw_only=True):
    """One public trade; ``side`` is the taker's side."""

    trade_id: str
    price: Decimal
    qty: Decimal
    side: Side
    ts_exchange_ms: int


class TradeFrame(Event, frozen=True, kw_only=True, tag="trade"):
    """One exchange frame of public trades (Bybit sends up to 1024 per frame)."""

    symbol: str
    trades: list[Trade]
    backfilled: bool = False


class Ticker(Event, frozen=True, kw_only=True, tag="ticker"):
    """Merged ticker state after an exchange snapshot or delta. ``None`` = not known yet."""

    symbol: str
    last_price: Decimal
    mark_price: Decimal | None = None
    index_price: Decimal | None = None
    bid1_price: Decimal | None = None
    ask1_price: Decimal | None = None
    funding_rate: Decimal | None = None
    next_funding_ms: int | None = None
    backfilled: bool = False
