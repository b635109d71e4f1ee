"""Instrument rules from ``/v5/market/instruments-info`` (public REST, no credentials)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from bybit import BybitHttpClient, BybitMarketHttpAPI
from runner import Instrument


async def fetch_instruments(http: BybitHttpClient, symbols: Iterable[str]) -> dict[str, Instrument]:
    """Tick size and lot rules per symbol; a symbol the venue does not list is left out
    (the engine then rejects its strategies, naming the symbol)."""
    market = BybitMarketHttpAPI(http)
    out: dict[str, Instrument] = {}
    for symbol in sorted(set(symbols)):
        rows = await market.query_instruments(symbol)
        for row in rows:
            if row.symbol != symbol or not row.priceFilter.tickSize:
                continue
            lot = row.lotSizeFilter
            out[symbol] = Instrument(
                symbol=symbol,
                tick_size=Decimal(row.priceFilter.tickSize),
                qty_step=Decimal(lot.qtyStep or "0.001"),
                min_qty=Decimal(lot.minOrderQty or "0.001"),
                max_qty=Decimal(lot.maxOrderQty or "1000"),
            )
    return out
