"""The typed NATS client every service uses.

Subjects passed in and out are *logical* (``live.md.bybit.BTCUSDT.trade``); the optional
``prefix`` of the config is added on the wire and stripped on receipt, so tests can share
one server without seeing each other.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import nats
import nats.errors
import nats.js.errors
import structlog
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext

import proto
from bus.config import BusConfig
from bus.consumer import PullConsumer
from bus.errors import BusClosedError, BusConnectionError, PublishError
from bus.reader import StreamReader
from bus.stream import ensure_stream, stream_name

log = structlog.get_logger(__name__)

MSG_ID = "Nats-Msg-Id"
Handler = Callable[[str, proto.Message], Awaitable[None]]


class BusState(enum.Enum):
    NEW = "new"
    CONNECTED = "connected"
    DRAINING = "draining"
    CLOSED = "closed"


class BusStats:
    """Counters a service exports as metrics."""

    def __init__(self) -> None:
        self.published = 0
        self.received = 0
        self.decode_errors = 0
        self.slow_consumer = 0
        self.disconnects = 0


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class Bus:
    def __init__(self, config: BusConfig) -> None:
        self.config = config
        self.state = BusState.NEW
        self.stats = BusStats()
        self._nc: NatsClient | None = None
        self._js: JetStreamContext | None = None

    # -- lifecycle ---------------------------------------------------------------------

    async def connect(self) -> None:
        url = self.config.url
        try:
            self._nc = await nats.connect(
                servers=[url],
                name=self.config.name,
                connect_timeout=self.config.connect_timeout_s,
                allow_reconnect=True,
                # Bounded for the first connect, so an unreachable server is a clear error
                # rather than an endless loop; unbounded once connected (below).
                max_reconnect_attempts=self.config.initial_connect_attempts,
                reconnect_time_wait=0.5,
                error_cb=self._on_error,
                disconnected_cb=self._on_disconnected,
                reconnected_cb=self._on_reconnected,
            )
        except (OSError, TimeoutError, nats.errors.Error) as exc:
            raise BusConnectionError(redact_url(url), str(exc) or type(exc).__name__) from None
        self._nc.options["max_reconnect_attempts"] = -1
        self._js = self._nc.jetstream(
            timeout=self.config.request_timeout_s,
            publish_async_max_pending=self.config.max_pending_acks,
        )
        self.state = BusState.CONNECTED
        log.info("bus_connected", url=redact_url(url), name=self.config.name)

    async def drain(self, timeout: float = 10.0) -> None:
        """Let in-flight handlers finish and buffered publishes flush, then close."""
        if self._nc is None or self.state is BusState.CLOSED:
            return
        self.state = BusState.DRAINING
        try:
            if self._js is not None and self._js.publish_async_pending():
                await asyncio.wait_for(self._js.publish_async_completed(), timeout)
            await asyncio.wait_for(self._nc.drain(), timeout)
        except (TimeoutError, nats.errors.Error) as exc:
            log.warning("bus_drain_incomplete", reason=str(exc) or type(exc).__name__)
        await self.close()

    async def close(self) -> None:
        """Hard stop; idempotent."""
        nc, self._nc = self._nc, None
        self.state = BusState.CLOSED
        if nc is not None and not nc.is_closed:
            await nc.close()

    async def __aenter__(self) -> Bus:
        await self.connect()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if et is None:
            await self.drain()
        else:
            await self.close()

    @property
    def nc(self) -> NatsClient:
        if self._nc is None:
            raise BusClosedError("bus is not connected")
        return self._nc

    @property
    def js(self) -> JetStreamContext:
        if self._js is None or self._nc is None:
            raise BusClosedError("bus is not connected")
        return self._js

    @property
    def stream(self) -> str:
        return stream_name(self.config.stream, self.config.prefix)

    async def ensure_stream(self) -> str:
        return await ensure_stream(self.js, self.config.stream, self.config.prefix)

    # -- subjects ----------------------------------------------------------------------

    def wire(self, subject: str) -> str:
        return self.config.prefix + subject

    def logical(self, subject: str) -> str:
        prefix = self.config.prefix
        return subject[len(prefix) :] if prefix and subject.startswith(prefix) else subject

    # -- publishing --------------------------------------------------------------------

    async def publish(self, ns: str, message: proto.Message) -> None:
        """Fire-and-forget core publish (replay, intents in paper mode, sys heartbeats)."""
        await self.publish_raw(proto.subject_for(ns, message), proto.encode(message))

    async def publish_raw(
        self, subject: str, payload: bytes, headers: dict[str, str] | None = None
    ) -> None:
        await self.nc.publish(self.wire(subject), payload, headers=headers)
        self.stats.published += 1

    async def publish_durable(self, ns: str, message: proto.Message) -> int:
        """Publish to JetStream and wait for the ack; returns the stream sequence.

        ``Nats-Msg-Id`` is the event id, so a retried publish is stored once.
        """
        subject = proto.subject_for(ns, message)
        try:
            ack = await self.js.publish(
                self.wire(subject),
                proto.encode(message),
                headers={MSG_ID: message.event_id},
            )
        except (TimeoutError, nats.errors.Error, nats.js.errors.Error) as exc:
            raise PublishError(subject, str(exc) or type(exc).__name__) from None
        self.stats.published += 1
        return int(ack.seq)

    async def publish_durable_nowait(
        self, subject: str, payload: bytes, event_id: str
    ) -> asyncio.Future[Any]:
        """Pipelined JetStream publish; waits only while too many acks are pending."""
        future = await self.js.publish_async(
            self.wire(subject), payload, headers={MSG_ID: event_id}
        )
        self.stats.published += 1
        return future

    async def wait_durable(self, timeout: float = 30.0) -> None:
        """Wait until every pipelined publish is acknowledged."""
        await asyncio.wait_for(self.js.publish_async_completed(), timeout)

    async def flush(self, timeout: float = 10.0) -> None:
        await self.nc.flush(timeout=int(max(1, timeout)))

    async def request(
        self,
        ns: str,
        message: proto.Message,
        reply_type: type[proto.Message],
        *,
        family: proto.Family | None = None,
        timeout: float = 10.0,
        resend_every: float | None = None,
    ) -> proto.Message:
        """Request/reply with a typed answer.

        A request on a subject the capture stream covers is also stored by JetStream,
        which answers the reply inbox with its own PubAck; that (and anything else not
        of ``reply_type``) is skipped, and the first ``reply_type`` reply is returned.
        ``resend_every`` re-sends the request on the same inbox until answered (a
        responder that was not subscribed yet misses a core-NATS request); a slow answer
        to an earlier send is still accepted.
        """
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[proto.Message] = loop.create_future()

        async def on_reply(msg: Msg) -> None:
            try:
                decoded = proto.decode(msg.data, family)
            except proto.ProtoDecodeError:
                return
            if isinstance(decoded, reply_type) and not answer.done():
                answer.set_result(decoded)

        inbox = self.nc.new_inbox()
        sub = await self.nc.subscribe(inbox, cb=on_reply)
        subject = self.wire(proto.subject_for(ns, message))
        payload = proto.encode(message)
        try:
            async with asyncio.timeout(timeout):
                while True:
                    await self.nc.publish(subject, payload, reply=inbox)
                    done, _ = await asyncio.wait({answer}, timeout=resend_every)
                    if done:
                        return answer.result()
        finally:
            answer.cancel()
            await sub.unsubscribe()

    # -- consuming ---------------------------------------------------------------------

    async def subscribe(
        self,
        pattern: str,
        handler: Handler,
        *,
        family: proto.Family | None = None,
        queue: str = "",
        pending_msgs_limit: int = 65_536,
    ) -> Subscription:
        """Typed core subscription. Undecodable messages are logged, counted and skipped;
        the pending buffer is bounded (overflow is counted as a slow consumer)."""

        async def on_msg(msg: Msg) -> None:
            subject = self.logical(msg.subject)
            try:
                message = proto.decode(msg.data, family)
            except proto.ProtoDecodeError as exc:
                self.stats.decode_errors += 1
                log.warning("bus_decode_error", subject=subject, reason=exc.reason)
                return
            self.stats.received += 1
            await handler(subject, message)

        return await self.nc.subscribe(
            self.wire(pattern), queue=queue, cb=on_msg, pending_msgs_limit=pending_msgs_limit
        )

    async def pull_consumer(
        self,
        durable: str,
        filter_subject: str | None = None,
        *,
        ack_wait_s: float = 30.0,
        max_ack_pending: int = 100_000,
    ) -> PullConsumer:
        """A durable pull consumer on the capture stream (created if missing)."""
        return await PullConsumer.create(
            self.js,
            stream=self.stream,
            durable=durable,
            filter_subject=self.wire(filter_subject) if filter_subject else None,
            ack_wait_s=ack_wait_s,
            max_ack_pending=max_ack_pending,
            prefix=self.config.prefix,
        )

    async def stream_reader(self, start_seq: int, *, max_buffer: int = 50_000) -> StreamReader:
        """Read the capture stream from ``start_seq`` (see ``StreamReader``)."""
        reader = StreamReader(
            self.js,
            stream=self.stream,
            subjects=[self.wire(f"{ns}.>") for ns in self.config.stream.namespaces],
            start_seq=start_seq,
            prefix=self.config.prefix,
            max_buffer=max_buffer,
        )
        await reader.start()
        return reader

    async def stream_last_seq(self) -> int:
        info = await self.js.stream_info(self.stream)
        return int(info.state.last_seq or 0)

    # -- callbacks ---------------------------------------------------------------------

    async def _on_error(self, exc: Exception) -> None:
        if self.state is BusState.NEW:
            return  # first-connect failures are reported once, as BusConnectionError
        if isinstance(exc, nats.errors.SlowConsumerError):
            self.stats.slow_consumer += 1
            if self.stats.slow_consumer % 1000 == 1:  # one line per burst, not per message
                log.warning(
                    "bus_slow_consumer",
                    subject=self.logical(exc.subject),
                    dropped_total=self.stats.slow_consumer,
                )
        else:
            log.warning("bus_error", error=str(exc) or type(exc).__name__)

    async def _on_disconnected(self) -> None:
        self.stats.disconnects += 1
        if self.state is BusState.CONNECTED:
            log.warning("bus_disconnected")

    async def _on_reconnected(self) -> None:
        log.info("bus_reconnected")
