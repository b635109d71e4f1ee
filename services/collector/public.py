"""The public stream: ``publicTrade`` and ``tickers`` of every symbol on one websocket.

Trades are de-duplicated by ``trade_id``: a websocket frame whose trades a back-fill
already published is published without them (or not at all); a back-fill publishes the
trades of the ``recent-trade`` page it has not seen, from the last one seen before the
gap, as one ``bf:`` frame, then the REST ticker.
"""

from __future__ import annotations

import time

import msgspec
import structlog

import proto
from bybit import BybitHttpClient, BybitMarketHttpAPI, BybitWebSocketClient
from services.collector import backfill
from services.collector.dedup import RecentIds, Watermark
from services.collector.history import last_stored, stored_tail
from services.collector.streams import Shared, Stream, subject_below

log = structlog.get_logger(__name__)


class PublicStream(Stream):
    """``publicTrade`` and ``tickers`` of every symbol on one websocket."""

    def __init__(
        self,
        ws: BybitWebSocketClient,
        http: BybitHttpClient,
        shared: Shared,
        symbols: list[str],
    ) -> None:
        super().__init__(ws, http, shared)
        self.symbols = symbols
        self.market = BybitMarketHttpAPI(http)
        window = max(shared.config.dedup_window, 2 * shared.config.backfill_trades_limit)
        self._ids = {symbol: RecentIds(window) for symbol in symbols}
        self._marks = {symbol: Watermark() for symbol in symbols}

    async def load_history(self) -> None:
        """Trade ids of the previous run's last frames (its last ``restart_window_s``),
        and when it last stored anything of these symbols (the restart gap's start)."""
        ns, bus = self.shared.config.namespace, self.shared.bus
        for symbol in self.symbols:
            trades = proto.subjects.md(ns, symbol, "trade")
            for frame in await stored_tail(bus, trades, self.shared.config.restart_window_s):
                if isinstance(frame, proto.TradeFrame) and frame.trades:
                    self._ids[symbol].update(t.trade_id for t in frame.trades)
                    self._marks[symbol].seed(max(t.ts_exchange_ms for t in frame.trades))
            last = await last_stored(bus, subject_below(ns, "md", "bybit", symbol))
            if last is not None:
                self._restart_ns = max(self._restart_ns or 0, last.ts_local_ns)

    def accept(self, event: proto.Message) -> proto.Message | None:
        if type(event) is not proto.TradeFrame:
            return event
        symbol = event.symbol
        ids = self._ids.get(symbol) or self._ids.setdefault(symbol, RecentIds(1000))
        fresh = [t for t in event.trades if t.trade_id not in ids]
        if len(fresh) != len(event.trades):
            self.shared.stats.duplicates += len(event.trades) - len(fresh)
            if not fresh:
                return None
            first, last = fresh[0].trade_id, fresh[-1].trade_id
            event = msgspec.structs.replace(
                event, trades=fresh, event_id=f"trade:{symbol}:{first}:{last}"
            )
        ids.update(t.trade_id for t in fresh)
        mark = self._marks.get(symbol) or self._marks.setdefault(symbol, Watermark())
        mark.advance(event.ts_local_ns, max(t.ts_exchange_ms for t in fresh))
        return event

    async def backfill(self, started_ns: int) -> tuple[int, bool]:
        total, complete = 0, True
        for symbol in self.symbols:
            try:
                count, whole = await self._backfill_symbol(symbol, started_ns)
            except backfill.BackfillError:
                count, whole = 0, False
            total += count
            complete = complete and whole
        return total, complete

    async def _backfill_symbol(self, symbol: str, started_ns: int) -> tuple[int, bool]:
        limit = self.shared.config.backfill_trades_limit
        trades = await backfill.recent_trades(self.market, self.retry, symbol, limit)
        ids, mark = self._ids[symbol], self._marks[symbol].as_of(started_ns)
        fresh = [
            t
            for t in trades
            if (mark is None or t.ts_exchange_ms >= mark) and t.trade_id not in ids
        ]
        # A full page that starts after the last trade seen: older misses are out of reach.
        whole = not (len(trades) >= limit and mark is not None and trades[0].ts_exchange_ms > mark)
        if not whole:
            log.warning("collector_trades_beyond_backfill", stream=self.name, symbol=symbol)
        count = 0
        if fresh:
            ids.update(t.trade_id for t in fresh)
            frame = backfill.trade_frame(symbol, fresh, time.time_ns())
            self._marks[symbol].advance(frame.ts_local_ns, frame.ts_exchange_ms)
            await self.shared.publisher.publish(frame)
            count = len(fresh)
            self.shared.stats.backfilled += count
        try:
            found = await backfill.tickers(self.market, self.retry, symbol)
        except backfill.BackfillError:
            return count, False
        for ticker in found:
            await self.shared.publisher.publish(ticker)
        self.shared.stats.backfilled += len(found)
        return count + len(found), whole
