"""Reconnecting Bybit V5 websocket: one connection, its topics, a bounded event queue.

A connection's life: connect → (private) auth → subscribe every topic → read frames and
send a JSON ping every ``ws_ping_interval_s``. A socket silent for longer than
ping interval + ``ws_pong_timeout_s`` is stale. Whenever the link drops the client
reconnects with jittered exponential backoff and resubscribes; once subscribed again the
outage is put on ``disconnects`` as a :class:`Disconnect` with its start and end time.

Push frames are normalised to proto events (:class:`bybit.parse.FrameNormaliser`) and put
on a bounded queue; a full queue drops the event and counts it (``dropped_events``), and
the time from the first drop until the queue takes events again is reported like an
outage (on ``disconnects``), so a consumer back-fills it.
A malformed frame is logged, counted (``parse_errors``) and skipped. Auth or subscribe
refusals are fatal: the client closes and ``recv`` raises the error.
"""

from __future__ import annotations

import asyncio
import enum
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, Final

import msgspec
import structlog
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from bybit._signing import hmac_hex, ws_auth_payload
from bybit.config import BybitConfig
from bybit.http.errors import (
    BybitAuthError,
    BybitConnectionError,
    BybitError,
    BybitParseError,
    BybitRequestError,
    BybitWsError,
)
from bybit.parse import FrameNormaliser, StreamEvent
from bybit.ws._outages import Disconnect, OutageTracker, backoff_delay
from bybit.ws._requests import PendingRequests
from bybit.ws.messages import PRIVATE_TOPICS, Topic, WsFrame, decode_frame, public_topic

log = structlog.get_logger(__name__)

#: Topics per subscribe request (Bybit caps some channels at 10 args).
_SUBSCRIBE_CHUNK: Final = 10
_LOG_EVERY: Final = 1000


class WsState(enum.Enum):
    NEW = "new"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


class _Stop:
    """Queue sentinel: the client is closed; ``error`` is why, if it failed."""

    def __init__(self, error: BybitError | None) -> None:
        self.error = error


