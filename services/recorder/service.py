"""The recorder: the capture stream → batched ``COPY`` into the PostgreSQL event store.

Exactly once, by construction: each batch is written together with the stream sequence
it reaches (``stream_offsets``) in one transaction, and a (re)started recorder reads the
stream from the sequence after the committed one. A crash mid-batch rolls the batch
back and it is read again; duplicates that reach the stream twice (a publisher retry
outside the server's dedup window) are dropped by the store's ``(ns, event_id)`` key.

Batches grow with load: the writer takes everything that arrived while it was writing
the previous batch (up to ``batch_size``), so a busy recorder pays the per-transaction
cost once per thousands of events, an idle one writes each event promptly.

Batches overlap on ``writers`` connections, taken in turn. Each is decoded and copied
into its connection's staging table while earlier ones are in the database; it stores
its keys (``event_keys``) once the previous batch has stored its own, so a later batch
never holds a key an earlier one waits for, and its events once the previous batch's are
in (concurrent inserts into the same indexes only contend). Commits stay in stream
order: a batch moves the offset only from where the previous one left it (compare and
set, ``EventWriter.advance``), which waits for the previous commit and fails unless it
happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import asyncpg
import structlog

from alerts import Alerts
from bus import Bus, StreamReader
from services.recorder.batch import Row, to_rows
from services.recorder.config import RecorderConfig
from store import DeadLetter, EventWriter, StreamOffset, read_offset

log = structlog.get_logger(__name__)


#: PostgreSQL going away: a restart (admin shutdown), a refused or dropped connection.
_DB_DOWN = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.CannotConnectNowError,
)


def _leaf(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup):
        exc = exc.exceptions[0]
    return exc


def _failed(task: asyncio.Task[None] | None) -> bool:
    if task is None or not task.done() or task.cancelled():
        return False
    return task.exception() is not None


def database_outage(exc: BaseException) -> bool:
    """Is every failure in ``exc`` (a task group's too) PostgreSQL being unavailable?"""
    if isinstance(exc, BaseExceptionGroup):
        return all(database_outage(e) for e in exc.exceptions)
    return isinstance(exc, _DB_DOWN)


class RecorderStats:
    def __init__(self) -> None:
        self.database_outages = 0
        self.received = 0
        self.written = 0
        self.duplicates = 0
        self.dead_letters = 0
        self.batches = 0
        self.last_seq = 0
        self.lag = 0


class _Lane:
    """One of the recorder's connections, writing every ``writers``-th batch."""

    __slots__ = ("conn", "store", "task")

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.store = EventWriter()  # one per connection: it remembers created partitions
        self.task: asyncio.Task[None] | None = None


class _Pending:
    """A decoded batch on its way to the store, and how far it got (uncommitted)."""

    __slots__ = ("advanced", "claimed", "dead", "offset", "previous", "received", "rows", "stored")

    def __init__(
        self,
        received: int,
        converted: tuple[list[Row], list[DeadLetter]],
        offset: StreamOffset,
        previous: _Pending | None,
    ) -> None:
        self.received = received
        self.rows, self.dead = converted
        self.offset = offset
        self.previous = previous
        self.claimed = asyncio.Event()  # its keys are stored
        self.stored = asyncio.Event()  # its events are stored
        self.advanced = asyncio.Event()  # it holds the offset row

    @classmethod
    def committed(cls, stream: str, durable: str, last_seq: int) -> _Pending:
        """What the first batch follows: the offset committed before this run."""
        done = cls(0, ([], []), StreamOffset(durable, stream, last_seq), None)
        for step in (done.claimed, done.stored, done.advanced):
            step.set()
        return done


class Recorder:
    def __init__(
        self,
        bus: Bus,
        pool: asyncpg.Pool,
        config: RecorderConfig | None = None,
        *,
        alerts: Alerts | None = None,
    ) -> None:
        self.bus = bus
        self.pool = pool
        self.config = config or RecorderConfig()
        self.alerts = alerts  # None: nothing is sent
        self.stats = RecorderStats()
        #: False while PostgreSQL is unreachable (``/healthz``).
        self.healthy = False

    async def run(self, stop: asyncio.Event) -> None:
        """Record until ``stop`` is set; batches being written are committed first.

        PostgreSQL going away does not stop the recorder: it reports itself unhealthy,
        waits (``reconnect_backoff_s``) and resumes from the committed offset."""
        waits = self.config.reconnect_backoff_s
        failures = 0
        while not stop.is_set():
            try:
                await self._session(stop)
                return
            except BaseException as exc:
                if not database_outage(exc):
                    raise
                self.healthy = False
                self.stats.database_outages += 1
                wait = waits[min(failures, len(waits) - 1)]
                failures += 1
                cause = _leaf(exc)
                log.warning(
                    "recorder_database_unavailable",
                    error=str(cause) or type(cause).__name__,
                    retry_in_s=wait,
                    committed=self.stats.last_seq,
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), wait)

    async def _session(self, stop: asyncio.Event) -> None:
        """One connected run: from the committed offset until ``stop`` or an error."""
        stream = await self.bus.ensure_stream()
        async with contextlib.AsyncExitStack() as stack:
            lanes = [
                _Lane(await stack.enter_async_context(self.pool.acquire()))
                for _ in range(self.config.writers)
            ]
            conn, durable = lanes[0].conn, self.config.durable
            last = self.stats.last_seq = await read_offset(conn, durable, stream)
            # The offset row must exist (committed) for batches to compare and set it.
            await EventWriter.advance(conn, StreamOffset(durable, stream, last, last))
            reader = await self.bus.stream_reader(
                self.stats.last_seq + 1, max_buffer=self.config.max_buffered
            )
            stack.push_async_callback(reader.stop)
            log.info("recorder_started", stream=stream, resume_after=self.stats.last_seq)
            self.healthy = True
            async with asyncio.TaskGroup() as tg:
                tg.create_task(self._report_loop(stop))
                await self._write_loop(lanes, reader, stream, stop)
                stop.set()
        log.info("recorder_stopped", written=self.stats.written, last_seq=self.stats.last_seq)

    async def _write_loop(
        self, lanes: list[_Lane], reader: StreamReader, stream: str, stop: asyncio.Event
    ) -> None:
        previous = _Pending.committed(stream, self.config.durable, self.stats.last_seq)
        turn = 0
        async with asyncio.TaskGroup() as tg:
            while not stop.is_set():
                batch = await reader.take(self.config.batch_size, self.config.fetch_timeout_s)
                if not batch:
                    continue
                offset = StreamOffset(
                    self.config.durable, stream, batch.seqs[-1], previous.offset.last_seq
                )
                # Decoded while other lanes' batches are in the database.
                pending = _Pending(len(batch), to_rows(batch), offset, previous)
                lane = lanes[turn % len(lanes)]
                turn += 1
                if lane.task is not None:
                    await lane.task
                if any(_failed(other.task) for other in lanes):
                    break  # the group raises that lane's error on leaving
                lane.task = tg.create_task(self._write(lane, pending))
                previous = pending

    async def _write(self, lane: _Lane, batch: _Pending) -> None:
        conn, store, rows = lane.conn, lane.store, batch.rows
        previous = batch.previous
        assert previous is not None
        await store.ensure_partitions(conn, rows)
        written = 0
        async with conn.transaction():
            if rows:
                await store.stage(conn, rows)
            await previous.claimed.wait()
            claimed = bool(rows) and await store.claim_staged(conn)
            if rows and not claimed:  # some are stored already: may wait for their commit
                written = await store.insert_deduplicated(conn)
            await store.insert_dead(conn, batch.dead)
            batch.claimed.set()
            await previous.stored.wait()  # one insert into the events indexes at a time
            if claimed:
                written = await store.insert_claimed(conn)
            batch.stored.set()
            await previous.advanced.wait()
            await store.advance(conn, batch.offset)  # waits for the previous commit
            batch.advanced.set()
        batch.previous = None  # let finished batches be freed
        self.healthy = True
        s = self.stats
        s.batches += 1
        s.received += batch.received
        s.written += written
        s.duplicates += len(rows) - written
        s.dead_letters += len(batch.dead)
        s.last_seq = max(s.last_seq, batch.offset.last_seq)
        for d in batch.dead:
            log.warning(
                "recorder_dead_letter", subject=d.subject, seq=d.stream_seq, reason=d.reason
            )

    def _check_lag(self) -> None:
        bound = self.config.alert_lag
        if self.alerts is not None and self.stats.lag > bound:
            self.alerts.fire(
                "recorder:lag",
                "recorder falling behind",
                f"{self.stats.lag} events behind the stream tail (bound {bound})",
            )

    async def _report_loop(self, stop: asyncio.Event) -> None:
        last_written, last_t = 0, time.monotonic()
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.config.report_every_s)
            try:
                tail = await asyncio.wait_for(self.bus.stream_last_seq(), 5.0)
                self.stats.lag = max(tail - self.stats.last_seq, 0)
                self._check_lag()
            except Exception as exc:  # a report failing must not stop recording
                log.warning("recorder_lag_unavailable", reason=str(exc) or type(exc).__name__)
            now = time.monotonic()
            rate = (self.stats.written - last_written) / max(now - last_t, 1e-9)
            last_written, last_t = self.stats.written, now
            log.info(
                "recorder_progress",
                written=self.stats.written,
                duplicates=self.stats.duplicates,
                dead_letters=self.stats.dead_letters,
                lag=self.stats.lag,
                events_per_s=round(rate, 1),
            )
