"""Equity on a clock grid (V-9..V-11)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from compare import CompareOptions, compare
from tests.compare.helpers import equity, fill, ms, side

WINDOW = CompareOptions(start_ms=ms(0), end_ms=ms(300))


def test_forward_fill_compares_only_after_both_series_start() -> None:
    """V-10: 1-minute grid from the window start; live starts at 30 s, sim at 90 s, so
    the points 0 (neither) and 60 (live only) are not compared; 120, 180, 240 are."""
    live = side([fill(1, "a")], [equity(30, "100"), equity(150, "101")])
    sim = side([fill(1, "a")], [equity(90, "100.5"), equity(200, "99")])
    result = compare(live, sim, WINDOW)
    rows = [(r.ts_ms, r.live, r.sim, r.delta) for r in result.equity_rows]
    d = Decimal
    assert rows == [
        (ms(0), None, None, None),
        (ms(60), d("100"), None, None),
        (ms(120), d("100"), d("100.5"), d("0.5")),
        (ms(180), d("101"), d("100.5"), d("-0.5")),
        (ms(240), d("101"), d("99"), d("-2")),
    ]


def test_equity_metrics_over_the_compared_points() -> None:
    """V-11: max |Δ| 2, mean |Δ| (0.5 + 0.5 + 2) / 3 = 1, final −2; per-interval changes
    live (1, 0), sim (0, −1.5): deviations (0.5, −0.5) and (0.75, −0.75), r = 1;
    drawdowns live 0, sim 1.5."""
    live = side([fill(1, "a")], [equity(30, "100"), equity(150, "101")])
    sim = side([fill(1, "a")], [equity(90, "100.5"), equity(200, "99")])
    e = compare(live, sim, WINDOW).equity
    assert (e.points, e.first_ms) == (3, ms(120))
    assert (e.max_abs_delta, e.final_delta) == (Decimal("2"), Decimal("-2"))
    assert e.mean_abs_delta == pytest.approx(1.0)
    assert e.change_correlation == pytest.approx(1.0)
    assert (e.live_max_drawdown, e.sim_max_drawdown) == (Decimal("0"), Decimal("1.5"))


def test_no_overlap_is_not_applicable_never_zero() -> None:
    """V-11: without a grid point where both have a value every figure is None."""
    e = compare(side([fill(1, "a")], [equity(30, "100")]), side([fill(1, "a")]), WINDOW).equity
    assert e.points == 0
    assert (e.max_abs_delta, e.mean_abs_delta, e.final_delta, e.change_correlation) == (
        None, None, None, None,
    )  # fmt: skip
    assert e.live_max_drawdown is None and e.sim_max_drawdown is None


def test_the_last_event_of_an_instant_wins_and_events_after_the_end_are_ignored() -> None:
    """V-10: two events at one ms: the later in the series holds; the grid stops before
    the window end."""
    live = side([], [equity(0, "1"), equity(0, "2"), equity(299, "7"), equity(300, "9")])
    sim = side([], [equity(0, "2")])
    rows = compare(live, sim, WINDOW).equity_rows
    assert [r.live for r in rows] == [Decimal(2)] * 4 + [Decimal(2)]
    assert rows[-1].ts_ms == ms(240)
