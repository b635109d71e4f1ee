"""One server-side WebSocket connection with a bounded send queue.

Messages are encoded once and queued; a writer task sends them. A full queue is a slow
consumer: it is counted, logged and the connection is aborted (memory stays bounded).
RFC6455 ping frames are answered by aiohttp (`autoping`), as pybit's websocket-client needs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec
import structlog
from aiohttp import WSMsgType, web

from venue.ids import IdGen

if TYPE_CHECKING:
    from services.exchange_sim.clock import VirtualClock
    from venue.kernel import Venue

__all__ = ["WsConnection", "WsLink", "WsStats", "encode"]

log = structlog.get_logger(__name__)

_encoder = msgspec.json.Encoder()


def encode(message: dict[str, Any]) -> str:
    return _encoder.encode(message).decode()


class WsStats:
    def __init__(self) -> None:
        self.connections = 0
        self.slow_consumers = 0
        self.dropped_by_fault = 0
        self.malformed_frames = 0


class WsLink(msgspec.Struct, frozen=True):
    """How a server-side connection sends: its queue bound and its one-way latency."""

    queue_size: int
    # Every outbound frame leaves this long after it was queued. Real Bybit is at least one
    # network hop away; clients that register a subscription only after sending it (pybit)
    # depend on that.
    latency_ms: int = 0


class WsConnection:
    def __init__(self, request: web.Request, conn_id: str, link: WsLink, stats: WsStats) -> None:
        queue_size = link.queue_size
        self.conn_id = conn_id
        self.request = request
        self.ws = web.WebSocketResponse(autoping=True, compress=False, max_msg_size=1 << 20)
        self.topics: set[str] = set()
        self.api_key: str | None = None
        self._stats = stats
        self._latency_s = link.latency_ms / 1000
        self._queue: asyncio.Queue[tuple[float, str]] = asyncio.Queue(maxsize=queue_size)
        self._low_water = max(1, queue_size // 4)
        self._drained = asyncio.Event()
        self._drained.set()
        self._closing = False

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    async def serve(self, on_text: Callable[[WsConnection, str], None]) -> web.WebSocketResponse:
        """Run until the peer goes away; `on_text` handles every text frame."""
        await self.ws.prepare(self.request)
        writer = asyncio.create_task(self._write_loop(), name=f"ws-writer-{self.conn_id}")
        try:
            async for msg in self.ws:
                if msg.type is WSMsgType.ERROR:
                    break
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    continue
                text = (
                    msg.data if msg.type is WSMsgType.TEXT else msg.data.decode("utf-8", "replace")
                )
                try:
                    on_text(self, text)
                except Exception:  # a handler bug must not take the connection down
                    log.exception("ws handler failed", conn_id=self.conn_id)
                    self.send({"success": False, "ret_msg": "error:internal error", "op": ""})
        finally:
            self._closing = True
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
            if not self.ws.closed:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.ws.close(), timeout=1.0)
        return self.ws

    def send(self, message: dict[str, Any] | str) -> None:
        if self._closing:
            return
        text = message if isinstance(message, str) else encode(message)
        # the feed's hot path: no clock read unless a latency is configured
        due = asyncio.get_running_loop().time() + self._latency_s if self._latency_s else 0.0
        try:
            self._queue.put_nowait((due, text))
        except asyncio.QueueFull:
            self._stats.slow_consumers += 1
            log.warning("ws slow consumer, closing", conn_id=self.conn_id, queued=self.pending)
            self.abort()
            return
        if self._queue.qsize() > self._low_water:
            self._drained.clear()

    async def wait_drained(self, max_stall_s: float) -> None:
        """Wait until the queue is back under its low-water mark; a peer that stalls longer
        than `max_stall_s` is a slow consumer and gets aborted."""
        if self._drained.is_set() or self._closing:
            return
        try:
            await asyncio.wait_for(self._drained.wait(), max_stall_s)
        except TimeoutError:
            self._stats.slow_consumers += 1
            log.warning("ws consumer stalled, closing", conn_id=self.conn_id, queued=self.pending)
            self.abort()

    def abort(self) -> None:
        """Drop the TCP connection without a close frame (what a network failure looks like)."""
        self._closing = True
        self._drained.set()
        transport = self.request.transport
        if transport is not None:
            transport.abort()

    async def _write_loop(self) -> None:
        try:
            while True:
                due, text = await self._queue.get()
                if self._latency_s:
                    delay = due - asyncio.get_running_loop().time()
                    if delay > 0:
                        await asyncio.sleep(delay)
                await self.ws.send_str(text)
                if self._queue.qsize() <= self._low_water:
                    self._drained.set()
        except (ConnectionError, RuntimeError) as exc:
            log.debug("ws writer stopped", conn_id=self.conn_id, error=str(exc))
        finally:
            self._drained.set()


class WsHub:
    """What both stream endpoints share: the connection set and the accept/serve loop.

    Subclasses implement ``_on_text`` (a client frame) and ``_forget`` (clean-up when a
    connection ends)."""

    def __init__(
        self,
        exchange: Venue,
        clock: VirtualClock,
        link: WsLink,
        stats: WsStats,
        on_change: Callable[[], None],
        id_seed: int,
    ) -> None:
        self._on_change = on_change
        self._exchange = exchange
        self._clock = clock
        self._link = link
        self.stats = stats
        self._ids = IdGen(id_seed)
        self.conns: set[WsConnection] = set()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        conn = WsConnection(request, self._ids.uuid("conn"), self._link, self.stats)
        self.conns.add(conn)
        self.stats.connections += 1
        try:
            return await conn.serve(self._on_text)
        finally:
            self.conns.discard(conn)
            self._forget(conn)

    def _on_text(self, conn: WsConnection, text: str) -> None:
        raise NotImplementedError

    def _forget(self, conn: WsConnection) -> None:
        raise NotImplementedError
