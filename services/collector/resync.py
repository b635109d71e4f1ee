"""``ResyncRequest`` responder (NATS request/reply on ``{ns}.sys.collector.resync_request``).

For each requested account this collector serves: open orders, positions and wallet are
read over REST and published back-filled (``publish_durable``, acknowledged) before the
``ResyncDone`` reply, so a requester that sees the reply has been sent every snapshot
first. Collectors share a queue group, so one of them answers; an account it does not
serve is reported in ``failed`` as ``"not served here"``.

Snapshot events keep their exchange ids: subscribers receive them again, while the stream
and the store keep one copy of an event they already hold.
"""

from __future__ import annotations

import asyncio
import time

import structlog
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

import proto
from bus import Bus, DurablePublisher
from services.collector.config import CollectorConfig
from services.collector.private import PrivateStream
from services.collector.stats import CollectorStats

log = structlog.get_logger(__name__)

NOT_SERVED = "not served here"


class ResyncResponder:
    def __init__(
        self,
        bus: Bus,
        config: CollectorConfig,
        streams: dict[str, PrivateStream],
        publisher: DurablePublisher,
        stats: CollectorStats,
    ) -> None:
        self._bus = bus
        self._config = config
        self._streams = streams
        self._publisher = publisher
        self._stats = stats
        self._sub: Subscription | None = None
        self.subject = proto.subjects.sys(config.namespace, "collector", "resync_request")

    async def start(self) -> None:
        self._sub = await self._bus.nc.subscribe(
            self._bus.wire(self.subject), queue=self._config.resync_queue, cb=self._on_msg
        )

    async def close(self) -> None:
        sub, self._sub = self._sub, None
        if sub is not None:
            try:
                await sub.unsubscribe()
            except Exception as exc:  # the connection may be gone already
                log.debug("collector_resync_unsubscribe_failed", reason=str(exc))

    async def _on_msg(self, msg: Msg) -> None:
        try:
            request = proto.decode(msg.data, proto.Family.SYS)
        except proto.ProtoDecodeError as exc:
            log.warning("collector_resync_bad_request", reason=exc.reason)
            return
        if not isinstance(request, proto.ResyncRequest):
            log.warning("collector_resync_bad_request", reason=proto.kind(request))
            return
        try:
            done = await self.handle(request)
            if msg.reply:
                await msg.respond(proto.encode(done))
        except Exception:  # never let one request stop the responder
            log.exception("collector_resync_crashed", requester=request.requester)

    async def handle(self, request: proto.ResyncRequest) -> proto.ResyncDone:
        """Publish the snapshots of ``request.accounts``; the reply to send."""
        log.info("collector_resync", requester=request.requester, accounts=request.accounts)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._config.resync_timeout_s
        published: dict[str, int] = {}
        failed: dict[str, str] = {}
        for account in dict.fromkeys(request.accounts):
            stream = self._streams.get(account)
            if stream is None:
                failed[account] = NOT_SERVED
                continue
            try:
                async with asyncio.timeout_at(deadline):
                    published[account], reason = await self._account(stream, request.symbols)
            except TimeoutError:
                published.setdefault(account, 0)
                reason = f"timed out after {self._config.resync_timeout_s:g} s"
            if reason:
                failed[account] = reason
                log.warning("collector_resync_failed", account=account, reason=reason)
        self._stats.resyncs += 1
        now_ns = time.time_ns()
        return proto.ResyncDone(
            event_id=f"resync_done:{request.event_id}",
            ts_exchange_ms=now_ns // 1_000_000,
            ts_local_ns=now_ns,
            published=published,
            failed=failed,
        )

    async def _account(self, stream: PrivateStream, symbols: list[str]) -> tuple[int, str]:
        """Publish one account's snapshot and wait for every ack: (count, failure)."""
        if symbols:
            snapshot = await stream.snapshot(symbols, every_symbol=False)
        else:
            snapshot = await stream.snapshot(stream.symbols, every_symbol=True)
        acks = []
        for event in snapshot.events:
            stream.ids.add(event.event_id)  # the websocket may deliver it again: drop it
            acks.append(await self._publisher.publish(event))
        if acks:
            await asyncio.wait(acks)
        self._stats.backfilled += len(acks)
        return len(acks), "; ".join(snapshot.failed)
