"""The import: trade files into the event store as a recorded run ``import.<name>``.

Every file is read and checked whole before anything is stored (a bad file stores
nothing). Frames are committed ``batch_frames`` per transaction, so an interrupted
import keeps what it committed; the next run skips, without sending them, the frames
before the last one stored, and the store's ``(ns, event_id)`` key drops the rest of
what is already there.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import pathlib
import time
from collections.abc import Callable

import asyncpg
import msgspec
import structlog

import proto
from marketdata import DataHealth, TradeTape, assess, file_sha256, read_trades
from marketdata.health import utc_iso
from obs.progress import Progress
from services.importer.frames import frame_rows, frame_starts
from services.importer.request import ImportRequest
from services.importer.runs import DEFAULT_USER, close_run, open_run, owner_id
from store import EventRow, EventWriter

log = structlog.get_logger(__name__)

_MINUTE_MS = 60_000

_LAST_STORED = """
SELECT max(ts_exchange_ms) FROM events
WHERE ns = $1 AND kind = 'trade' AND symbol = $2 AND account_id IS NULL
"""
_STORED_FRAME = """
SELECT payload FROM events
WHERE ns = $1 AND stream_seq = $2 AND ts_exchange_ms = $3 AND event_id = $4
"""
_STORED_BETWEEN = """
SELECT count(*) FROM events
WHERE ns = $1 AND kind = 'trade' AND symbol = $2 AND account_id IS NULL
  AND ts_exchange_ms >= $3 AND ts_exchange_ms < $4
"""


class ImportConflict(ValueError):
    """The store holds, under this import's name, frames this import cannot extend."""


class ImportedFile(msgspec.Struct, frozen=True, kw_only=True):
    path: str
    sha256: str
    trades: int


class ImportResult(msgspec.Struct, frozen=True, kw_only=True):
    run_id: str
    ns: str
    symbol: str
    owner: str
    files: list[ImportedFile]
    trades: int
    frames: int
    #: Frames before the last stored one: known stored, not sent again.
    skipped: int
    #: Frames stored by this run (the others sent were stored already).
    written: int
    #: The run existed: an earlier import of this name (or an interrupted one).
    resumed: bool
    seconds: float
    health: DataHealth


class Importer:
    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        writer: EventWriter | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.pool = pool
        self.writer = writer or EventWriter()
        self.clock = clock

    async def run(self, request: ImportRequest, *, show_progress: bool = False) -> ImportResult:
        started = self.clock()
        tape, files = await asyncio.to_thread(_read, request)  # DataError: nothing stored
        health, starts = await asyncio.to_thread(_prepare, tape, request.gap_s)
        frames = len(starts) - 1
        params = _params(request, files, tape, frames)
        async with self.pool.acquire() as conn:
            user_id = await owner_id(conn, request.user)
            resumed = await open_run(conn, user_id, request.name, request.ns, params)
            try:
                skipped = await _resume_at(conn, request, tape, starts)
                progress = Progress(f"import {request.name}", frames) if show_progress else None
                written = await self._write(conn, request, tape, starts, skipped, progress)
            except Exception:
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(5):
                        await close_run(conn, user_id, request.name, params, "failed")
                raise
            result = ImportResult(
                run_id=request.name,
                ns=request.ns,
                symbol=request.symbol,
                owner=request.user or DEFAULT_USER,
                files=files,
                trades=len(tape),
                frames=frames,
                skipped=skipped,
                written=written,
                resumed=resumed,
                seconds=self.clock() - started,
                health=health,
            )
            await close_run(conn, user_id, request.name, {**params, **_outcome(result)})
        log.info(
            "import_done", ns=result.ns, frames=frames, written=written, skipped=skipped,
            seconds=round(result.seconds, 3),
        )  # fmt: skip
        return result

    async def _write(
        self,
        conn: asyncpg.Connection,
        request: ImportRequest,
        tape: TradeTape,
        starts: list[int],
        first: int,
        progress: Progress | None,
    ) -> int:
        """Frames ``first`` to the end, ``batch_frames`` per transaction; returns how
        many were new."""
        frames, size = len(starts) - 1, request.batch_frames
        bounds = [(lo, min(lo + size, frames)) for lo in range(first, frames, size)]
        if progress:
            progress.advance(first)
        written = await self._store(conn, request, tape, starts, bounds, progress)
        if progress:
            progress.finish()
        return written

    async def _store(
        self,
        conn: asyncpg.Connection,
        request: ImportRequest,
        tape: TradeTape,
        starts: list[int],
        bounds: list[tuple[int, int]],
        progress: Progress | None,
    ) -> int:
        """One transaction per batch; the next batch is encoded in a thread while this
        one is stored."""

        def build(i: int) -> asyncio.Future[list[EventRow]]:
            lo, hi = bounds[i]
            return asyncio.ensure_future(
                asyncio.to_thread(frame_rows, tape, request.ns, starts, lo, hi)
            )

        if not bounds:
            return 0
        written = 0
        ahead = build(0)
        try:
            for i, (lo, hi) in enumerate(bounds):
                rows = await ahead
                if i + 1 < len(bounds):
                    ahead = build(i + 1)
                written += await self.writer.write(conn, rows)
                log.debug("import_batch", ns=request.ns, frames=hi - lo, upto=hi)
                if progress:
                    progress.advance(hi - lo)
        finally:
            if not ahead.done():
                ahead.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ahead
        return written


