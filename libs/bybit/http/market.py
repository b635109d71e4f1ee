"""Public market endpoints: ``query_*`` return Bybit's rows, ``request_*`` proto events."""

from __future__ import annotations

import proto
from bybit.http import schemas
from bybit.http._paging import all_pages
from bybit.http.client import BybitHttpClient, Reply
from bybit.parse import LINEAR, parse_recent_trades, parse_rest_ticker


class BybitMarketHttpAPI:
    """``/v5/market/*`` for the linear category. No signature, public rate-limit bucket."""

    def __init__(self, client: BybitHttpClient) -> None:
        self._client = client

    async def query_server_time(self) -> schemas.ServerTime:
        reply = await self._client.get("/v5/market/time", {}, schemas.ServerTime, signed=False)
        return reply.result

    async def query_instruments(self, symbol: str | None = None) -> list[schemas.Instrument]:
        """Every linear instrument (all pages), or the one ``symbol``."""
        params = {"category": LINEAR, "symbol": symbol, "limit": 1000}
        items, _ = await all_pages(
            self._client,
            "/v5/market/instruments-info",
            params,
            schemas.InstrumentsResult,
            signed=False,
        )
        return items

    async def query_recent_trades(self, symbol: str, limit: int = 500) -> list[schemas.RecentTrade]:
        """The latest public trades, newest first (Bybit's order)."""
        return (await self._recent_trades(symbol, limit)).result.list

    async def query_tickers(self, symbol: str | None = None) -> list[schemas.TickerInfo]:
        return (await self._tickers(symbol)).result.list

    async def request_recent_trades(self, symbol: str, limit: int = 500) -> proto.TradeFrame | None:
        """The latest trades as one back-filled frame, oldest first (``None`` if none)."""
        reply = await self._recent_trades(symbol, limit)
        return parse_recent_trades(symbol, reply.result.list, reply.received_ns)

    async def request_tickers(self, symbol: str | None = None) -> list[proto.Ticker]:
        reply = await self._tickers(symbol)
        tickers = (
            parse_rest_ticker(row, reply.time_ms, reply.received_ns) for row in reply.result.list
        )
        return [ticker for ticker in tickers if ticker is not None]

    async def _recent_trades(self, symbol: str, limit: int) -> Reply[schemas.RecentTradesResult]:
        params = {"category": LINEAR, "symbol": symbol, "limit": limit}
        return await self._client.get(
            "/v5/market/recent-trade", params, schemas.RecentTradesResult, signed=False
        )

    async def _tickers(self, symbol: str | None) -> Reply[schemas.TickersResult]:
        params = {"category": LINEAR, "symbol": symbol}
        return await self._client.get(
            "/v5/market/tickers", params, schemas.TickersResult, signed=False
        )
