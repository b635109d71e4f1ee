"""Bulk reading of a recorded namespace by one binary ``COPY`` (the replayer's path)."""

from __future__ import annotations

import struct
from collections.abc import Awaitable, Callable, Sequence
from typing import NamedTuple

import asyncpg

from store._sql import query, select_events_args
from store.errors import StoreError


class StoredChunk(NamedTuple):
    """Consecutive stored events in stream order, as parallel lists."""

    times: list[int]  # ts_exchange_ms
    subjects: list[bytes]  # UTF-8, as stored
    payloads: list[bytes]


async def copy_events(
    conn: asyncpg.Connection,
    ns: str,
    on_chunk: Callable[[StoredChunk], Awaitable[object]],
    *,
    start_ms: int | None = None,
    end_ms: int | None = None,
    symbols: Sequence[str] | None = None,
    accounts: Sequence[str] | None = None,
    after_seq: int = 0,
    chunk: int = 5000,
    kinds: Sequence[str] | None = None,
) -> None:
    """``iter_events`` for bulk readers: the same events, streamed by one binary ``COPY``
    and handed to ``on_chunk`` about ``chunk`` at a time. No object is built per event
    (a cursor's records cost more than the rest of a replay's work), and the server is
    paused while ``on_chunk`` awaits."""
    sql = f"SELECT ts_exchange_ms, subject, payload FROM ({query('select_events')}) q"
    parser = _CopyParser(on_chunk, chunk)
    await conn.copy_from_query(
        sql + " ORDER BY stream_seq",
        *select_events_args(ns, start_ms, end_ms, symbols, accounts, after_seq, kinds),
        output=parser,
        format="binary",
    )
    await parser.finish()


_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_COPY_HEAD = struct.Struct(">11sii")  # signature, flags, header extension length
_ROW_HEAD = struct.Struct(">hiqi")  # fields (3), length of ts (8), ts, length of subject
_LENGTH = struct.Struct(">i")


class _CopyParser:
    """Rows of ``(ts bigint, subject text, payload bytea)`` from binary ``COPY`` data."""

    def __init__(self, on_chunk: Callable[[StoredChunk], Awaitable[object]], size: int) -> None:
        self._on_chunk = on_chunk
        self._size = size
        self._rest = b""
        self._started = False
        self._chunk = StoredChunk([], [], [])

    async def __call__(self, data: bytes | bytearray) -> None:
        buf = self._rest + data if self._rest else bytes(data)  # slices become ``bytes``
        pos, end = 0, len(buf)
        if not self._started:
            if end < _COPY_HEAD.size:
                self._rest = buf
                return
            signature, _, extension = _COPY_HEAD.unpack_from(buf)
            if signature != _COPY_SIGNATURE:
                raise StoreError("unexpected COPY output")
            pos, self._started = _COPY_HEAD.size + extension, True
        times, subjects, payloads = self._chunk
        row_head, length = _ROW_HEAD.unpack_from, _LENGTH.unpack_from
        while pos + 18 <= end:  # the 2-byte trailer never is
            _, _, ts, n = row_head(buf, pos)
            subject = pos + 18
            size_at = subject + n
            if size_at + 4 > end:
                break
            payload = size_at + 4
            (m,) = length(buf, size_at)
            if payload + m > end:
                break
            times.append(ts)
            subjects.append(buf[subject:size_at])
            payloads.append(buf[payload : payload + m])
            pos = payload + m
        self._rest = buf[pos:]
        if len(payloads) >= self._size:
            await self.finish()

    async def finish(self) -> None:
        chunk, self._chunk = self._chunk, StoredChunk([], [], [])
        if chunk.payloads:
            await self._on_chunk(chunk)
