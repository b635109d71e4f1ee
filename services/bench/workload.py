"""The benchmark's events: the real BTCUSDT trades (or the seeded walk), cycled to N
single-trade frames with distinct ids, pre-encoded so encoding is not what we time."""

from __future__ import annotations

import itertools
from pathlib import Path

import proto
from services.demo import frames as demo_frames
from store import EventRow, event_row

BENCH_NS = "live"


class Workload:
    def __init__(self, subjects: list[str], payloads: list[bytes], rows: list[EventRow]) -> None:
        self.subjects = subjects
        self.payloads = payloads
        self.rows = rows

    def __len__(self) -> int:
        return len(self.payloads)

    def event_id(self, i: int) -> str:
        return self.rows[i].event_id


def build(path: Path | None, n: int) -> Workload:
    base = list(demo_frames.trades(path))
    subjects: list[str] = []
    payloads: list[bytes] = []
    rows: list[EventRow] = []
    subject = proto.subjects.md(BENCH_NS, "BTCUSDT", "trade")
    parsed = proto.subjects.parse(subject)
    for seq, (cycle, trade) in enumerate(
        itertools.islice(((c, t) for c in itertools.count() for t in base), n), start=1
    ):
        frame = proto.TradeFrame(
            event_id=f"trade:BTCUSDT:{cycle}-{trade.trade_id}",
            ts_exchange_ms=trade.ts_ms,
            ts_local_ns=trade.ts_ms * 1_000_000,
            symbol="BTCUSDT",
            trades=[demo_frames.wire_trade(trade)],
        )
        payload = proto.encode(frame)
        subjects.append(subject)
        payloads.append(payload)
        rows.append(event_row(parsed, payload, seq, frame))
    return Workload(subjects, payloads, rows)
