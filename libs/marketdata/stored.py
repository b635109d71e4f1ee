"""Trades of a recorded namespace, read back from the event store as a ``TradeTape``.

Market data rows carry no owner unless their namespace is a run's (an import, a replay):
then they belong to the run's user, like every event of a run. ``user_id`` reads as that
tenant under row-level security (public rows plus the user's own); without it the
connection's own privileges apply.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence

import asyncpg

import proto
from marketdata.errors import DataError
from marketdata.health import DataHealth, Gap, assess
from marketdata.trades import TradeTape
from store import tenant_scope

__all__ = ["load_stored_trades", "preflight"]

_CHUNK = 5000

# The (ns, kind, symbol, account_id, ts_exchange_ms) index finds the window; the frames
# come back in recorded stream order.
_FRAMES = """
SELECT stream_seq, payload FROM events
WHERE ns = $1 AND kind = 'trade' AND symbol = $2 AND account_id IS NULL
  AND ($3::bigint IS NULL OR ts_exchange_ms >= $3)
  AND ($4::bigint IS NULL OR ts_exchange_ms <= $4)
ORDER BY stream_seq
"""

# Gaps are few: all of the namespace's, matched and clipped to the window in Python.
_GAP_EVENTS = """
SELECT payload FROM events
WHERE ns = $1 AND kind IN ('gap_start', 'gap_end')
ORDER BY stream_seq
"""


async def load_stored_trades(
    conn: asyncpg.Connection,
    ns: str,
    symbol: str,
    *,
    start_ms: int | None = None,
    end_ms: int | None = None,
    user_id: uuid.UUID | None = None,
) -> tuple[TradeTape, list[Gap]]:
    """The ``TradeFrame``s of ``ns``/``symbol`` with ``start_ms <= ts_exchange_ms <=
    end_ms``, in stream order, as one tape (trades in frame order; a trade id seen in an
    earlier frame, e.g. a back-filled copy, is kept once), and the collector gaps of ``ns``
    overlapping the window.

    Raises ``DataError("store:<ns>", 0, ...)`` when trades go back in time or a stored
    payload does not decode."""
    proto.subjects.namespace(ns)
    where = f"store:{ns}"
    builder = _TapeBuilder(symbol, where)
    async with _scope(conn, user_id):
        cursor = await conn.cursor(_FRAMES, ns, symbol, start_ms, end_ms)
        while rows := await cursor.fetch(_CHUNK):
            await asyncio.to_thread(builder.add, rows)
        gap_rows = await conn.fetch(_GAP_EVENTS, ns)
    tape = builder.tape
    tape.sources.append((where, 0, len(tape)))
    last = tape.ts_ms[-1] if tape.ts_ms else None
    gaps = _collector_gaps([r[0] for r in gap_rows], where, start_ms, end_ms, last)
    return tape, gaps


@contextlib.asynccontextmanager
async def _scope(conn: asyncpg.Connection, user_id: uuid.UUID | None) -> AsyncIterator[None]:
    """One read-only snapshot; under the user's row-level security when one is given."""
    if user_id is None:
        async with conn.transaction(readonly=True):
            yield
    else:
        async with tenant_scope(conn, user_id):
            yield