def _read(request: ImportRequest) -> tuple[TradeTape, list[ImportedFile]]:
    paths = [pathlib.Path(f) for f in request.files]
    tape = read_trades(paths, request.symbol)
    counts = {path: n for path, _, n in tape.sources}
    files = [
        ImportedFile(path=str(p), sha256=file_sha256(p), trades=counts.get(str(p), 0))
        for p in paths
    ]
    return tape, files


def _prepare(tape: TradeTape, gap_s: float) -> tuple[DataHealth, list[int]]:
    """The files' health over the whole UTC minutes they span, and the frame bounds."""
    first, last = tape.ts_ms[0], tape.ts_ms[-1]
    health = assess(
        tape.ts_ms,
        symbol=tape.symbol,
        trade_ids=tape.trade_id,
        start_ms=first - first % _MINUTE_MS,
        end_ms=last - last % _MINUTE_MS + _MINUTE_MS - 1,
        gap_s=gap_s,
    )
    return health, frame_starts(tape)


async def _resume_at(
    conn: asyncpg.Connection, request: ImportRequest, tape: TradeTape, starts: list[int]
) -> int:
    """How many leading frames are known stored: those before the last stored frame of
    the symbol, when the store holds exactly that many there (else a different earlier
    import left them, and every frame is sent; the store drops repeats)."""
    ns, symbol = request.ns, request.symbol
    last = await conn.fetchval(_LAST_STORED, ns, symbol)
    if last is None:
        return 0
    frame_ts = [tape.ts_ms[s] for s in starts[:-1]]
    before = bisect.bisect_left(frame_ts, last)
    if before < len(frame_ts) and frame_ts[before] == last:
        await _check_same_frame(conn, request, tape, starts, before)
    if before == 0:
        return 0
    stored = await conn.fetchval(_STORED_BETWEEN, ns, symbol, frame_ts[0], last)
    return before if stored == before else 0


async def _check_same_frame(
    conn: asyncpg.Connection, request: ImportRequest, tape: TradeTape, starts: list[int], i: int
) -> None:
    """The last stored frame must hold the trades this import has for its millisecond:
    an earlier import of a file cut inside that millisecond stored only some of them,
    and a stored frame is never changed (the rest would be lost without a word)."""
    (ours,) = frame_rows(tape, request.ns, starts, i, i + 1)
    payload = await conn.fetchval(
        _STORED_FRAME, ours.ns, ours.stream_seq, ours.ts_exchange_ms, ours.event_id
    )
    if payload is not None and proto.decode(payload) != proto.decode(ours.payload):
        raise ImportConflict(
            f"{request.ns} already holds frame {ours.event_id} at {utc_iso(ours.ts_exchange_ms)}"
            " with other trades than these files have for that millisecond (an earlier"
            " import of a truncated file?); stored frames are never changed: import the"
            " files under a new --name"
        )


def _params(
    request: ImportRequest, files: list[ImportedFile], tape: TradeTape, frames: int
) -> dict[str, object]:
    return {
        "symbol": request.symbol,
        "files": msgspec.to_builtins(files),
        "trades": len(tape),
        "frames": frames,
        "gap_s": request.gap_s,
    }


def _outcome(result: ImportResult) -> dict[str, object]:
    return {
        "written": result.written,
        "skipped": result.skipped,
        "seconds": round(result.seconds, 3),
        "health": {**msgspec.to_builtins(result.health), "ok": result.health.ok},
    }
