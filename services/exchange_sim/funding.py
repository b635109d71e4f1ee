"""Funding schedule: UTC-aligned boundaries every N hours, rate from a series or a constant."""

import bisect
import csv
import pathlib
from decimal import Decimal

from services.exchange_sim.config import FundingConfig, FundingPoint, resolve_data_path

__all__ = ["FundingSchedule", "load_series_file"]


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
    def __init__(self, cfg: FundingConfig, extra_points: tuple[FundingPoint, ...] = ()) -> None:
        self.enabled = cfg.enabled
        self.interval_ms = cfg.interval_hours * 3_600_000
        self.constant = cfg.rate
        self._series: dict[str, tuple[list[int], list[Decimal]]] = {}
        for point in sorted((*cfg.series, *extra_points), key=lambda p: p.time_ms):
            times, rates = self._series.setdefault(point.symbol, ([], []))
            times.append(point.time_ms)
            rates.append(point.rate)

    @classmethod
    def from_config(cls, cfg: FundingConfig) -> "FundingSchedule":
        """Blocking (reads `series_file`): call at startup, off the event loop."""
        extra = load_series_file(resolve_data_path(cfg.series_file)) if cfg.series_file else ()
        return cls(cfg, extra)

    @property
    def interval_hours(self) -> int:
        return self.interval_ms // 3_600_000

    def next_after(self, ts_ms: int) -> int:
        """The first boundary strictly after `ts_ms`."""
        return (ts_ms // self.interval_ms + 1) * self.interval_ms

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
