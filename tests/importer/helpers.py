"""Trade files, imports and stored rows for the importer tests."""

from __future__ import annotations

import gzip
import pathlib
from collections.abc import Sequence
from decimal import Decimal

import asyncpg

from services.importer import Importer, ImportRequest, ImportResult
from store import EventRow, EventWriter
from tests.fixtures.events import BASE_MS

REAL_HOUR = "binance_um/BTCUSDT_trades_2020-12-09_0000-0100.csv.gz"
REAL_HOUR_BYBIT = "binance_um/BTCUSDT_trades_2020-12-09_0000-0100.bybit-schema.csv.gz"
BINANCE_HEADER = "id,price,qty,quote_qty,time,is_buyer_maker"

#: Real hour: trades, and frames (distinct milliseconds) of the Binance file.
HOUR_TRADES, HOUR_FRAMES = 100_311, 36_076


def binance_rows(frames: int, per_frame: int = 3, start_ms: int = BASE_MS) -> list[str]:
    """``frames`` milliseconds 7 ms apart with ``per_frame`` trades each, as CSV rows."""
    rows = []
    for f in range(frames):
        for k in range(per_frame):
            tid = 1000 + f * per_frame + k
            price = Decimal("18000.0") + Decimal(f % 50) / 10
            maker = "true" if (f + k) % 2 else "false"
            rows.append(
                f"{tid},{price},0.00{k + 1},{price * Decimal('0.001')},{start_ms + 7 * f},{maker}"
            )
    return rows


def write_csv(
    path: pathlib.Path, lines: Sequence[str], *, header: str = BINANCE_HEADER
) -> pathlib.Path:
    text = "\n".join([header, *lines]) + "\n" if header else "\n".join(lines)
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def truncated_copy(src: pathlib.Path, dst: pathlib.Path, trades: int) -> pathlib.Path:
    """The first ``trades`` rows of a Binance trade file and the rest of the last
    millisecond's (a copy cut on a whole millisecond)."""
    header, *lines = gzip.decompress(src.read_bytes()).decode().splitlines()
    cut = trades
    while cut < len(lines) and lines[cut].split(",")[4] == lines[cut - 1].split(",")[4]:
        cut += 1
    return write_csv(dst, lines[:cut], header=header)


async def run_import(
    pool: asyncpg.Pool,
    *files: pathlib.Path,
    name: str,
    symbol: str = "BTCUSDT",
    writer: EventWriter | None = None,
    **fields: object,
) -> ImportResult:
    request = ImportRequest(name=name, symbol=symbol, files=tuple(map(str, files)), **fields)  # type: ignore[arg-type]
    return await Importer(pool, writer=writer).run(request)


async def stored_rows(pool: asyncpg.Pool, ns: str) -> list[tuple[object, ...]]:
    """Every stored event of ``ns`` in stream order, its subject without the namespace."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT event_id, kind, symbol, stream_seq, ts_exchange_ms, ts_local_ns,"
            " substr(subject, length(ns) + 1), payload FROM events WHERE ns = $1"
            " ORDER BY stream_seq, event_id",
            ns,
        )
    return [tuple(r) for r in rows]


async def count_frames(pool: asyncpg.Pool, ns: str) -> int:
    async with pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM events WHERE ns = $1", ns))


class CrashingWriter(EventWriter):
    """Fails batch number ``crash_at`` inside its transaction, once (a lost connection
    or a killed process, as the importer sees it)."""

    def __init__(self, crash_at: int) -> None:
        super().__init__()
        self.crash_at = crash_at
        self.batches = 0

    async def stage(self, conn: asyncpg.Connection, rows: Sequence[EventRow]) -> None:
        await super().stage(conn, rows)
        self.batches += 1
        if self.batches == self.crash_at:
            raise ConnectionResetError("connection lost (simulated)")
