"""How healthy a trade series is: coverage, holes, trade rate, disorder, repeats.

Pure functions over timestamps (exchange ms), no I/O. The window is ``[start_ms, end_ms]``
(both inclusive, like the reference's); an open bound is the first or last trade. Its
minutes are counted from its start: minute ``k`` is ``[start + 60 000 k, start +
60 000 (k + 1))``, and only whole minutes count (a partial last minute is left out of
``minutes``, ``coverage`` and ``trades_per_minute``, never out of ``trades``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections.abc import Sequence

import msgspec

__all__ = ["DataHealth", "Gap", "assess", "format_health"]

_MINUTE_MS = 60_000
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class Gap(msgspec.Struct, frozen=True, kw_only=True):
    """A hole in the data, in exchange ms."""

    #: The last trade before the hole (or the window start).
    start_ms: int
    #: The first trade after it (or the window end).
    end_ms: int
    #: ``no trades for N s``, or ``collector gap: <reason>`` for a recorded GapStart/GapEnd.
    reason: str

    @property
    def seconds(self) -> float:
        return (self.end_ms - self.start_ms) / 1000


class DataHealth(msgspec.Struct, frozen=True, kw_only=True):
    symbol: str
    #: The window asked for (``None``: the first / last trade).
    start_ms: int | None
    end_ms: int | None
    #: The first and last trade actually in the window.
    first_ms: int | None
    last_ms: int | None
    trades: int
    #: Whole minutes in the window.
    minutes: int
    minutes_with_trades: int
    #: ``minutes_with_trades / minutes``; 1.0 for a window of 0 whole minutes with trades,
    #: 0.0 without trades.
    coverage: float
    #: Holes longer than ``gap_s`` (one at the window's start or end included) and the
    #: recorded collector gaps overlapping the window, by start time.
    gaps: list[Gap]
    #: ``min``, ``median``, ``mean``, ``max`` over the window's whole minutes.
    trades_per_minute: dict[str, float]
    #: Rows whose time goes back (0 for a validated ``TradeTape``).
    out_of_order: int
    #: Trades whose id was already seen.
    duplicates: int
    #: The hole length (seconds) above which a stretch without trades is a gap.
    gap_s: float = 60.0

    @property
    def ok(self) -> bool:
        return not self.gaps and self.trades > 0


def assess(
    ts_ms: Sequence[int],
    *,
    symbol: str,
    trade_ids: Sequence[str] | None = None,
    start_ms: int | None = None,
    end_ms: int | None = None,
    gap_s: float = 60.0,
    recorded_gaps: Sequence[Gap] = (),
) -> DataHealth:
    """The health of the trades at ``ts_ms`` (in their given order) inside the window.

    Trades outside ``[start_ms, end_ms]`` are ignored; ``trade_ids`` (parallel to
    ``ts_ms``) enables the duplicate count."""
    if gap_s <= 0:
        raise ValueError(f"gap_s: must be > 0, got {gap_s}")
    if trade_ids is not None and len(trade_ids) != len(ts_ms):
        raise ValueError(f"trade_ids: {len(trade_ids)} ids for {len(ts_ms)} timestamps")
    inside = [
        i
        for i, t in enumerate(ts_ms)
        if (start_ms is None or t >= start_ms) and (end_ms is None or t <= end_ms)
    ]
    times = [ts_ms[i] for i in inside]
    ordered = sorted(times)
    first = ordered[0] if ordered else None
    last = ordered[-1] if ordered else None
    lo = start_ms if start_ms is not None else first
    hi = end_ms if end_ms is not None else last
    counts = _per_minute(ordered, lo, hi)
    gaps = _holes(ordered, start_ms, end_ms, gap_s) + _overlapping(recorded_gaps, lo, hi)
    gaps.sort(key=lambda g: (g.start_ms, g.end_ms))
    ids = [trade_ids[i] for i in inside] if trade_ids is not None else []
    with_trades = sum(1 for c in counts if c)
    return DataHealth(
        symbol=symbol,
        start_ms=start_ms,
        end_ms=end_ms,
        first_ms=first,
        last_ms=last,
        trades=len(times),
        minutes=len(counts),
        minutes_with_trades=with_trades,
        coverage=(with_trades / len(counts) if counts else 1.0) if times else 0.0,
        gaps=gaps,
        trades_per_minute=_rate(counts),
        out_of_order=sum(1 for a, b in itertools.pairwise(times) if b < a),
        duplicates=len(ids) - len(set(ids)),
        gap_s=gap_s,
    )


def _per_minute(ordered: list[int], lo: int | None, hi: int | None) -> list[int]:
    """Trades in each whole minute of ``[lo, hi]``."""
    if lo is None or hi is None or hi < lo:
        return []
    counts = [0] * ((hi - lo + 1) // _MINUTE_MS)
    n = len(counts)
    for t in ordered:
        k = (t - lo) // _MINUTE_MS
        if 0 <= k < n:
            counts[k] += 1
    return counts


def _holes(ordered: list[int], start_ms: int | None, end_ms: int | None, gap_s: float) -> list[Gap]:
    """Stretches longer than ``gap_s`` without a trade, window edges included."""
    limit = gap_s * 1000
    points = ordered
    if start_ms is not None:
        points = [start_ms, *points]
    if end_ms is not None:
        points = [*points, end_ms]
    return [
        Gap(start_ms=a, end_ms=b, reason=f"no trades for {_secs((b - a) / 1000)} s")
        for a, b in itertools.pairwise(points)
        if b - a > limit
    ]


def _overlapping(gaps: Sequence[Gap], lo: int | None, hi: int | None) -> list[Gap]:
    return [g for g in gaps if (lo is None or g.end_ms >= lo) and (hi is None or g.start_ms <= hi)]


def _rate(counts: list[int]) -> dict[str, float]:
    if not counts:
        return {"min": 0.0, "median": 0.0, "mean": 0.0, "max": 0.0}
    return {
        "min": float(min(counts)),
        "median": float(statistics.median(counts)),
        "mean": sum(counts) / len(counts),
        "max": float(max(counts)),
    }


def _secs(seconds: float) -> str:
    return f"{seconds:.3f}".rstrip("0").rstrip(".")


def utc_iso(ms: int) -> str:
    """``2020-12-09T00:00:00.428Z``."""
    stamp = (_EPOCH + dt.timedelta(milliseconds=ms)).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


def format_health(health: DataHealth) -> str:
    """A short report: window, trades and coverage, trade rate, disorder, then the gaps."""
    h = health
    lo = h.start_ms if h.start_ms is not None else h.first_ms
    hi = h.end_ms if h.end_ms is not None else h.last_ms
    window = f"{utc_iso(lo)} .. {utc_iso(hi)}" if lo is not None and hi is not None else "empty"
    rate = h.trades_per_minute
    lines = [
        f"{h.symbol} {window}: {h.trades:,} trades, {h.minutes_with_trades}/{h.minutes}"
        f" minutes with trades (coverage {h.coverage:.1%})",
        f"trades per minute: min {rate['min']:,.0f}, median {rate['median']:,.1f},"
        f" mean {rate['mean']:,.1f}, max {rate['max']:,.0f}",
        f"out-of-order rows: {h.out_of_order:,}, duplicate trade ids: {h.duplicates:,}",
    ]
    if not h.gaps:
        lines.append(f"gaps (> {_secs(h.gap_s)} s): none")
    else:
        total = _secs(sum(g.seconds for g in h.gaps))
        lines.append(f"gaps (> {_secs(h.gap_s)} s): {len(h.gaps)}, {total} s in all")
        lines += [f"  {utc_iso(g.start_ms)} .. {utc_iso(g.end_ms)}  {g.reason}" for g in h.gaps]
    lines.append("ok" if h.ok else "NOT ok: " + ("no trades" if not h.trades else "gaps"))
    return "\n".join(lines)
