"""Where each reader of the capture stream stands (``stream_offsets``).

A reader commits its offset in the same transaction as the batch it wrote, so "exactly
once" is a property of that transaction."""

from __future__ import annotations

from typing import NamedTuple

import asyncpg

from store.errors import StoreError


class StreamOffset(NamedTuple):
    reader: str
    stream: str
    last_seq: int
    #: The offset this one replaces: when set, the write fails with ``OffsetConflict``
    #: unless it is still the committed one (another writer moved it, or an earlier
    #: batch written concurrently did not commit).
    prev_seq: int | None = None


class OffsetConflict(StoreError):
    """The committed offset is not the one a batch was read after; nothing was written."""

    def __init__(self, offset: StreamOffset) -> None:
        super().__init__(
            f"offset of {offset.reader} on {offset.stream} is no longer {offset.prev_seq}"
        )
        self.offset = offset


async def read_offset(conn: asyncpg.Connection, reader: str, stream: str) -> int:
    """The last committed stream sequence of ``reader`` (0 when it never committed)."""
    seq = await conn.fetchval(
        "SELECT last_seq FROM stream_offsets WHERE reader = $1 AND stream = $2", reader, stream
    )
    return int(seq or 0)
