"""Offline speed of the comparison: trades formed, matched and measured per second.

``run(n)`` builds n live fills and a sim that misses, shifts, re-prices and adds some,
then times :func:`compare.compare` over them (aggregation, matching, deltas, every trade
metric, and the position/equity grid); ``make bench`` prints the figure.

    python -m compare.bench [n]
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from compare.comparison import compare, compare_trades, window_of
from compare.options import CompareOptions
from compare.records import Fill, Side

__all__ = ["run", "synthetic"]

_T0 = 1_607_472_000_000
_TICK = Decimal("0.1")
_LOT = Decimal("0.001")


def synthetic(n: int, seed: int = 20201209) -> tuple[Side, Side]:
    """n live fills on 200 client ids (a grid's levels re-placed over and over), about
    one in ten a partial; the sim drops 2 %, adds 2 %, shifts each by up to 2 s and
    moves 5 % by a tick."""
    rng = random.Random(seed)
    live: list[Fill] = []
    sim: list[Fill] = []
    ts = _T0
    order = 0
    while len(live) < n:
        ts += rng.randint(50, 5_000)
        order += 1
        level = rng.randrange(200)
        direction = "long" if level % 2 else "short"
        side = "Buy" if (level // 2) % 2 else "Sell"
        price = Decimal(18_000 + level * 10)
        parts = 2 if rng.random() < 0.1 else 1
        for k in range(parts):
            f = Fill(
                ts_ms=ts + k, symbol="BTCUSDT", side=side, direction=direction, price=price,
                qty=_LOT * (1 + k), fee=price * _LOT * Decimal("0.0002"),
                realized_pnl=Decimal("0.01") * (level % 3), client_order_id=f"c{level:04d}",
                order_id=f"o{order}",
            )  # fmt: skip
            live.append(f)
            r = rng.random()
            if r < 0.02:
                continue  # missed by the sim
            shifted = Fill(
                ts_ms=f.ts_ms + rng.randint(-2_000, 2_000), symbol=f.symbol, side=side,
                direction=direction, price=price + (_TICK if r > 0.95 else 0), qty=f.qty,
                fee=f.fee, realized_pnl=f.realized_pnl, client_order_id=f.client_order_id,
                order_id=f"s{order}",
            )  # fmt: skip
            sim.append(shifted)
            if r < 0.04:
                sim.append(Fill(**{**_fields(shifted), "ts_ms": shifted.ts_ms + 90_000,
                                   "order_id": f"x{order}"}))  # fmt: skip
    return (
        Side(fills=tuple(live), tick_size=_TICK, qty_step=_LOT),
        Side(fills=tuple(sim), tick_size=_TICK, qty_step=_LOT),
    )


def _fields(f: Fill) -> dict[str, Any]:
    return {name: getattr(f, name) for name in f.__struct_fields__}


def _best(call: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return best


def run(n: int = 200_000) -> dict[str, Any]:
    """Matching + metrics (trades formed, matched, every trade metric) in fills of both
    sides per second; the note adds the whole comparison (equity and positions too)."""
    live, sim = synthetic(n)
    fills = len(live.fills) + len(sim.fills)
    options = CompareOptions()
    window = window_of(live, sim, options)
    pairs = len(compare_trades(live, sim, window, options).matching.pairs)
    trades = _best(lambda: compare_trades(live, sim, window, options))
    whole = _best(lambda: compare(live, sim, options))
    return {
        "name": "compare: aggregate + match + trade metrics",
        "value": fills / trades,
        "unit": "fills/s",
        "note": f"{fills:,} fills of both sides, {pairs:,} pairs, best of 3; whole comparison"
        f" with equity and positions {fills / whole:,.0f}/s (target ≥ 200k)",
    }


if __name__ == "__main__":
    figure = run(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
    print(f"{figure['name']}: {figure['value']:,.0f} {figure['unit']} ({figure['note']})")