class BybitWebSocketClient:
    """One Bybit websocket. Build with :meth:`public` or :meth:`private`; use as
    ``async with client: async for event in client: ...``."""

    def __init__(
        self,
        config: BybitConfig,
        *,
        url: str,
        stream: str,
        topics: Iterable[str] = (),
        private: bool = False,
        clock_ns: Callable[[], int] = time.time_ns,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if private and not config.has_credentials:
            raise BybitRequestError(f"{stream}: a private stream needs an API key and secret")
        self._config = config
        self._url = url
        self.stream = stream
        self._topics: dict[str, None] = dict.fromkeys(topics)
        self._private = private
        self._clock_ns = clock_ns
        self._rng = rng or random.Random()
        self._sleep = sleep
        self._normaliser = FrameNormaliser(config.account_id if private else "")
        self._events: asyncio.Queue[StreamEvent | _Stop] = asyncio.Queue(config.ws_queue_size)
        self._outages = OutageTracker(stream, clock_ns)
        self._requests = PendingRequests(stream)
        self.connected = asyncio.Event()
        self.state = WsState.NEW
        self._ws: ClientConnection | None = None
        self._run_task: asyncio.Task[None] | None = None
        self._fatal: BybitError | None = None
        self.frames_received = 0
        self.parse_errors = 0
        self.dropped_events = 0

    @classmethod
    def public(
        cls, config: BybitConfig, symbols: Iterable[str], *, stream: str = "public", **kw: Any
    ) -> BybitWebSocketClient:
        """``publicTrade.{symbol}`` and ``tickers.{symbol}`` for every symbol."""
        topics = [
            public_topic(topic, symbol)
            for symbol in symbols
            for topic in (Topic.PUBLIC_TRADE, Topic.TICKERS)
        ]
        return cls(config, url=config.urls.ws_public, stream=stream, topics=topics, **kw)

    @classmethod
    def private(
        cls,
        config: BybitConfig,
        *,
        topics: Iterable[str] = PRIVATE_TOPICS,
        stream: str | None = None,
        **kw: Any,
    ) -> BybitWebSocketClient:
        """``order``, ``execution``, ``position``, ``wallet`` of the config's account."""
        name = stream or f"private:{config.account_id}"
        url = config.urls.ws_private
        return cls(config, url=url, stream=name, topics=topics, private=True, **kw)

    @property
    def topics(self) -> list[str]:
        return list(self._topics)

    @property
    def disconnects(self) -> asyncio.Queue[Disconnect]:
        """Bounded queue of finished outages (overflow counted in ``dropped_disconnects``)."""
        return self._outages.reports

    @property
    def down_since_ns(self) -> int | None:
        """When the current outage started; ``None`` while connected."""
        return self._outages.since_ns

    @property
    def reconnects(self) -> int:
        return self._outages.count

    @property
    def dropped_disconnects(self) -> int:
        return self._outages.dropped

    @property
    def queued(self) -> int:
        return self._events.qsize()

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> BybitWebSocketClient:
        self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def start(self) -> None:
        """Start connecting in the background (idempotent)."""
        if self.state is WsState.NEW:
            self.state = WsState.CONNECTING
            self._run_task = asyncio.create_task(self._run(), name=f"bybit-ws-{self.stream}")

    async def wait_connected(self, timeout_s: float) -> None:
        """Wait until subscribed (``TimeoutError`` after ``timeout_s``); raises the fatal
        error if the client failed meanwhile."""
        waiter = asyncio.ensure_future(self.connected.wait())
        watched = {waiter} | ({self._run_task} if self._run_task else set())
        try:
            async with asyncio.timeout(timeout_s):
                await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
        if not self.connected.is_set():
            raise self._fatal or BybitConnectionError(self.stream, f"not connected ({self.state})")

    async def drain(self, grace_s: float) -> None:
        """Stop reading, give the consumer up to ``grace_s`` to empty the queue, then close."""
        await self._stop_run()
        try:
            async with asyncio.timeout(grace_s):
                await self._events.join()
        except TimeoutError:
            log.warning("bybit.ws.drain_timeout", stream=self.stream, queued=self.queued)
        await self.close()

    async def close(self) -> None:
        """Hard stop: close the socket, report an open outage, end iteration. Idempotent."""
        if self.state is WsState.CLOSED:
            return
        await self._stop_run()
        self._finish(None)

    async def _stop_run(self) -> None:
        task, self._run_task = self._run_task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def _finish(self, error: BybitError | None) -> None:
        self.state = WsState.CLOSED
        self.connected.clear()
        self._fatal = error
        self._outages.closed()
        if self._events.full():  # make room for the sentinel
            self._events.get_nowait()
            self._events.task_done()
            self.dropped_events += 1
        self._events.put_nowait(_Stop(error))

    # ------------------------------------------------------------------ consumer side

    async def recv(self) -> StreamEvent:
        """The next event. Raises the fatal error, or ``BybitRequestError`` once closed."""
        item = await self._events.get()
        self._events.task_done()
        if isinstance(item, _Stop):
            self._events.put_nowait(item)  # keep it for the next caller
            raise item.error or BybitRequestError(f"{self.stream}: websocket closed")
        return item

    def __aiter__(self) -> AsyncIterator[StreamEvent]:
        return self

    async def __anext__(self) -> StreamEvent:
        try:
            return await self.recv()
        except BybitRequestError:
            raise StopAsyncIteration from None

    async def subscribe(self, topics: Iterable[str]) -> None:
        """Add topics; sent now when connected, and again on every reconnect."""
        new = [topic for topic in topics if topic not in self._topics]
        self._topics.update(dict.fromkeys(new))
        ws = self._ws
        if not (new and ws is not None and self.connected.is_set()):
            return
        try:
            await self._subscribe(ws, new)
        except BybitWsError:
            for topic in new:
                self._topics.pop(topic, None)
            raise

    # ------------------------------------------------------------------ connection loop

    async def _run(self) -> None:
        attempt = 0
        cfg = self._config
        try:
            while True:
                reason = await self._connect_once()
                attempt = 0 if self.connected.is_set() else attempt + 1
                self.connected.clear()
                self.state = WsState.RECONNECTING
                self._outages.lost(reason)
                delay = backoff_delay(
                    attempt, cfg.ws_reconnect_min_s, cfg.ws_reconnect_max_s, self._rng
                )
                log.info("bybit.ws.reconnect_in", stream=self.stream, delay_s=round(delay, 3))
                await self._sleep(delay)
        except (BybitAuthError, BybitWsError) as exc:
            log.error("bybit.ws.fatal", stream=self.stream, error=str(exc))
            self._finish(exc)
        except Exception as exc:  # a bug must end iteration, not hang the consumer
            log.exception("bybit.ws.crashed", stream=self.stream)
            self._finish(BybitWsError("run", repr(exc)))

    async def _connect_once(self) -> str:
        """One connection from open to loss; returns why it ended."""
        try:
            ws = await connect(
                self._url,
                open_timeout=self._config.ws_open_timeout_s,
                ping_interval=None,
                close_timeout=1,
                max_size=2**24,
            )
            self._ws = ws
            try:
                await self._session(ws)
            finally:
                await ws.close()  # a normal 1000 close, also when cancelled
            return "closed"
        except ConnectionClosed as exc:
            return f"connection closed: {exc}"
        except TimeoutError:
            return "timeout opening or waiting for an ack"
        except (OSError, WebSocketException, BybitConnectionError) as exc:
            return f"{type(exc).__name__}: {exc}"
        finally:
            self._ws = None
            self._requests.fail_all()

    async def _session(self, ws: ClientConnection) -> None:
        reader = asyncio.create_task(self._read_loop(ws))
        pinger: asyncio.Task[None] | None = None
        try:
            try:
                await self._handshake(ws)
            except BybitConnectionError:  # the reader lost the link: report its reason
                if reader.done() and (lost := reader.exception()) is not None:
                    raise lost from None
                raise
            self.state = WsState.CONNECTED
            self.connected.set()
            log.info("bybit.ws.connected", stream=self.stream, topics=len(self._topics))
            self._outages.restored()
            pinger = asyncio.create_task(self._ping_loop(ws))
            await reader
        finally:
            tasks = [task for task in (reader, pinger) if task is not None]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _handshake(self, ws: ClientConnection) -> None:
        timeout = self._config.ws_open_timeout_s
        if self._private:
            expires = self._clock_ns() // 1_000_000 + int(self._config.ws_auth_expires_s * 1000)
            signature = hmac_hex(self._config.api_secret.reveal(), ws_auth_payload(expires))
            args = [self._config.api_key, expires, signature]
            ack = await self._requests.request(ws, "auth", args, timeout)
            if not ack.success:
                raise BybitAuthError(None, ack.ret_msg, endpoint=f"ws auth {self.stream}")
        await self._subscribe(ws, list(self._topics))

    async def _subscribe(self, ws: ClientConnection, topics: list[str]) -> None:
        for start in range(0, len(topics), _SUBSCRIBE_CHUNK):
            chunk = topics[start : start + _SUBSCRIBE_CHUNK]
            ack = await self._requests.request(
                ws, "subscribe", chunk, self._config.ws_open_timeout_s
            )
            if not ack.success:
                raise BybitWsError("subscribe", ack.ret_msg, tuple(chunk))

    async def _ping_loop(self, ws: ClientConnection) -> None:
        while True:
            await asyncio.sleep(self._config.ws_ping_interval_s)
            ping = {"req_id": self._requests.next_id("ping"), "op": "ping"}
            try:
                await ws.send(msgspec.json.encode(ping).decode())
            except ConnectionClosed:
                return

    async def _read_loop(self, ws: ClientConnection) -> None:
        stale_after = self._config.ws_ping_interval_s + self._config.ws_pong_timeout_s
        try:
            while True:
                try:
                    async with asyncio.timeout(stale_after):
                        raw = await ws.recv()
                except TimeoutError:
                    raise BybitConnectionError(
                        self.stream, f"stale: no frame for {stale_after:g} s"
                    ) from None
                self._on_raw(raw, self._clock_ns())
        finally:
            self._requests.fail_all()

    # ------------------------------------------------------------------ frames

    def _on_raw(self, raw: str | bytes, ts_local_ns: int) -> None:
        self.frames_received += 1
        try:
            frame = decode_frame(raw)
            if frame.topic:
                for event in self._normaliser.normalise(frame, ts_local_ns):
                    self._offer(event)
            elif frame.op:
                self._on_control(frame)
        except BybitParseError as exc:
            self.parse_errors += 1
            log.warning(
                "bybit.ws.parse_error", stream=self.stream, error=str(exc), count=self.parse_errors
            )
        except Exception:  # an unforeseen frame shape: skip it like a malformed one
            self.parse_errors += 1
            log.exception("bybit.ws.frame_error", stream=self.stream, count=self.parse_errors)

    def _on_control(self, frame: WsFrame) -> None:
        if frame.op not in ("ping", "pong"):  # pongs only prove liveness (any frame does)
            self._requests.resolve(frame)

    def _offer(self, event: StreamEvent) -> None:
        try:
            self._events.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped_events += 1
            self._outages.overflowed()  # reported as a gap once the queue drains
            if self.dropped_events % _LOG_EVERY == 1:
                log.warning("bybit.ws.queue_full", stream=self.stream, dropped=self.dropped_events)
            return
        self._outages.drained()
