"""How to compare (matching, grids, tolerances) and what passes (V-13 thresholds).

Both are frozen Structs that reject unknown keys; a thresholds file is TOML or JSON with
the field names of :class:`Thresholds` at its top level.
"""

from __future__ import annotations

import json
import math
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from compare.errors import CompareConfigError
from compare.matching import MatchMode

__all__ = ["AboveThresholds", "CompareOptions", "Thresholds", "load_thresholds"]

_S = TypeVar("_S", bound=msgspec.Struct)
_UNKNOWN = "Object contains unknown field `"


def _check(struct: msgspec.Struct, positive: tuple[str, ...] = ()) -> None:
    """Every number ≥ 0 (``positive``: > 0); Decimal compared in Decimal."""
    for name in struct.__struct_fields__:
        value = getattr(struct, name)
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            continue
        if not (value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)):
            raise ValueError(f"{name}: must be a finite number, got {value}")
        if name in positive and not value > 0:
            raise ValueError(f"{name}: must be > 0, got {value}")
        if not value >= 0:
            raise ValueError(f"{name}: must be >= 0, got {value}")


class AboveThresholds(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The robust stats' "count above" threshold per delta family, in its unit."""

    price_ticks: float = 0.0
    qty_lots: float = 0.0
    time_s: float = 1.0
    fee_usdt: float = 0.01
    pnl_usdt: float = 0.01

    def __post_init__(self) -> None:
        _check(self)


class CompareOptions(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Defaults are the spec's; ``start_ms``/``end_ms`` None: the window spans both
    sides' data (first event to last event + 1 ms)."""

    match: MatchMode = "assignment"
    max_time_delta_s: float = 300.0  # V-7
    pnl_interval_s: float = 300.0  # PnL increment grid (§3)
    equity_interval_s: float = 60.0  # V-10 grid
    price_tol_ticks: float = 0.0  # breaches (§3)
    qty_tol_lots: float = 0.0
    above: AboveThresholds = AboveThresholds()
    start_ms: int | None = None
    end_ms: int | None = None

    def __post_init__(self) -> None:
        _check(self, positive=("max_time_delta_s", "pnl_interval_s", "equity_interval_s"))
        if self.start_ms is not None and self.end_ms is not None and self.end_ms <= self.start_ms:
            raise ValueError(f"end: must be after start ({self.end_ms} <= {self.start_ms})")


class Thresholds(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """V-13 checks: what passes. Ratios, ticks and seconds are floats; money is Decimal
    and compared in Decimal."""

    coverage_min: float = 0.95  # match_rate ≥
    sim_only_rate_max: float = 0.05  # no phantoms
    price_p95_ticks_max: float = 2.0
    time_mean_abs_s_max: float = 1.0  # |mean Δt|
    time_p95_abs_s_max: float = 5.0  # p95 |Δt|
    pnl_abs_max: Decimal = Decimal("0.01")  # |Δ realised| ≤ max(abs, rel × |live|)
    pnl_rel_max: Decimal = Decimal("0.05")
    fees_abs_max: Decimal = Decimal("0.01")
    equity_abs_max: Decimal = Decimal("1.00")  # max |Δequity|
    state_share_max: float = 0.01  # share of time diverged

    def __post_init__(self) -> None:
        _check(self)


def load_thresholds(path: Path | str) -> Thresholds:
    """A TOML (``.toml``) or JSON file of :class:`Thresholds` fields; an unknown key or a
    bad value raises :class:`CompareConfigError` naming the file and the field."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CompareConfigError("thresholds", exc.strerror or str(exc), source=source) from None
    try:
        data: Any = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise CompareConfigError("thresholds", f"not valid: {exc}", source=source) from None
    return _convert(data, Thresholds, source=source)


def _convert(data: Any, kind: type[_S], *, source: str = "") -> _S:
    """``msgspec.convert`` with its message turned into ``field: reason``."""
    try:
        return msgspec.convert(data, kind, strict=False)
    except msgspec.ValidationError as exc:
        raise CompareConfigError(*_split(str(exc)), source=source) from None


def _split(message: str) -> tuple[str, str]:
    """msgspec's ``reason - at `$.a.b``` (or our own ``field: reason``) as (field, reason);
    an unknown key as (its dotted name, "unknown field")."""
    reason, sep, where = message.rpartition(" - at `$.")
    where = where.rstrip("`") if sep else ""
    if not sep:
        reason = message
    if reason.startswith(_UNKNOWN):
        name = reason.removeprefix(_UNKNOWN).rstrip("`")
        return (f"{where}.{name}" if where else name), "unknown field"
    if where:
        return where, reason
    field, sep, reason = message.partition(": ")
    if sep and field.replace("_", "").isalnum():
        return field, reason
    return "thresholds", message
