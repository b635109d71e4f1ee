"""Positions per leg on the grid (V-12), derived by P-9 when a side has none."""

from __future__ import annotations

from decimal import Decimal

import pytest

from compare import CompareOptions, compare, derive_positions
from tests.compare.helpers import equity, fill, ms, position, side


def test_positions_derived_from_fills_follow_p9() -> None:
    """V-12 / P-9: opens average by size (0.002 @ 100 + 0.001 @ 103 → 101); a close
    shrinks the size by min(qty, size) and resets the entry at 0."""
    points = derive_positions(
        [
            fill(1, "a", price="100", qty="0.002"),
            fill(2, "b", price="103", qty="0.001"),
            fill(3, "c", side="Sell", price="104", qty="0.002"),
            fill(4, "d", side="Sell", price="104", qty="0.005"),
            fill(5, "e", side="Sell", direction="short", price="90", qty="0.001"),
        ],
        origin_ms=ms(0),
    )
    longs = [(p.ts_ms, p.size, p.entry) for p in points if p.direction == "long"]
    d = Decimal
    assert longs == [
        (ms(0), d(0), d(0)),
        (ms(1), d("0.002"), d("100")),
        (ms(2), d("0.003"), d("101")),
        (ms(3), d("0.001"), d("101")),
        (ms(4), d("0"), d("0")),
    ]
    shorts = [(p.size, p.entry) for p in points if p.direction == "short"]
    assert shorts == [(d(0), d(0)), (d("0.001"), d("90"))]


def test_a_state_divergence_is_counted_not_dropped() -> None:
    """V-12 (differs): live holds 0.002 @ 100 long; the sim buys one lot more at 100.3
    at 70 s. From 120 s the long leg is 1 lot over (diverged) and 1 tick higher in
    entry; unrealised at the live price 101: 0.002 vs 0.0027. Share 2 of 3 points."""
    live = side(
        [fill(10, "a", price="100", qty="0.002")],
        [equity(0, "1000", "101")],
        positions=[position(0, "long", "0.002", "100"), position(0, "short", "0", "0")],
    )
    sim = side([fill(10, "a", price="100", qty="0.002"), fill(70, "b", price="100.3")])
    result = compare(live, sim, CompareOptions(start_ms=ms(0), end_ms=ms(240)))
    p = result.positions
    assert (p.points, p.diverged_points, p.first_divergence_ms) == (3, 2, ms(120))
    assert p.diverged_share == pytest.approx(2 / 3)
    assert (p.long.diverged, p.short.diverged) == (2, 0)
    assert (p.long.max_abs_size_lots, p.long.max_abs_entry_ticks) == (1.0, 1.0)
    assert p.long.max_abs_unrealised == Decimal("0.0007")
    row = next(r for r in result.position_rows if r.ts_ms == ms(120) and r.leg == "long")
    assert (row.live_unrealised, row.sim_unrealised) == (Decimal("0.002"), Decimal("0.0027"))
    assert row.size_delta_lots == 1.0 and row.diverged
    assert result.positions_derived == {"live": False, "sim": True}


def test_an_entry_delta_needs_both_legs_open() -> None:
    """V-12: a flat leg has no entry: Δentry is None, the size delta still diverges."""
    flat = [position(0, "long", "0", "0"), position(0, "short", "0", "0")]
    live = side([], [equity(0, "1000", "100")], positions=flat)
    sim = side([fill(0, "a", price="100")], [equity(0, "1000", "100")])
    rows = compare(live, sim, CompareOptions(start_ms=ms(0), end_ms=ms(60))).position_rows
    long = next(r for r in rows if r.leg == "long")
    assert long.entry_delta_ticks is None and long.diverged
