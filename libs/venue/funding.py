"""Funding: when positions pay or receive it, at which rate and on which price.

Two schedules share one interface (``due``, ``next_ms``, ``rate_at``, ``basis``):

* :class:`FundingSchedule`, Bybit's: settlement at UTC-aligned boundaries every
  ``interval_hours``, on the mark price, at a rate from a series or a constant. A boundary
  passed between two events is settled at the first event at or after it.
* :class:`FirstTickFunding`, the reference backtest's (B-FUND-1/2): the first ticker
  inside 00:00–00:59, 08:00–08:59 and 16:00–16:59 UTC settles, at most once per such
  hour, on that ticker's **last** price at the configured rate; an hour without a ticker
  gets none, and the clock is marked even when every leg is flat.
* :class:`RecordedFunding`, a recorded run's: the settlements it recorded (time and rate
  per symbol), on the mark price at those times.

Settlement itself (size × price × rate; a positive rate makes longs pay and shorts
receive) is the kernel's.
"""

from __future__ import annotations

import bisect
import csv
import pathlib
from decimal import Decimal
from typing import Literal

from venue.config import FundingConfig, FundingPoint

__all__ = [
    "FirstTickFunding",
    "FundingModel",
    "FundingSchedule",
    "RecordedFunding",
    "load_series_file",
]

_HOUR_MS = 3_600_000
_DAY_MS = 24 * _HOUR_MS
_FUNDING_HOURS = (0, 8, 16)
_REPEAT_GUARD_MS = 7 * _HOUR_MS


def load_series_file(path: pathlib.Path) -> tuple[FundingPoint, ...]:
    """Read `funding_time_ms,...,symbol,funding_rate` (header required, extra columns ignored)."""
    points: list[FundingPoint] = []
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            points.append(
                FundingPoint(
                    time_ms=int(row["funding_time_ms"]),
                    rate=Decimal(row["funding_rate"]),
                    symbol=row.get("symbol", "") or "",
                )
            )
    return tuple(points)


class FundingSchedule:
    """Bybit's interval funding (see the module doc)."""

    basis: Literal["mark", "last"] = "mark"

    def __init__(self, cfg: FundingConfig, extra_points: tuple[FundingPoint, ...] = ()) -> None:
        self.enabled = cfg.enabled
        self.interval_ms = cfg.interval_hours * _HOUR_MS
        self.constant = cfg.rate
        self._next: int | None = None
        self._series: dict[str, tuple[list[int], list[Decimal]]] = {}
        for point in sorted((*cfg.series, *extra_points), key=lambda p: p.time_ms):
            times, rates = self._series.setdefault(point.symbol, ([], []))
            times.append(point.time_ms)
            rates.append(point.rate)

    @classmethod
    def from_file(cls, cfg: FundingConfig, path: pathlib.Path | None) -> FundingSchedule:
        """Blocking (reads the series file): call at startup, off the event loop."""
        return cls(cfg, load_series_file(path) if path is not None else ())

    @property
    def interval_hours(self) -> int:
        return self.interval_ms // _HOUR_MS

    def next_after(self, ts_ms: int) -> int:
        """The first boundary strictly after `ts_ms`."""
        return (ts_ms // self.interval_ms + 1) * self.interval_ms

    def start(self, now_ms: int) -> None:
        """Boundaries count from the first one after ``now_ms``."""
        self._next = self.next_after(now_ms)

    def next_ms(self, now_ms: int) -> int:
        """When funding is next due (the next boundary not yet settled)."""
        if self._next is None:
            self.start(now_ms)
        assert self._next is not None
        return self._next

    def due(self, now_ms: int) -> list[int]:
        """Every boundary up to ``now_ms`` not yet settled, in order (marked settled)."""
        boundary = self.next_ms(now_ms)
        passed: list[int] = []
        while boundary <= now_ms:
            passed.append(boundary)
            boundary += self.interval_ms
        self._next = boundary
        return passed if self.enabled else []

    def rate_at(self, symbol: str, ts_ms: int) -> Decimal:
        """Latest series point at or before `ts_ms` (symbol-specific first), else the constant."""
        for key in (symbol, ""):
            series = self._series.get(key)
            if series is None:
                continue
            i = bisect.bisect_right(series[0], ts_ms)
            if i:
                return series[1][i - 1]
        return self.constant


class FirstTickFunding:
    """The reference backtest's funding (see the module doc)."""

    basis: Literal["mark", "last"] = "last"
    interval_hours = 8

    def __init__(self, rate: Decimal, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.rate = rate
        self._last_applied: int | None = None

    def start(self, now_ms: int) -> None:
        pass

    def _is_due(self, now_ms: int) -> bool:
        hour = now_ms // _HOUR_MS % 24
        if hour not in _FUNDING_HOURS:
            return False
        last = self._last_applied
        return not (
            last is not None and now_ms - last < _REPEAT_GUARD_MS and last // _HOUR_MS % 24 == hour
        )

    def next_ms(self, now_ms: int) -> int:
        """The earliest time at or after ``now_ms`` a ticker could settle funding."""
        if self._is_due(now_ms):
            return now_ms
        hour_start = now_ms - now_ms % _HOUR_MS
        day = hour_start - hour_start % _DAY_MS
        for hour in (*_FUNDING_HOURS, 24):
            start = day + hour * _HOUR_MS
            if start > now_ms:
                return start
        return day + _DAY_MS  # pragma: no cover - hour 24 always qualifies

    def due(self, now_ms: int) -> list[int]:
        """``[now_ms]`` when a ticker at ``now_ms`` settles funding (the clock is marked)."""
        if not self._is_due(now_ms):
            return []
        self._last_applied = now_ms
        return [now_ms] if self.enabled else []

    def rate_at(self, symbol: str, ts_ms: int) -> Decimal:
        return self.rate


class RecordedFunding:
    """Funding as a recorded run settled it (replays): at each recorded settlement time,
    at that settlement's rate, on the mark price then."""

    basis: Literal["mark", "last"] = "mark"
    interval_hours = 8

    def __init__(self, points: tuple[FundingPoint, ...], *, enabled: bool = True) -> None:
        self.enabled = enabled
        ordered = sorted(points, key=lambda p: p.time_ms)
        self._times = sorted({p.time_ms for p in ordered})
        self._rates = {(p.symbol, p.time_ms): p.rate for p in ordered}
        self._next = 0

    def start(self, now_ms: int) -> None:
        self._next = bisect.bisect_right(self._times, now_ms)

    def next_ms(self, now_ms: int) -> int:
        """The next recorded settlement not yet made (far future when none is left)."""
        return self._times[self._next] if self._next < len(self._times) else 2**62

    def due(self, now_ms: int) -> list[int]:
        end = bisect.bisect_right(self._times, now_ms, lo=self._next)
        passed = self._times[self._next : end]
        self._next = end
        return passed if self.enabled else []

    def rate_at(self, symbol: str, ts_ms: int) -> Decimal:
        """The rate recorded for ``symbol`` at that settlement (0 when it had none)."""
        rate = self._rates.get((symbol, ts_ms), self._rates.get(("", ts_ms)))
        return rate if rate is not None else Decimal(0)


FundingModel = FundingSchedule | FirstTickFunding | RecordedFunding
