"""§9: position risk management — the amount multipliers of the linked long/short pair."""

from __future__ import annotations

import logging
import math
from decimal import Decimal
from typing import Literal

import msgspec

from gridcore.config import RiskConfig
from gridcore.errors import RiskLinkError

__all__ = [
    "MULTIPLIER_VALUES",
    "PositionRiskManager",
    "PositionState",
    "early_imbalance_qty",
    "low_balance_flag",
    "size_ratio",
    "update_multipliers",
]

logger = logging.getLogger(__name__)

MULTIPLIER_VALUES = frozenset((0.5, 1.0, 1.5, 2.0))
"""Every value a multiplier can ever take (R-6, R-7, R-8)."""

_ZERO = Decimal(0)


class PositionState(msgspec.Struct, frozen=True, kw_only=True):
    """R-3 inputs for one side. ``margin`` is the ratio ``size × entry / wallet`` (P-4)."""

    size: Decimal = _ZERO
    entry_price: Decimal | None = None
    liquidation_price: Decimal | None = _ZERO
    margin: Decimal = _ZERO
    leverage: Decimal = Decimal(1)


EMPTY_POSITION = PositionState()


class PositionRiskManager:
    """R-1: one direction's multipliers; rules may write to the linked opposite."""

    def __init__(self, direction: Literal["long", "short"], config: RiskConfig) -> None:
        self.direction = direction
        self.config = config
        self.multiplier: dict[str, float] = {"Buy": 1.0, "Sell": 1.0}
        self.position_ratio = 1.0
        self.size = _ZERO
        self.liquidation_price = _ZERO
        self.opposite: PositionRiskManager | None = None

    @classmethod
    def linked_pair(cls, config: RiskConfig) -> tuple[PositionRiskManager, PositionRiskManager]:
        """A long and a short manager, each linked to the other."""
        long, short = cls("long", config), cls("short", config)
        long.opposite, short.opposite = short, long
        return long, short

    def reset(self) -> None:
        self.multiplier["Buy"] = self.multiplier["Sell"] = 1.0

    def observe(self, state: PositionState | None) -> None:
        """Cache the size and liquidation price that R-11 reads (zero when absent)."""
        state = state or EMPTY_POSITION
        self.size = state.size
        self.liquidation_price = state.liquidation_price or _ZERO

    def calculate(
        self,
        own: PositionState,
        opposite: PositionState,
        last_close: float,
        *,
        low_balance: bool = False,
    ) -> dict[str, float]:
        """R-4..R-8 for this direction; returns this manager's multipliers."""
        if self.opposite is None:
            raise RiskLinkError(self.direction)
        if own.entry_price is None or own.entry_price == 0:
            return self.multiplier
        entry = float(own.entry_price)
        leverage = float(own.leverage)
        is_long = self.direction == "long"
        if is_long:
            upnl_pct = (last_close - entry) / entry * 100 * leverage
        else:
            upnl_pct = (entry - last_close) / entry * 100 * leverage
        liq = float(own.liquidation_price or 0)
        liq_ratio = 0.0 if last_close == 0 else liq / last_close
        own_margin, opp_margin = float(own.margin), float(opposite.margin)
        short_margin = opp_margin if is_long else own_margin
        long_margin = own_margin if is_long else opp_margin
        self.position_ratio = long_margin / (short_margin or 0.0001)
        total_margin = own_margin + opp_margin
        rule = (self._long_rules if is_long else self._short_rules)(
            liq_ratio, total_margin, upnl_pct, low_balance
        )
        logger.debug(
            "%s rule=%s liq_ratio=%.4f ratio=%.4f total_margin=%.4f upnl%%=%.4f -> %s",
            self.direction, rule, liq_ratio, self.position_ratio, total_margin, upnl_pct,
            self.multiplier,
        )  # fmt: skip
        return self.multiplier

    def _equal(self) -> bool:
        return 0.94 < self.position_ratio < 1.05

    def _long_rules(self, liq_ratio: float, total: float, upnl: float, low_balance: bool) -> str:
        """R-6, first match wins."""
        cfg, ratio = self.config, self.position_ratio
        if liq_ratio > 1.05 * cfg.min_liq_ratio:
            self.multiplier["Sell"] = 1.5
            return "high_liq"
        if liq_ratio > cfg.min_liq_ratio:
            if not low_balance:
                self._opposite().multiplier["Buy"] = 0.5
            return "moderate_liq"
        if self._equal() and total < cfg.min_total_margin:
            return self._low_margin()
        if ratio < 0.5 and upnl < 0:
            self.multiplier["Buy"] = 2.0
            return "small_losing"
        if ratio < 0.20:
            self.multiplier["Buy"] = 2.0
            return "very_small"
        return "none"

    def _short_rules(self, liq_ratio: float, total: float, upnl: float, low_balance: bool) -> str:
        """R-7, first match wins (bbu2's rule and order, see §14)."""
        cfg, ratio = self.config, self.position_ratio
        if 0 < liq_ratio < 0.95 * cfg.max_liq_ratio:
            self.multiplier["Buy"] = 1.5
            return "emergency_liq"
        if 0 < liq_ratio < cfg.max_liq_ratio:
            if not low_balance:
                self._opposite().multiplier["Sell"] = 0.5
            return "moderate_liq"
        if self._equal() and total < cfg.min_total_margin:
            return self._low_margin()
        if ratio > 2.0 and upnl < 0:
            self.multiplier["Sell"] = 2.0
            return "large_losing"
        if ratio > 5.0:
            self.multiplier["Sell"] = 2.0
            return "very_large"
        return "none"

    def _low_margin(self) -> str:
        """R-8."""
        increase = self.config.increase_same_position_on_low_margin
        if self.direction == "long":
            self.multiplier["Buy" if increase else "Sell"] = 2.0 if increase else 0.5
        else:
            self.multiplier["Sell" if increase else "Buy"] = 2.0 if increase else 0.5
        return "low_margin"

    def _opposite(self) -> PositionRiskManager:
        if self.opposite is None:  # pragma: no cover - calculate() checked it
            raise RiskLinkError(self.direction)
        return self.opposite


