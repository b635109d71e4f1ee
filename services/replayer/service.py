"""The replayer: a recorded run, republished byte for byte under ``replay.<run>.``.

Rows stream out of PostgreSQL (one binary ``COPY``, parsed in bulk) into a bounded queue
while the publisher drains it, so reading and publishing overlap; the queue pauses the
server, and nats-py's pending-buffer limit is the flow control. With ``speed`` set, each
event waits for its recorded exchange time scaled by the speed factor.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

import asyncpg
import msgspec
import structlog

import proto
from bus import Bus
from obs.progress import Progress
from services.replayer.request import ReplayRequest
from services.replayer.runs import close_run, open_run
from store import StoredChunk, copy_events, count_events

log = structlog.get_logger(__name__)

Clock = Callable[[], float]


class ReplayResult(msgspec.Struct, frozen=True):
    run_id: str
    ns: str
    events: int
    seconds: float


class Replayer:
    def __init__(
        self,
        bus: Bus,
        pool: asyncpg.Pool,
        *,
        chunk: int = 5000,
        queue_chunks: int = 4,
        clock: Clock = time.monotonic,
    ) -> None:
        self.bus = bus
        self.pool = pool
        self.chunk = chunk
        self.queue_chunks = queue_chunks
        self.clock = clock

    async def replay(
        self, request: ReplayRequest, *, show_progress: bool = True, register: bool = True
    ) -> ReplayResult:
        """Republish ``request``'s window; with ``register`` (the default) the run is
        opened in ``runs`` and closed finished or failed here, else by the caller."""
        target = request.publish_ns
        filters = {
            "start_ms": request.start_ms,
            "end_ms": request.end_ms,
            "symbols": request.symbols or None,
            "accounts": request.accounts or None,
            "kinds": request.kinds or None,
            "after_seq": request.after_seq,
        }
        async with self.pool.acquire() as conn:
            total = await count_events(conn, request.source_ns, **filters)
            owner = await open_run(conn, request) if register else None
        progress = Progress(f"replay {request.run_id}", total) if show_progress else None
        started = self.clock()
        try:
            await self.bus.publish(target, _frame_start(request))
            queue: asyncio.Queue[StoredChunk | None] = asyncio.Queue(self.queue_chunks)
            async with asyncio.TaskGroup() as tg:
                tg.create_task(self._read(request, filters, queue))
                sent = await self._publish(request, queue, progress)
            await self.bus.publish(target, _frame_end(request, sent))
            await self.bus.flush()
        except BaseException as exc:
            if owner is not None:
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(5), self.pool.acquire() as conn:
                        cause = _leaf(exc)
                        error = str(cause) or type(cause).__name__
                        await close_run(conn, owner, request.run_id, "failed", error=error)
            raise
        seconds = self.clock() - started
        if progress:
            progress.finish()
        if owner is not None:
            async with self.pool.acquire() as conn:
                await close_run(conn, owner, request.run_id, "finished", events=sent)
        log.info("replay_done", run_id=request.run_id, events=sent, seconds=round(seconds, 3))
        return ReplayResult(request.run_id, target, sent, seconds)

    async def _read(
        self,
        request: ReplayRequest,
        filters: dict[str, object],
        queue: asyncio.Queue[StoredChunk | None],
    ) -> None:
        try:
            async with self.pool.acquire() as conn:
                await copy_events(
                    conn, request.source_ns, queue.put, chunk=self.chunk,
                    **filters,  # type: ignore[arg-type]
                )  # fmt: skip
        finally:
            await queue.put(None)

    async def _publish(
        self,
        request: ReplayRequest,
        queue: asyncio.Queue[StoredChunk | None],
        progress: Progress | None,
    ) -> int:
        publish = self.bus.nc.publish  # per event: no wrapper, the subject is cached
        wired: dict[bytes, str] = {}
        cut, target = len(request.source_ns), request.publish_ns
        if request.feed:
            return await self._publish_paced(request, queue, progress, rebase_to=target)

        def rebase(stored: bytes) -> str:
            wire = wired[stored] = self.bus.wire(target + stored.decode()[cut:])
            return wire

        pacer = _Pacer(request.speed, self.clock) if request.speed else None
        sent = 0
        while (chunk := await queue.get()) is not None:
            if pacer is None:
                for subject, payload in zip(chunk.subjects, chunk.payloads, strict=True):
                    await publish(wired.get(subject) or rebase(subject), payload)
            else:
                for ts, subject, payload in zip(*chunk, strict=True):
                    await pacer.wait_for(ts)
                    await publish(wired.get(subject) or rebase(subject), payload)
            sent += len(chunk.payloads)
            self.bus.stats.published += len(chunk.payloads)
            if progress:
                progress.advance(len(chunk.payloads))
        return sent

    async def _publish_paced(
        self,
        request: ReplayRequest,
        queue: asyncio.Queue[StoredChunk | None],
        progress: Progress | None,
        *,
        rebase_to: str,
    ) -> int:
        """Into the feed, never more than ``window`` events ahead of the simbroker."""
        window = _Window(request.window)
        sub = await self.bus.nc.subscribe(
            self.bus.wire(f"{request.target_ns}.sys.simbroker.sim_progress"), cb=window.on_msg
        )
        publish = self.bus.nc.publish
        cut = len(request.source_ns)
        wired: dict[bytes, str] = {}
        sent = 0
        try:
            while (chunk := await queue.get()) is not None:
                for subject, payload in zip(chunk.subjects, chunk.payloads, strict=True):
                    if sent - window.done >= window.size:
                        await self.bus.flush()
                        await window.wait_below(sent)
                    wire = wired.get(subject)
                    if wire is None:
                        wire = wired[subject] = self.bus.wire(rebase_to + subject.decode()[cut:])
                    await publish(wire, payload)
                    sent += 1
                self.bus.stats.published += len(chunk.payloads)
                if progress:
                    progress.advance(len(chunk.payloads))
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        return sent


class _Window:
    """How many events the simbroker has consumed, from its ``SimProgress`` reports."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.done = 0
        self._moved = asyncio.Event()

    async def on_msg(self, msg: Any) -> None:
        try:
            report = proto.decode(msg.data, proto.Family.SYS)
        except proto.ProtoDecodeError:
            return
        if isinstance(report, proto.SimProgress):
            self.done = max(self.done, report.events)
            self._moved.set()

    async def wait_below(self, sent: int) -> None:
        while sent - self.done >= self.size:
            self._moved.clear()
            await self._moved.wait()