class _TapeBuilder:
    """Appends decoded frames to a tape, dropping repeated trade ids, checking time."""

    def __init__(self, symbol: str, where: str) -> None:
        self.tape = TradeTape(symbol=symbol, ts_ms=[], price=[], size=[], side=[], trade_id=[])
        self._where = where
        self._seen: set[str] = set()
        self._last_ms = -1

    def add(self, rows: Sequence[asyncpg.Record]) -> None:
        tape, seen = self.tape, self._seen
        for seq, payload in rows:
            frame = self._decode(seq, payload)
            for trade in frame.trades:
                if trade.trade_id in seen:
                    continue
                if trade.ts_exchange_ms < self._last_ms:
                    raise DataError(
                        self._where,
                        0,
                        f"trade {trade.trade_id} at {trade.ts_exchange_ms} (stream_seq {seq})"
                        f" is before {self._last_ms}: trades go back in time",
                    )
                seen.add(trade.trade_id)
                self._last_ms = trade.ts_exchange_ms
                tape.ts_ms.append(trade.ts_exchange_ms)
                tape.price.append(trade.price)
                tape.size.append(trade.qty)
                tape.side.append(trade.side.value)
                tape.trade_id.append(trade.trade_id)

    def _decode(self, seq: int, payload: bytes) -> proto.TradeFrame:
        try:
            frame = proto.decode(payload, proto.Family.MD)
        except proto.ProtoDecodeError as exc:
            raise DataError(self._where, 0, f"stream_seq {seq}: {exc}") from None
        if not isinstance(frame, proto.TradeFrame):
            raise DataError(self._where, 0, f"stream_seq {seq}: not a trade frame")
        return frame


def _collector_gaps(
    payloads: Sequence[bytes],
    where: str,
    start_ms: int | None,
    end_ms: int | None,
    last_trade_ms: int | None,
) -> list[Gap]:
    """GapStart/GapEnd pairs of the collector's public streams (an account stream's
    outage leaves the trades whole) overlapping the window; a GapStart with no GapEnd
    is a gap to the window's end (or the last trade)."""
    open_gaps: dict[tuple[str, int], proto.GapStart] = {}
    spans: list[tuple[int, int, str]] = []
    for payload in payloads:
        try:
            event = proto.decode(payload, proto.Family.SYS)
        except proto.ProtoDecodeError as exc:
            raise DataError(where, 0, f"gap event: {exc}") from None
        match event:
            case proto.GapStart(stream=stream) if not stream.startswith("private"):
                open_gaps[(stream, event.ts_local_ns)] = event
            case proto.GapEnd(stream=stream, started_ns=started):
                begun = open_gaps.pop((stream, started), None)
                if begun is not None:
                    spans.append((begun.ts_exchange_ms, event.ts_exchange_ms, begun.reason))
    for begun in open_gaps.values():
        until = end_ms if end_ms is not None else max(last_trade_ms or 0, begun.ts_exchange_ms)
        spans.append((begun.ts_exchange_ms, until, begun.reason))
    return [
        Gap(start_ms=lo, end_ms=hi, reason=f"collector gap: {reason}")
        for lo, hi, reason in sorted(spans)
        if (start_ms is None or hi >= start_ms) and (end_ms is None or lo <= end_ms)
    ]


_SYMBOLS = """
SELECT DISTINCT symbol FROM events
WHERE ns = $1 AND kind = 'trade' AND account_id IS NULL
  AND ($2::bigint IS NULL OR ts_exchange_ms >= $2)
  AND ($3::bigint IS NULL OR ts_exchange_ms <= $3)
ORDER BY symbol
"""


async def preflight(
    conn: asyncpg.Connection,
    ns: str,
    symbols: Sequence[str] = (),
    *,
    start_ms: int | None = None,
    end_ms: int | None = None,
    gap_s: float = 60.0,
) -> list[DataHealth]:
    """The data health of a stored window (both bounds inclusive), one report per symbol:
    ``symbols``, or every symbol with trades in the window. A symbol asked for that has
    no trades there reports no trades (not ok)."""
    if not symbols:
        async with _scope(conn, None):
            symbols = [r[0] for r in await conn.fetch(_SYMBOLS, ns, start_ms, end_ms)]
    reports = []
    for symbol in symbols:
        tape, gaps = await load_stored_trades(conn, ns, symbol, start_ms=start_ms, end_ms=end_ms)
        reports.append(
            assess(
                tape.ts_ms,
                symbol=symbol,
                trade_ids=tape.trade_id,
                start_ms=start_ms,
                end_ms=end_ms,
                gap_s=gap_s,
                recorded_gaps=gaps,
            )
        )
    return reports
