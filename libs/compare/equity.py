"""Equity like with like (V-9), resampled on a clock grid (V-10), and its metrics (V-11)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import ClassVar

import msgspec

from compare._stats import pearson
from compare.grid import forward_fill
from compare.records import EquityPoint

__all__ = ["EquityMetrics", "EquityRow", "compare_equity"]


class EquityRow(msgspec.Struct, frozen=True, gc=False):
    """One grid point: each side's forward-filled equity (None before its first value)
    and sim − live where both exist."""

    ts_ms: int
    live: Decimal | None
    sim: Decimal | None
    delta: Decimal | None


class EquityMetrics(msgspec.Struct, frozen=True, kw_only=True):
    """V-11 over the grid points where both sides have a value; every figure None (n/a)
    without such a point, never 0. Drawdowns are over those same points."""

    UNITS: ClassVar[dict[str, str]] = {
        "points": "grid_points", "first_ms": "time", "mean_abs_delta": "USDT",
        "change_correlation": "pearson_r",
    }  # fmt: skip

    points: int
    first_ms: int | None
    max_abs_delta: Decimal | None
    mean_abs_delta: float | None
    final_delta: Decimal | None
    change_correlation: float | None
    live_max_drawdown: Decimal | None
    sim_max_drawdown: Decimal | None


def _series(points: Sequence[EquityPoint]) -> list[tuple[int, Decimal]]:
    return sorted(((p.ts_ms, p.equity) for p in points), key=lambda e: e[0])


def _max_drawdown(values: Sequence[Decimal]) -> Decimal | None:
    if not values:
        return None
    peak, worst = values[0], Decimal(0)
    for v in values:
        peak = max(peak, v)
        worst = max(worst, peak - v)
    return worst


def _changes(values: Sequence[Decimal]) -> list[float]:
    return [float(b - a) for a, b in itertools.pairwise(values)]


def compare_equity(
    live: Sequence[EquityPoint], sim: Sequence[EquityPoint], grid: range
) -> tuple[list[EquityRow], EquityMetrics]:
    lv = forward_fill(_series(live), grid)
    sv = forward_fill(_series(sim), grid)
    rows, both_l, both_s, deltas = [], [], [], []
    first = None
    for g, a, b in zip(grid, lv, sv, strict=True):
        delta = None
        if a is not None and b is not None:
            delta = b - a
            first = g if first is None else first
            both_l.append(a)
            both_s.append(b)
            deltas.append(delta)
        rows.append(EquityRow(g, a, b, delta))
    absolute = [abs(d) for d in deltas]
    metrics = EquityMetrics(
        points=len(deltas),
        first_ms=first,
        max_abs_delta=max(absolute) if absolute else None,
        mean_abs_delta=math.fsum(map(float, absolute)) / len(absolute) if absolute else None,
        final_delta=deltas[-1] if deltas else None,
        change_correlation=pearson(_changes(both_l), _changes(both_s)),
        live_max_drawdown=_max_drawdown(both_l),
        sim_max_drawdown=_max_drawdown(both_s),
    )
    return rows, metrics
