"""C-1 / C-2: the two configuration structs, validated at construction."""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from gridcore.errors import GridConfigError

__all__ = ["GridConfig", "RiskConfig", "parse_positive_price", "parse_tick_size"]


def _number(field: str, value: Any) -> float:
    """Return ``value`` as a finite float, or raise naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GridConfigError(field, value, "must be a number")
    if not math.isfinite(value):
        raise GridConfigError(field, value, "must be finite")
    return float(value)


class GridConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """C-1 grid parameters.

    * ``grid_count`` (default 50): levels per side are ``grid_count // 2``; must be > 0.
    * ``grid_step`` (default 0.2): distance between levels in **percent**; must be > 0.
    * ``rebalance_threshold`` (default 0.3): θ of the centring rule G-15; 0 < θ < 1.
    """

    grid_count: int = 50
    grid_step: float = 0.2
    rebalance_threshold: float = 0.3

    def __post_init__(self) -> None:
        count = self.grid_count
        if isinstance(count, bool) or not isinstance(count, int):
            raise GridConfigError("grid_count", count, "must be an int")
        if count <= 0:
            raise GridConfigError("grid_count", count, "must be > 0")
        step = _number("grid_step", self.grid_step)
        if step <= 0:
            raise GridConfigError("grid_step", step, "must be > 0 (percent)")
        theta = _number("rebalance_threshold", self.rebalance_threshold)
        if not 0 < theta < 1:
            raise GridConfigError("rebalance_threshold", theta, "must satisfy 0 < θ < 1")
        msgspec.structs.force_setattr(self, "grid_step", step)
        msgspec.structs.force_setattr(self, "rebalance_threshold", theta)


class RiskConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """C-2 risk parameters (§9); defaults are the live and backtest defaults.

    * ``min_liq_ratio`` (0.8): long liquidation thresholds (R-6); must be > 0.
    * ``max_liq_ratio`` (1.2): short liquidation thresholds (R-7); must be > 0.
    * ``max_margin`` (8.0): stored, never read (§13); must be ≥ 0.
    * ``min_total_margin`` (0.15): low-margin threshold (R-8); must be ≥ 0.
    * ``increase_same_position_on_low_margin`` (False): R-8 branch switch.
    """

    min_liq_ratio: float = 0.8
    max_liq_ratio: float = 1.2
    max_margin: float = 8.0
    min_total_margin: float = 0.15
    increase_same_position_on_low_margin: bool = False

    def __post_init__(self) -> None:
        for field in ("min_liq_ratio", "max_liq_ratio"):
            value = _number(field, getattr(self, field))
            if value <= 0:
                raise GridConfigError(field, value, "must be > 0")
            msgspec.structs.force_setattr(self, field, value)
        for field in ("max_margin", "min_total_margin"):
            value = _number(field, getattr(self, field))
            if value < 0:
                raise GridConfigError(field, value, "must be >= 0")
            msgspec.structs.force_setattr(self, field, value)
        flag = self.increase_same_position_on_low_margin
        if not isinstance(flag, bool):
            raise GridConfigError("increase_same_position_on_low_margin", flag, "must be a bool")


def _decimal(field: str, value: Decimal | str | int | float) -> Decimal:
    if isinstance(value, bool):
        raise GridConfigError(field, value, "must be a decimal number")
    try:
        result = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise GridConfigError(field, value, "must be a decimal number") from None
    if not result.is_finite():
        raise GridConfigError(field, value, "must be finite")
    return result


def parse_tick_size(value: Decimal | str | int | float) -> Decimal:
    """G-1 input check: the tick must be a finite decimal > 0 (and > 0 as a double)."""
    tick = _decimal("tick_size", value)
    if tick <= 0 or float(tick) <= 0:
        raise GridConfigError("tick_size", value, "must be > 0")
    return tick


def parse_positive_price(field: str, value: Decimal | str | int | float) -> float:
    """Return a configured price as a finite float > 0, or raise naming ``field``."""
    price = float(_decimal(field, value))
    if not price > 0 or not math.isfinite(price):
        raise GridConfigError(field, value, "must be a finite price > 0")
    return price
