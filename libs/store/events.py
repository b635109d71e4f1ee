"""Writing to and reading from the event store."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import AsyncIterator, Sequence
from typing import NamedTuple

import asyncpg

import proto
from store._sql import query, select_events_args
from store.offsets import OffsetConflict, StreamOffset

_COLUMNS = (
    "ns", "event_id", "kind", "symbol", "account_id",
    "ts_exchange_ms", "ts_local_ns", "stream_seq", "subject", "payload",
)  # fmt: skip


class EventRow(NamedTuple):
    ns: str
    event_id: str
    kind: str
    symbol: str | None
    account_id: str | None
    ts_exchange_ms: int
    ts_local_ns: int
    stream_seq: int
    subject: str
    payload: bytes


class DeadLetter(NamedTuple):
    subject: str
    stream_seq: int
    msg_id: str | None
    payload: bytes
    reason: str


class StoredEvent(NamedTuple):
    stream_seq: int
    subject: str
    payload: bytes
    ts_exchange_ms: int


def event_row(
    subject: proto.Subject, payload: bytes, stream_seq: int, message: proto.Message
) -> EventRow:
    return EventRow(
        ns=subject.ns,
        event_id=message.event_id,
        kind=proto.kind(message),
        symbol=proto.symbol_of(message),
        account_id=proto.account_of(message),
        ts_exchange_ms=message.ts_exchange_ms,
        ts_local_ns=message.ts_local_ns,
        stream_seq=stream_seq,
        subject=str(subject),
        payload=payload,
    )


_HOUR_MS = 3_600_000


def month_bounds(ts_ms: int) -> tuple[str, int, int]:
    """Partition name and ``[start, end)`` in ms of the UTC month holding ``ts_ms``."""
    return _month_of_hour(ts_ms // _HOUR_MS)


@functools.lru_cache(maxsize=4096)
def _month_of_hour(hour: int) -> tuple[str, int, int]:
    day = dt.datetime.fromtimestamp(hour * 3600, dt.UTC)
    start = dt.datetime(day.year, day.month, 1, tzinfo=dt.UTC)
    end = dt.datetime(day.year + day.month // 12, day.month % 12 + 1, 1, tzinfo=dt.UTC)
    return (
        f"events_p{start:%Y%m}",
        int(start.timestamp() * 1000),
        int(end.timestamp() * 1000),
    )


class EventWriter:
    """Writes batches idempotently: ``COPY`` into a staging table, then only events whose
    ``(ns, event_id)`` is new are stored. One writer per connection.

    ``write`` is the whole of it in one transaction. Callers overlapping batches on
    several connections run the steps themselves, in this order: ``ensure_partitions``
    (outside the batch's transaction), then inside it ``stage``, ``claim_staged`` (the
    step that may wait for another transaction's keys), ``insert_claimed`` or else
    ``insert_deduplicated``, ``insert_dead`` and ``advance``."""

    def __init__(self) -> None:
        self._partitions: set[str] = set()

    async def write(
        self,
        conn: asyncpg.Connection,
        rows: Sequence[EventRow],
        dead: Sequence[DeadLetter] = (),
        offset: StreamOffset | None = None,
    ) -> int:
        """Store ``rows``, ``dead`` and the reader's new ``offset`` in one transaction;
        returns rows actually written (duplicates of stored events are skipped)."""
        await self.ensure_partitions(conn, rows)
        written = 0
        async with conn.transaction():
            if rows:
                await self.stage(conn, rows)
                if await self.claim_staged(conn):
                    written = await self.insert_claimed(conn)
                else:
                    written = await self.insert_deduplicated(conn)
            await self.insert_dead(conn, dead)
            if offset is not None:
                await self.advance(conn, offset)
        return written

    async def ensure_partitions(self, conn: asyncpg.Connection, rows: Sequence[EventRow]) -> None:
        """Create the monthly partitions ``rows`` need. Outside a transaction this
        commits at once: creating one locks all of ``events``, so not for a batch's
        duration."""
        if not rows:
            return
        times = [r[5] for r in rows]  # ts_exchange_ms
        lo, hi = _month_of_hour(min(times) // _HOUR_MS), _month_of_hour(max(times) // _HOUR_MS)
        wanted = {lo} if lo == hi else {_month_of_hour(t // _HOUR_MS) for t in times}
        for name, start, end in sorted(wanted):
            if name in self._partitions:
                continue
            async with conn.transaction():
                # Serialise concurrent writers creating the same partition.
                await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", name)
                await conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF events "
                    f"FOR VALUES FROM ({start}) TO ({end})"
                )
            self._partitions.add(name)

    async def stage(self, conn: asyncpg.Connection, rows: Sequence[EventRow]) -> None:
        """``COPY`` the rows (``EventRow``s or plain tuples in its field order) into this
        connection's staging table; it touches nothing other connections use."""
        await conn.execute(query("create_staging"))
        await conn.copy_records_to_table("event_staging", records=rows, columns=_COLUMNS)

    async def claim_staged(self, conn: asyncpg.Connection) -> bool:
        """Store the keys of the staged events when none is stored yet (the common case,
        without the work of deduplication); False, and nothing stored, when some are."""
        try:
            async with conn.transaction():  # a savepoint: a failure undoes only this
                await conn.execute(query("insert_new_keys"))
        except asyncpg.UniqueViolationError:
            return False
        return True

    async def insert_claimed(self, conn: asyncpg.Connection) -> int:
        """Store the staged events after ``claim_staged`` succeeded; returns how many."""
        status = await conn.execute(query("insert_claimed_events"))
        return int(status.rsplit(" ", 1)[1])

    async def insert_deduplicated(self, conn: asyncpg.Connection) -> int:
        """Store the staged events not stored yet, once each; returns how many."""
        return int(await conn.fetchval(query("insert_events")))

    async def insert_dead(self, conn: asyncpg.Connection, dead: Sequence[DeadLetter]) -> None:
        if dead:
            await conn.executemany(
                "INSERT INTO dead_letters (subject, stream_seq, msg_id, payload, reason)"
                " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                dead,
            )

    @staticmethod
    async def advance(conn: asyncpg.Connection, offset: StreamOffset) -> None:
        """Move a reader's committed offset; with ``prev_seq``, only from that one."""
        moved = await conn.fetchval(query("advance_offset"), *offset)
        if not moved:
            raise OffsetConflict(offset)


async def iter_events(
    conn: asyncpg.Connection,
    ns: str,
    *,
    start_ms: int | None = None,
    end_ms: int | None = None,
    symbols: Sequence[str] | None = None,
    accounts: Sequence[str] | None = None,
    after_seq: int = 0,
    chunk: int = 5000,
    kinds: Sequence[str] | None = None,
) -> AsyncIterator[list[StoredEvent]]:
    """A recorded namespace in stream order, in chunks, through a server-side cursor.

    Events with no symbol (wallet, sys) pass a symbol filter; events with no account
    (market data) pass an account filter.
    """
    async with conn.transaction(readonly=True):
        cursor = await conn.cursor(
            query("select_events"),
            *select_events_args(ns, start_ms, end_ms, symbols, accounts, after_seq, kinds),
        )
        while batch := await cursor.fetch(chunk):
            yield [StoredEvent(r[0], r[1], r[2], r[3]) for r in batch]


async def count_events(
    conn: asyncpg.Connection,
    ns: str,
    *,
    start_ms: int | None = None,
    end_ms: int | None = None,
    symbols: Sequence[str] | None = None,
    accounts: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
    after_seq: int = 0,
) -> int:
    """How many events ``iter_events`` with the same filters yields."""
    sql = f"SELECT count(*) FROM ({query('select_events')}) q"
    return int(
        await conn.fetchval(
            sql, *select_events_args(ns, start_ms, end_ms, symbols, accounts, after_seq, kinds)
        )
    )
