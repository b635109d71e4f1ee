"""PnL correlation on a clock grid of increments vs the reference's running sums (§3)."""

from __future__ import annotations

import math

import pytest

from compare import CompareOptions, compare
from tests.compare.helpers import fill, ms, side


def test_increments_expose_what_running_sums_hide() -> None:
    """§3 (differs): ten 5-minute intervals, live realises 1 in the even ones and sim in
    the odd ones. Increments: r = −1. The reference's running sums (1,1,2,2,… vs
    0,1,1,2,…) trend together: r = 20 / √(20 · 22.5) = 2√2/3 ≈ 0.943."""
    live = [fill(10 + 300 * k, f"c{k}", pnl="1" if k % 2 == 0 else "0") for k in range(10)]
    sim = [fill(10 + 300 * k, f"c{k}", pnl="0" if k % 2 == 0 else "1") for k in range(10)]
    m = compare(side(live), side(sim), CompareOptions(start_ms=ms(0), end_ms=ms(3000)))
    got = m.trades["all"]
    assert got.pnl_correlation == pytest.approx(-1.0)
    assert got.pnl_cum_correlation == pytest.approx(2 * math.sqrt(2) / 3)


def test_increments_are_summed_per_clock_interval() -> None:
    """§3: two trades in one 5-minute interval add up; a 60 s grid splits them."""
    live = [fill(10, "a", pnl="1"), fill(100, "b", pnl="2"), fill(400, "c", pnl="0")]
    sim = [fill(10, "a", pnl="2"), fill(100, "b", pnl="1"), fill(400, "c", pnl="3")]
    five = compare(side(live), side(sim), CompareOptions(start_ms=ms(0), end_ms=ms(600)))
    # Intervals [0, 300) and [300, 600): live (3, 0), sim (3, 3) → sim constant: n/a.
    assert five.trades["all"].pnl_correlation is None
    one = compare(side(live), side(sim),
                  CompareOptions(start_ms=ms(0), end_ms=ms(600), pnl_interval_s=60))  # fmt: skip
    # Ten 1-minute bins: live 1, 2, 0, … ; sim 2, 1, 0, 0, 0, 0, 3, 0, 0, 0.
    xs = [1, 2, 0, 0, 0, 0, 0, 0, 0, 0]
    ys = [2, 1, 0, 0, 0, 0, 3, 0, 0, 0]
    mx, my = sum(xs) / 10, sum(ys) / 10
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx, syy = sum((x - mx) ** 2 for x in xs), sum((y - my) ** 2 for y in ys)
    assert one.trades["all"].pnl_correlation == pytest.approx(sxy / math.sqrt(sxx * syy))
