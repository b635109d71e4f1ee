"""Throughput benchmark: one GridEngine over an hour of real BTCUSDT trades.

Each trade becomes a :class:`TickerEvent`; the book is kept as if every intent were
accepted (places join the book as :class:`RestingOrder`, cancels leave it).

* No fills (the brief's scenario): two passes over the same events. The first records
  which ticks emit intents, the second times the runs of silent ticks in bulk (steady
  state) and each emitting tick alone; both passes must emit the same intents.
* With fills (extra rows): a resting order fills when a trade reaches its price; the
  fill goes to the engine as an :class:`ExecutionEvent`, so intents follow the price.
  Every engine call is timed on its own (timer overhead included).

This module reads a file; the core modules do not.

    python -m gridcore.bench [trades.csv.gz]
"""

from __future__ import annotations

import csv
import gzip
import math
import pathlib
import random
import sys
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from gridcore.config import GridConfig
from gridcore.engine import GridEngine
from proto.strategy import ExecutionEvent, Intent, PlaceLimitIntent, RestingOrder, TickerEvent

__all__ = ["run_bench", "steady_state_rate"]

SYMBOL = "BTCUSDT"
TICK_SIZE = Decimal("0.1")  # Bybit BTCUSDT today; the 2020 Binance prices are on 0.01
SYNTHETIC_TICKS = 100_000
SEED = 20201209

Book = dict[str, list[RestingOrder]]


def _trade_events(path: pathlib.Path) -> list[TickerEvent]:
    with gzip.open(path, "rt", newline="") as handle:
        return [
            TickerEvent(
                symbol=SYMBOL,
                exchange_ts=int(row["time"]),
                local_ts=int(row["time"]),
                last_price=Decimal(row["price"]),
            )
            for row in csv.DictReader(handle)
        ]


def _random_walk(n: int, seed: int) -> list[TickerEvent]:
    rng = random.Random(seed)
    price, ts, events = 18_300.0, 1_607_472_000_000, []
    for _ in range(n):
        price *= math.exp(rng.gauss(0.0, 0.0002))
        ts += rng.randint(1, 80)
        last = Decimal(f"{price:.1f}")
        events.append(TickerEvent(symbol=SYMBOL, exchange_ts=ts, local_ts=ts, last_price=last))
    return events


def _apply(book: Book, intents: list[Intent], serial: Iterator[int]) -> None:
    """Accept every intent: places join the book, cancels leave it."""
    for intent in intents:
        side = book[intent.direction]
        if isinstance(intent, PlaceLimitIntent):
            oid = f"{intent.client_order_id}-{next(serial)}"
            side.append(RestingOrder(order_id=oid, price=str(intent.price), side=intent.side))
        else:
            side[:] = [o for o in side if o.order_id != intent.order_id]


def _fresh() -> tuple[GridEngine, Book, Iterator[int]]:
    engine = GridEngine(SYMBOL, TICK_SIZE, GridConfig(), "bench")
    return engine, {"long": [], "short": []}, iter(range(1, 1 << 62))


def _record(events: list[TickerEvent]) -> list[list[Intent]]:
    """Pass 1: the reference output of every tick."""
    engine, book, serial = _fresh()
    outputs = []
    for event in events:
        intents = engine.on_event(event, book)
        _apply(book, intents, serial)
        outputs.append(intents)
    return outputs


def _silent_runs(outputs: list[list[Intent]]) -> list[tuple[int, int]]:
    runs, start = [], None
    for i, intents in enumerate(outputs):
        if intents and start is not None:
            runs.append((start, i))
            start = None
        elif not intents and start is None:
            start = i
    if start is not None:
        runs.append((start, len(outputs)))
    return runs


def _timed(
    events: list[TickerEvent],
    outputs: list[list[Intent]],
    as_book: Callable[[Book], Any],
) -> tuple[float, float]:
    """Pass 2: (seconds in silent runs, seconds in emitting ticks); checks outputs."""
    engine, book, serial = _fresh()
    clock, silent, emitting, i = time.perf_counter, 0.0, 0.0, 0
    on_event = engine.on_event
    for start, end in [*_silent_runs(outputs), (len(events), len(events))]:
        while i < start:  # emitting ticks, one at a time
            t0 = clock()
            intents = on_event(events[i], as_book(book))
            emitting += clock() - t0
            if intents != outputs[i]:
                raise AssertionError(f"tick {i}: output differs from the reference pass")
            _apply(book, intents, serial)
            i += 1
        view = as_book(book)
        t0 = clock()
        for event in events[start:end]:
            if on_event(event, view):
                raise AssertionError("a silent tick emitted intents")
        silent += clock() - t0
        i = end
    return silent, emitting


def _as_mappings(book: Book) -> dict[str, list[dict[str, str]]]:
    return {
        d: [{"orderId": o.order_id, "price": o.price, "side": o.side} for o in v]
        for d, v in book.items()
    }


