"""The V-10 clock grid and forward-fill resampling of event-driven series."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from compare.records import Window

__all__ = ["forward_fill", "grid_points"]

_V = TypeVar("_V")


def grid_points(window: Window, step_ms: int) -> range:
    """Clock-aligned points (multiples of ``step_ms``) from the window start, before its
    end: the first is the start rounded up to the clock."""
    first = -(-window.start_ms // step_ms) * step_ms
    return range(first, window.end_ms, step_ms)


def forward_fill(events: Sequence[tuple[int, _V]], grid: range) -> list[_V | None]:
    """At each grid point the last event at or before it (events in time order; of
    events at one instant the last wins); None before the series' first value."""
    out: list[_V | None] = []
    n, i = len(events), 0
    value: _V | None = None
    for g in grid:
        while i < n and events[i][0] <= g:
            value = events[i][1]
            i += 1
        out.append(value)
    return out
