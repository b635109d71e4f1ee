"""The collector: Bybit websockets → proto events on the bus, gaps back-filled over REST.

``run(stop)`` is one stack: REST clients, websockets, then a ``TaskGroup`` with the
publisher's ack checker and, per stream, a pump (websocket → bus) and a watcher (start-up
back-fill, then one gap per disconnect report); the ``ResyncRequest`` responder beside
them. On stop the websockets stop reading, what they had queued is published, every
publish is awaited (``drain_timeout_s``), then everything is closed in reverse.

The collector gets decrypted ``BybitConfig``s from its caller and never touches
PostgreSQL; what it published before a crash it reads back from the capture stream.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

import msgspec
import structlog

import proto
from alerts import Alerts
from bus import Bus, BusState, DurablePublisher
from bybit import BybitConfig, BybitError, BybitHttpClient, BybitWebSocketClient
from services.collector.config import CollectorAccount, CollectorConfig
from services.collector.private import PrivateStream
from services.collector.public import PublicStream
from services.collector.resync import ResyncResponder
from services.collector.stats import CollectorStats
from services.collector.streams import Shared, Stream

log = structlog.get_logger(__name__)


class Collector:
    def __init__(
        self,
        bus: Bus,
        config: CollectorConfig,
        public: BybitConfig | None,
        accounts: Sequence[CollectorAccount] = (),
        *,
        alerts: Alerts | None = None,
    ) -> None:
        proto.subjects.namespace(config.namespace)
        if config.namespace not in bus.config.stream.namespaces:
            raise ValueError(
                f"namespace {config.namespace!r} is not captured by the stream "
                f"(captured: {', '.join(bus.config.stream.namespaces)})"
            )
        for symbol in config.symbols:
            proto.subjects.token("symbol", symbol)
        ids = [proto.subjects.token("account id", a.account_id) for a in accounts]
        if len(set(ids)) != len(ids):
            raise ValueError("an account is listed twice")
        self.bus = bus
        self.config = config
        self.public = public
        self.accounts = list(accounts)
        self.stats = CollectorStats()
        self.alerts = alerts  # None: nothing is sent
        #: Set once every stream is connected and its start-up back-fill is done.
        self.ready = asyncio.Event()
        self.streams: list[Stream] = []

    @property
    def ws_clients(self) -> list[BybitWebSocketClient]:
        return [stream.ws for stream in self.streams]

    def healthy(self) -> bool:
        return self.bus.state is BusState.CONNECTED and self.stats.stream_failures == 0

    async def run(self, stop: asyncio.Event) -> None:
        """Collect until ``stop`` is set."""
        await self.bus.ensure_stream()
        config = self.config
        publisher = DurablePublisher(
            self.bus,
            config.namespace,
            self.stats,
            timeout_s=config.publish_timeout_s,
            max_in_flight=config.max_in_flight,
            retry_max_s=config.publish_retry_max_s,
        )
        shared = Shared(self.bus, config, publisher, self.stats, self.alerts)
        async with contextlib.AsyncExitStack() as stack:
            self.streams = await self._open_streams(stack, shared)
            for stream in self.streams:  # before this run publishes anything
                await stream.load_history()
            private = {s.account_id: s for s in self.streams if isinstance(s, PrivateStream)}
            responder = ResyncResponder(self.bus, config, private, publisher, self.stats)
            log.info(
                "collector_started",
                namespace=config.namespace,
                symbols=config.symbols,
                accounts=list(private),
            )
            async with asyncio.TaskGroup() as tg:
                acks = tg.create_task(publisher.run(), name="collector-acks")
                pumps, watchers = [], []
                for stream in self.streams:
                    stack.push_async_callback(stream.ws.close)
                    stream.ws.start()
                    pumps.append(tg.create_task(stream.pump(), name=f"pump-{stream.name}"))
                    watchers.append(tg.create_task(stream.watch(), name=f"gaps-{stream.name}"))
                if config.resync and private:
                    await responder.start()
                    stack.push_async_callback(responder.close)
                watchers.append(tg.create_task(self._signal_ready(), name="collector-ready"))
                await stop.wait()
                await self._shutdown(publisher, responder, pumps, watchers)
                acks.cancel()
        log.info("collector_stopped", published=self.stats.published_total)

    async def _open_streams(self, stack: contextlib.AsyncExitStack, shared: Shared) -> list[Stream]:
        streams: list[Stream] = []
        symbols = self.config.symbols
        if self.public is not None and symbols:
            http = await _open_http(stack, self.public, "public")
            ws = BybitWebSocketClient.public(self.public, symbols, stream="public")
            streams.append(PublicStream(ws, http, shared, symbols))
        for account in self.accounts:
            bybit = account.bybit
            if bybit.account_id != account.account_id:
                bybit = msgspec.structs.replace(bybit, account_id=account.account_id)
            http = await _open_http(stack, bybit, f"private:{account.account_id}")
            ws = BybitWebSocketClient.private(bybit)
            streams.append(
                PrivateStream(ws, http, shared, account.account_id, account.symbols or symbols)
            )
        return streams

    async def _signal_ready(self) -> None:
        await asyncio.gather(*(stream.ready.wait() for stream in self.streams))
        self.ready.set()
        log.info("collector_ready", streams=[stream.name for stream in self.streams])

    async def _shutdown(
        self,
        publisher: DurablePublisher,
        responder: ResyncResponder,
        pumps: list[asyncio.Task[None]],
        watchers: list[asyncio.Task[None]],
    ) -> None:
        """Stop reading, publish what was read, wait for the acks."""
        grace = self.config.drain_timeout_s
        await responder.close()
        for task in watchers:  # a back-fill cut short is redone by the next start
            task.cancel()
        await asyncio.gather(
            *(  # a pump that ended (stream failed) would never empty its queue
                s.ws.close() if pump.done() else s.ws.drain(grace / 2)
                for s, pump in zip(self.streams, pumps, strict=True)
            )
        )
        await asyncio.gather(*pumps)
        if not await publisher.flush(grace):
            publisher.abandon()


async def _open_http(
    stack: contextlib.AsyncExitStack, config: BybitConfig, stream: str
) -> BybitHttpClient:
    """An open REST client; a failed clock sync is logged (the back-fill retries later)."""
    http = BybitHttpClient(config)
    stack.push_async_callback(http.close)
    try:
        await http.open()
    except BybitError as exc:
        log.warning("collector_time_sync_failed", stream=stream, reason=str(exc))
    return http
