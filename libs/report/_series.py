"""Series arithmetic for the charts: drawdown and extreme-preserving downsampling."""

from __future__ import annotations

from collections.abc import Sequence

MAX_POINTS = 4000


def drawdown(equity: Sequence[float], initial_balance: float) -> list[float]:
    """Running peak minus equity, the peak starting at ``initial_balance`` (so >= 0)."""
    peak = initial_balance
    out: list[float] = []
    for value in equity:
        peak = max(peak, value)
        out.append(peak - value)
    return out


def downsample(
    ts: Sequence[int], values: Sequence[float], max_points: int = MAX_POINTS
) -> tuple[list[int], list[float]]:
    """At most ``max_points`` points: the first, the last, and each bucket's min and max.

    Min/max per bucket rather than a stride: a stride drops one-tick spikes and can miss the
    drawdown's trough, which is exactly what a reader looks for.
    """
    n = len(values)
    if len(ts) != n:
        raise ValueError(f"{len(ts)} timestamps for {n} values")
    if max_points < 4:
        raise ValueError(f"max_points must be at least 4, got {max_points}")
    if n <= max_points:
        return list(ts), list(values)
    buckets = (max_points - 2) // 2
    inner = n - 2
    at = values.__getitem__
    keep = [0]
    for b in range(buckets):
        bucket = range(1 + b * inner // buckets, 1 + (b + 1) * inner // buckets)
        lo, hi = min(bucket, key=at), max(bucket, key=at)
        keep.extend((lo, hi) if lo <= hi else (hi, lo))
    keep.append(n - 1)
    # A flat bucket has lo == hi: keep that point once.
    kept = sorted(set(keep))
    return [ts[i] for i in kept], [values[i] for i in kept]
