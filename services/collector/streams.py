"""What every stream does: live events → bus, and gaps → ``GapStart``, back-fill,
``GapEnd`` (``public.py`` and ``private.py`` hold what differs).

A stream remembers the ids it published (``RecentIds``) and how far it got in exchange
time (``Watermark``), both seeded at start from what the previous run stored. Live
events and back-filled ones go through the same id check, so whichever path delivers
an event first publishes it and the other drops it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

import msgspec
import structlog

import proto
from alerts import Alerts
from bus import Bus, DurablePublisher
from bybit import BybitError, BybitHttpClient, BybitWebSocketClient, Disconnect
from services.collector import backfill
from services.collector.config import CollectorConfig
from services.collector.dedup import RecentIds
from services.collector.stats import CollectorStats

log = structlog.get_logger(__name__)

SERVICE = "collector"
RESTART = "collector restart"
_CONNECT_WAIT_S = 30.0


class Shared(msgspec.Struct, frozen=True):
    """What every stream of one collector uses."""

    bus: Bus
    config: CollectorConfig
    publisher: DurablePublisher
    stats: CollectorStats
    alerts: Alerts | None = None  # None: nothing is sent


class Stream:
    """Base of the public and private streams."""

    def __init__(
        self, ws: BybitWebSocketClient, http: BybitHttpClient, shared: Shared, **context: str
    ) -> None:
        self.name = ws.stream
        self.ws = ws
        self.http = http
        self.shared = shared
        self.ready = asyncio.Event()  # connected and the start-up back-fill done
        self.retry = backfill.Retrier(
            shared.stats,
            shared.config.backfill_attempts,
            shared.config.backfill_retry_s,
            stream=self.name,
            **context,
        )
        #: When the previous run's last stored event was seen: a gap to close at start.
        self._restart_ns: int | None = None
        #: Start of the earliest gap whose back-fill did not complete (retried).
        self._unrecovered_ns: int | None = None

    # -- subclass hooks ----------------------------------------------------------------

    async def load_history(self) -> None:
        """Read what the previous run stored (before this run publishes anything)."""

    def accept(self, event: proto.Message) -> proto.Message | None:
        """The event to publish for a websocket event (``None``: already published)."""
        return event

    async def backfill(self, started_ns: int) -> tuple[int, bool]:
        """Recover what a gap that began at ``started_ns`` missed: (items, complete)."""
        raise NotImplementedError

    async def start_without_history(self) -> None:
        """The start-up work of a stream the previous run never stored anything for."""

    # -- tasks -------------------------------------------------------------------------

    async def pump(self) -> None:
        """Websocket events → bus, until the websocket closes or fails for good."""
        publish = self.shared.publisher.publish
        try:
            async for event in self.ws:
                accepted = self.accept(event)
                if accepted is not None:
                    await publish(accepted)
        except BybitError as exc:
            self.shared.stats.stream_failures += 1
            log.error("collector_stream_failed", stream=self.name, reason=_reason(exc))

    async def watch(self) -> None:
        """Once connected: the restart gap (or start-up back-fill), then one gap per
        disconnect report; an incomplete back-fill is retried every
        ``backfill_retry_after_s`` until it completes."""
        try:
            if not await self._wait_connected():
                return
            if self._restart_ns is not None:
                await self.gap(self._restart_ns, time.time_ns(), RESTART)
            else:
                await self.start_without_history()
        finally:
            self.ready.set()
        while True:
            outage = await self._next_outage()
            if outage is None:
                count, complete = await self.recover(time.time_ns())
                log.info(
                    "collector_backfill_retried", stream=self.name, backfilled=count, done=complete
                )
            else:
                await self.gap(outage.started_ns, outage.ended_ns, outage.reason)

    async def gap(self, started_ns: int, ended_ns: int, reason: str) -> None:
        stats, publish = self.shared.stats, self.shared.publisher.publish
        stats.gaps += 1
        gap_s = round((ended_ns - started_ns) / 1e9, 3)
        log.warning("collector_gap", stream=self.name, reason=reason, gap_s=gap_s)
        offset_ms = self.http.time_offset_ms
        await publish(
            proto.GapStart(
                event_id=f"gap_start:{self.name}:{started_ns}",
                ts_exchange_ms=started_ns // 1_000_000 + offset_ms,
                ts_local_ns=started_ns,
                service=SERVICE,
                stream=self.name,
                reason=reason,
            )
        )
        count, complete = await self.recover(started_ns)
        log.info("collector_gap_closed", stream=self.name, backfilled=count, complete=complete)
        now_ns = time.time_ns()
        await publish(
            proto.GapEnd(
                event_id=f"gap_end:{self.name}:{started_ns}",
                ts_exchange_ms=now_ns // 1_000_000 + offset_ms,
                ts_local_ns=now_ns,
                service=SERVICE,
                stream=self.name,
                started_ns=started_ns,
                backfilled_count=count,
            )
        )

    async def recover(self, started_ns: int) -> tuple[int, bool]:
        """Back-fill from ``started_ns``, or from an earlier gap not yet recovered."""
        if self._unrecovered_ns is not None:
            started_ns = min(started_ns, self._unrecovered_ns)
        try:
            count, complete = await self.backfill(started_ns)
        except Exception:  # a bug must not stop the collector: report, keep streaming
            log.exception("collector_backfill_crashed", stream=self.name)
            count, complete = 0, False
        if complete:
            self._unrecovered_ns = None
        else:
            self.shared.stats.backfill_incomplete += 1
            self._unrecovered_ns = started_ns
            self._alert_unrecovered(started_ns, count)
        return count, complete

    def _alert_unrecovered(self, started_ns: int, count: int) -> None:
        if self.shared.alerts is None:
            return
        since = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(started_ns / 1e9))
        self.shared.alerts.fire(
            f"backfill:{self.name}",
            f"gap on {self.name} not back-filled",
            f"gap since {since}: {count} events recovered, back-fill incomplete (retried)",
        )

    async def _next_outage(self) -> Disconnect | None:
        """The next disconnect report; ``None`` when a pending back-fill is due first."""
        retry_after = self.shared.config.backfill_retry_after_s
        if self._unrecovered_ns is None or retry_after <= 0:
            return await self.ws.disconnects.get()
        try:
            async with asyncio.timeout(retry_after):
                return await self.ws.disconnects.get()
        except TimeoutError:
            return None

    async def _wait_connected(self) -> bool:
        while True:
            try:
                await self.ws.wait_connected(_CONNECT_WAIT_S)
                return True
            except TimeoutError:
                log.warning("collector_not_connected_yet", stream=self.name)
            except BybitError:  # fatal (auth or subscribe refused): pump() reports it
                return False

    async def _publish_new(self, events: Iterable[proto.Message], ids: RecentIds) -> int:
        """Publish the events whose id is new; their count."""
        count = 0
        for event in events:
            if ids.add(event.event_id):
                await self.shared.publisher.publish(event)
                count += 1
        self.shared.stats.backfilled += count
        return count


def subject_below(ns: str, family: str, *tokens: str) -> str:
    """``{ns}.{family}.{tokens…}.>``, each part checked as a subject token."""
    parts = [proto.subjects.token("token", t) for t in tokens]
    return ".".join([proto.subjects.namespace(ns), family, *parts, ">"])


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
