"""A private stream: ``order``, ``execution``, ``position``, ``wallet`` of one account.

Events are de-duplicated by event id (the websocket's and REST's ids are the same
formula). A back-fill reads executions from shortly before the last execution or order
seen before the gap (exchange time), then open orders, positions and the wallet.
"""

from __future__ import annotations

import time

import structlog

import proto
from bybit import BybitAccountHttpAPI, BybitHttpClient, BybitTradeHttpAPI, BybitWebSocketClient
from services.collector import backfill
from services.collector.dedup import RecentIds, Watermark
from services.collector.history import stored_tail
from services.collector.streams import Shared, Stream

log = structlog.get_logger(__name__)


class PrivateStream(Stream):
    """``order``, ``execution``, ``position`` and ``wallet`` of one account."""

    def __init__(
        self,
        ws: BybitWebSocketClient,
        http: BybitHttpClient,
        shared: Shared,
        account_id: str,
        symbols: list[str],
    ) -> None:
        super().__init__(ws, http, shared, account=account_id)
        self.account_id = account_id
        self.symbols = symbols
        self.trade = BybitTradeHttpAPI(http)
        self.account = BybitAccountHttpAPI(http)
        self.ids = RecentIds(shared.config.dedup_window)
        #: Exchange time of the latest execution or order update seen.
        self._mark = Watermark()
        #: Where executions are read from while nothing was seen (``None``: the
        #: exchange's default window). Only a fallback: the exchange's own times of
        #: events seen always win (the simulator's clock is not the wall clock).
        self._lookback_ms: int | None = None

    async def load_history(self) -> None:
        """Per kind (order, execution, position, wallet): the ids the previous run stored
        in the ``restart_window_s`` before its last one of that kind; how far its
        executions and orders got (exchange time); when it stopped (the restart gap)."""
        config = self.shared.config
        if config.initial_lookback_s > 0:
            self._lookback_ms = self.http.now_ms() - int(config.initial_lookback_s * 1000)
        for kind in ("order", "execution", "position", "wallet"):
            subject = proto.subjects.acct(config.namespace, self.account_id, kind)
            tail = await stored_tail(self.shared.bus, subject, config.restart_window_s)
            for event in tail:
                self.ids.add(event.event_id)
                if isinstance(event, proto.Execution | proto.OrderUpdate):
                    self._mark.seed(event.ts_exchange_ms)
            if tail:
                self._restart_ns = max(self._restart_ns or 0, *(e.ts_local_ns for e in tail))

    def accept(self, event: proto.Message) -> proto.Message | None:
        if not self.ids.add(event.event_id):
            self.shared.stats.duplicates += 1
            return None
        if type(event) is proto.Execution or type(event) is proto.OrderUpdate:
            self._mark.advance(event.ts_local_ns, event.ts_exchange_ms)
        return event

    async def start_without_history(self) -> None:
        count, complete = await self.recover(time.time_ns())
        log.info("collector_startup_backfill", stream=self.name, backfilled=count, done=complete)

    async def backfill(self, started_ns: int) -> tuple[int, bool]:
        mark = self._mark.as_of(started_ns)
        if mark is None:  # nothing seen here or stored before: the initial look-back
            since = self._lookback_ms
        else:
            since = max(mark - self.shared.config.exec_overlap_ms, 0)
        count, complete = 0, True
        try:
            found = await backfill.executions(self.trade, self.retry, since)
        except backfill.BackfillError:
            complete = False
        else:
            count += await self._publish_new(found, self.ids)
            for execution in found:
                self._mark.advance(execution.ts_local_ns, execution.ts_exchange_ms)
        snapshot = await self.snapshot(self.symbols, every_symbol=True)
        count += await self._publish_new(snapshot.events, self.ids)
        return count, complete and not snapshot.failed

    async def snapshot(self, symbols: list[str], *, every_symbol: bool) -> backfill.Snapshot:
        return await backfill.account_snapshot(
            self.trade, self.account, self.retry, symbols, every_symbol=every_symbol
        )
