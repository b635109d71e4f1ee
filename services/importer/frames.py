"""A trade tape as the collector would have published it: one ``TradeFrame`` per exchange
millisecond, its trades in file order, as event-store rows.

Everything is derived from the trades, so a re-import builds the very same rows: event id
``imp:<symbol>:<first trade id>``, ``ts_local_ns`` = exchange ms × 10⁶ and a synthetic
``stream_seq`` = exchange ms × 1000 + a slot per symbol. Stream order is thus time order
(file order) whatever order files are imported in, and symbols sharing a namespace never
tie.
"""

from __future__ import annotations

import zlib

import proto
from marketdata import TradeTape
from store import EventRow

__all__ = ["frame_rows", "frame_starts"]

_SEQ_PER_MS = 1000


def frame_starts(tape: TradeTape) -> list[int]:
    """Index of the first trade of each frame (one per distinct millisecond), then
    ``len(tape)``: frame ``i`` is ``tape[starts[i]:starts[i + 1]]``."""
    ts = tape.ts_ms
    starts = [i for i in range(len(ts)) if i == 0 or ts[i] != ts[i - 1]]
    starts.append(len(ts))
    return starts


def frame_rows(tape: TradeTape, ns: str, starts: list[int], lo: int, hi: int) -> list[EventRow]:
    """Rows of frames ``lo`` to ``hi - 1`` (CPU only: callers run it in a thread)."""
    symbol = tape.symbol
    subject = proto.subjects.md(ns, symbol, "trade")
    slot = zlib.crc32(symbol.encode()) % _SEQ_PER_MS
    ts_col, px_col, qty_col = tape.ts_ms, tape.price, tape.size
    side_col, id_col = tape.side, tape.trade_id
    sides = {s.value: s for s in proto.Side}
    encode, trade_cls = proto.encode, proto.Trade
    rows: list[EventRow] = []
    for f in range(lo, hi):
        a, b = starts[f], starts[f + 1]
        ts = ts_col[a]
        frame = proto.TradeFrame(
            event_id=f"imp:{symbol}:{id_col[a]}",
            ts_exchange_ms=ts,
            ts_local_ns=ts * 1_000_000,
            symbol=symbol,
            trades=[
                trade_cls(
                    trade_id=id_col[i],
                    price=px_col[i],
                    qty=qty_col[i],
                    side=sides[side_col[i]],
                    ts_exchange_ms=ts,
                )
                for i in range(a, b)
            ],
        )
        seq = ts * _SEQ_PER_MS + slot
        row = (ns, frame.event_id, "trade", symbol, None, ts, frame.ts_local_ns, seq, subject)
        rows.append(EventRow(*row, encode(frame)))
    return rows