def _crossed(book: Book, last: float) -> list[str]:
    """Remove and return the prices of resting orders the trade at ``last`` fills."""
    prices = []
    for direction, orders in book.items():
        keep = []
        for order in orders:
            price = float(order.price)
            if (price >= last) if order.side == "Buy" else (price <= last):
                prices.append(order.price)
            else:
                keep.append(order)
        book[direction] = keep
    return prices


def _reach(book: Book) -> tuple[float, float]:
    """(highest Buy, lowest Sell) over both books: a trade outside them fills nothing."""
    buys = [float(o.price) for v in book.values() for o in v if o.side == "Buy"]
    sells = [float(o.price) for v in book.values() for o in v if o.side != "Buy"]
    return max(buys, default=-math.inf), min(sells, default=math.inf)


def _with_fills(events: list[TickerEvent]) -> dict[str, float]:
    engine, book, serial = _fresh()
    clock = time.perf_counter
    totals = dict.fromkeys(("silent_s", "emit_s", "fill_s", "intents", "fills", "emitting"), 0.0)
    high_buy, low_sell = _reach(book)
    for event in events:
        t0 = clock()
        intents = engine.on_event(event, book)
        elapsed = clock() - t0
        if intents:
            totals["emit_s"] += elapsed
            totals["intents"] += len(intents)
            totals["emitting"] += 1
            _apply(book, intents, serial)
            high_buy, low_sell = _reach(book)
        else:
            totals["silent_s"] += elapsed
        last = float(event.last_price)
        if high_buy < last < low_sell:
            continue
        for price in _crossed(book, last):
            fill = ExecutionEvent(
                symbol=SYMBOL, exchange_ts=event.exchange_ts, local_ts=event.local_ts,
                price=Decimal(price),
            )  # fmt: skip
            t0 = clock()
            engine.on_event(fill)
            totals["fill_s"] += clock() - t0
            totals["fills"] += 1
        high_buy, low_sell = _reach(book)
    return totals


def steady_state_rate(events: list[TickerEvent]) -> float:
    """gridcore's ticks/s on the silent ticks of ``events`` (a full book kept)."""
    outputs = _record(events)
    silent_s, _ = _timed(events, outputs, lambda book: book)
    return sum(not o for o in outputs) / silent_s


def run_bench(trades_csv_gz: pathlib.Path | None) -> list[dict[str, Any]]:
    """Measure gridcore throughput; ``None`` uses a seeded 100k-tick random walk."""
    if trades_csv_gz is None:
        events, source = _random_walk(SYNTHETIC_TICKS, SEED), f"random walk seed={SEED}"
    else:
        events, source = _trade_events(trades_csv_gz), trades_csv_gz.name
    outputs = _record(events)
    silent_ticks = sum(not o for o in outputs)
    emitted = sum(len(o) for o in outputs)
    silent_s, emitting_s = _timed(events, outputs, lambda book: book)
    silent_map_s, _ = _timed(events, outputs, _as_mappings)
    fills = _with_fills(events)
    note = f"{source}; {len(events)} ticks, tick {TICK_SIZE}, grid 50 x 0.2%"
    quiet = f"{note}; no fills; {len(events) - silent_ticks} emitting ticks, {emitted} intents"
    filled = (
        f"{note}; with fills: {int(fills['fills'])} fills, {int(fills['emitting'])} emitting"
        f" ticks, {int(fills['intents'])} intents; per-call timing"
    )
    all_s = fills["silent_s"] + fills["emit_s"] + fills["fill_s"]
    rows = [
        ("steady_state_ticks_per_s", silent_ticks / silent_s, "ticks/s", quiet),
        ("us_per_emitted_intent", emitting_s / max(emitted, 1) * 1e6, "us/intent", quiet),
        ("overall_ticks_per_s", len(events) / (silent_s + emitting_s), "ticks/s", quiet),
        (
            "steady_state_ticks_per_s_mapping_book",
            silent_ticks / silent_map_s,
            "ticks/s",
            quiet + "; books of Bybit-shaped dicts",
        ),
        ("with_fills_events_per_s", (len(events) + fills["fills"]) / all_s, "events/s", filled),
        (
            "with_fills_us_per_emitted_intent",
            fills["emit_s"] / max(fills["intents"], 1) * 1e6,
            "us/intent",
            filled,
        ),
        (
            "with_fills_us_per_fill",
            fills["fill_s"] / max(fills["fills"], 1) * 1e6,
            "us/fill",
            filled,
        ),
    ]
    return [{"name": n, "value": v, "unit": u, "note": t} for n, v, u, t in rows]


def main(argv: list[str]) -> int:
    path = pathlib.Path(argv[1]) if len(argv) > 1 else None
    for row in run_bench(path):
        print(f"{row['name']:<38} {row['value']:>12,.2f} {row['unit']:<10} {row['note']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
