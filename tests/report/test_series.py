"""Drawdown and the extreme-preserving downsampling behind every long chart."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from report._series import MAX_POINTS, downsample, drawdown


def test_drawdown_is_running_peak_minus_equity_with_peak_from_initial_balance() -> None:
    assert drawdown([90.0, 95.0, 100.0, 105.0, 101.0], 100.0) == [10.0, 5.0, 0.0, 0.0, 4.0]
    assert drawdown([], 100.0) == []


def test_downsample_caps_points_and_keeps_global_min_max_first_and_last() -> None:
    rng = random.Random(1)
    n = 100_000
    ts = list(range(1_000, 1_000 + n))
    values = [rng.gauss(0, 1) for _ in range(n)]
    values[12_345] = 50.0  # one-tick spike a stride would skip
    values[77_777] = -50.0

    out_ts, out_values = downsample(ts, values)

    assert len(out_ts) == len(out_values) <= MAX_POINTS
    assert len(out_ts) > MAX_POINTS - 10  # the budget is used, not wasted
    assert max(out_values) == 50.0 and out_ts[out_values.index(50.0)] == ts[12_345]
    assert min(out_values) == -50.0 and out_ts[out_values.index(-50.0)] == ts[77_777]
    assert (out_ts[0], out_ts[-1]) == (ts[0], ts[-1])
    assert out_ts == sorted(set(out_ts))


def test_downsample_keeps_the_deepest_drawdown_point() -> None:
    equity = [1_000.0 + (i % 97) - (300.0 if i == 31_415 else 0.0) for i in range(60_000)]
    dd = drawdown(equity, 1_000.0)
    _, out = downsample(list(range(len(dd))), dd, max_points=500)
    assert len(out) <= 500
    assert max(out) == max(dd)


def test_downsample_returns_short_series_unchanged() -> None:
    assert downsample([1, 2, 3], [3.0, 1.0, 2.0]) == ([1, 2, 3], [3.0, 1.0, 2.0])


def test_downsample_rejects_mismatched_lengths_and_tiny_budgets() -> None:
    with pytest.raises(ValueError, match="2 timestamps for 3 values"):
        downsample([1, 2], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="at least 4"):
        downsample([1, 2], [1.0, 2.0], max_points=3)


@given(
    st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=0, max_size=400),
    st.integers(4, 60),
)
def test_downsample_is_an_ordered_subset_within_budget_with_extremes(
    values: list[float], max_points: int
) -> None:
    ts = list(range(len(values)))
    out_ts, out_values = downsample(ts, values, max_points)
    assert len(out_ts) <= max_points
    assert out_ts == sorted(set(out_ts))
    assert all(values[t] == v for t, v in zip(out_ts, out_values, strict=True))
    if values:
        assert min(out_values) == min(values) and max(out_values) == max(values)
