"""Float statistics; every function returns None where the figure is undefined (n/a),
never a stand-in 0 or 1. Written with ``map`` over lists: these run over every pair."""

from __future__ import annotations

import math
from collections.abc import Sequence
from operator import mul

__all__ = ["median", "pearson", "percentile"]


def median(xs: Sequence[float], *, presorted: bool = False) -> float | None:
    """The middle value; the average of the two middle ones for an even count."""
    if not xs:
        return None
    s = xs if presorted else sorted(xs)
    h = len(s) // 2
    return s[h] if len(s) % 2 else (s[h - 1] + s[h]) / 2


def percentile(xs: Sequence[float], q: float, *, presorted: bool = False) -> float | None:
    """Linear interpolation between closest ranks (numpy's default): rank (n − 1)·q."""
    if not xs:
        return None
    s = xs if presorted else sorted(xs)
    rank = (len(s) - 1) * q
    lo = math.floor(rank)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (rank - lo) * (s[hi] - s[lo])


def _deviations(xs: Sequence[float]) -> list[float]:
    mu = math.fsum(xs) / len(xs)
    return [x - mu for x in xs]


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson r; None with fewer than two points or a constant series."""
    if len(xs) < 2 or len(xs) != len(ys):
        return None
    dx, dy = _deviations(xs), _deviations(ys)
    sxx, syy = math.fsum(map(mul, dx, dx)), math.fsum(map(mul, dy, dy))
    if sxx == 0 or syy == 0:
        return None
    r = math.fsum(map(mul, dx, dy)) / math.sqrt(sxx * syy)
    return max(-1.0, min(1.0, r))