def update_multipliers(
    long: PositionRiskManager,
    short: PositionRiskManager,
    long_state: PositionState | None,
    short_state: PositionState | None,
    last_close: float,
    *,
    low_balance: bool = False,
    live: bool = False,
) -> None:
    """R-2: reset both, then long, then short (last write wins).

    ``None`` means no position. A position exists when ``size > 0`` (backtest) or
    ``size != 0`` (``live=True``). Live skips the whole call without a positive finite
    price.
    """
    if live and not (math.isfinite(last_close) and last_close > 0):
        return
    long.observe(long_state)
    short.observe(short_state)
    long.reset()
    short.reset()
    if long_state is not None and _exists(long_state, live):
        opposite = short_state or EMPTY_POSITION
        long.calculate(long_state, opposite, last_close, low_balance=low_balance)
    if short_state is not None and _exists(short_state, live):
        opposite = long_state or EMPTY_POSITION
        short.calculate(short_state, opposite, last_close, low_balance=low_balance)


def _exists(state: PositionState, live: bool) -> bool:
    return state.size != 0 if live else state.size > 0


def low_balance_flag(
    total_position_value: Decimal,
    available_margin: Decimal,
    *,
    fresh_wallet_reading: bool,
    enabled: bool,
    fraction: Decimal = Decimal("0.10"),
) -> bool:
    """R-9: the live ``low_balance`` flag (the backtest always passes False).

    Low when positions exist and free margin is positive but under ``fraction`` of their
    value, or exactly 0 from a fresh wallet-stream reading (a 0 from the position-cadence
    fallback means "no data"). Only when the config switch is ``enabled``.
    """
    if not enabled or total_position_value <= 0:
        return False
    if available_margin > 0:
        return available_margin < total_position_value * fraction
    return available_margin == 0 and fresh_wallet_reading


def size_ratio(long_size: Decimal, short_size: Decimal) -> float:
    """R-11 ``long.size / short.size``: +∞ for a short of 0 with a long, 1.0 when both are 0."""
    if short_size == 0:
        return math.inf if long_size > 0 else 1.0
    return float(long_size) / float(short_size)


def early_imbalance_qty(
    qty: Decimal, multiplier: float, long: PositionRiskManager, short: PositionRiskManager
) -> Decimal:
    """R-11: scale ``qty`` while the long dominates (1.1 < ratio < 10) and no liq prices."""
    if multiplier == 1.0:
        return qty
    ratio = size_ratio(long.size, short.size)
    if 1.1 < ratio < 10 and long.liquidation_price == 0 and short.liquidation_price == 0:
        return qty * Decimal(str(multiplier))
    return qty