class _Pacer:
    """Sleeps so that recorded exchange time advances ``speed`` times faster than ours."""

    def __init__(self, speed: float, clock: Clock) -> None:
        self.speed = speed
        self.clock = clock
        self._origin: tuple[int, float] | None = None

    async def wait_for(self, ts_ms: int) -> None:
        if self._origin is None:
            self._origin = (ts_ms, self.clock())
            return
        first_ms, t0 = self._origin
        due = t0 + (ts_ms - first_ms) / 1000.0 / self.speed
        delay = due - self.clock()
        if delay > 0.001:
            await asyncio.sleep(delay)


def _leaf(exc: BaseException) -> BaseException:
    """The first real failure inside a task group's exception group."""
    while isinstance(exc, BaseExceptionGroup):
        exc = exc.exceptions[0]
    return exc


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _frame_start(request: ReplayRequest) -> proto.ReplayStart:
    return proto.ReplayStart(
        event_id=f"replay_start:{request.run_id}",
        ts_exchange_ms=_now_ms(),
        ts_local_ns=time.time_ns(),
        run_id=request.run_id,
        source_namespace=request.source_ns,
        window_start_ms=request.start_ms,
        window_end_ms=request.end_ms,
        symbols=list(request.symbols),
        accounts=list(request.accounts),
        speed=request.speed,
    )


def _frame_end(request: ReplayRequest, events: int) -> proto.ReplayEnd:
    return proto.ReplayEnd(
        event_id=f"replay_end:{request.run_id}",
        ts_exchange_ms=_now_ms(),
        ts_local_ns=time.time_ns(),
        run_id=request.run_id,
        events=events,
    )
