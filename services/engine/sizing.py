"""Quantity for each place intent (§10) with the position-risk multipliers (§9)."""

from __future__ import annotations

from decimal import Decimal

import proto
from gridcore import (
    Amount,
    PositionRiskManager,
    PositionState,
    order_qty,
    parse_amount,
    update_multipliers,
)
from gridcore.risk import low_balance_flag
from proto.strategy import PlaceLimitIntent
from services.engine.config import Instrument
from tenants.models import RiskSettings

_ZERO = Decimal(0)
_DIRECTION_BY_IDX = {1: "long", 2: "short"}


class Sizer:
    """Wallet and positions of one strategy's account and symbol → order quantities.

    Multipliers are recomputed whenever a position or the wallet changes (R-2), with the
    latest ticker price; until a wallet balance is known, wallet-fraction amounts size
    to 0 and the place is dropped (§6.6).
    """

    def __init__(self, amount: str, risk: RiskSettings, instrument: Instrument) -> None:
        self.amount: Amount = parse_amount(amount)
        self.risk = risk
        self.instrument = instrument.info
        self.long, self.short = PositionRiskManager.linked_pair(risk.risk_config())
        self.positions: dict[str, proto.Position] = {}
        self.wallet_balance = _ZERO
        self.available: Decimal | None = None
        self._fresh_wallet = False
        self._last_close: float | None = None

    def on_wallet(self, wallet: proto.Wallet) -> None:
        if wallet.coin != "USDT":
            return
        self.wallet_balance = wallet.wallet_balance
        self.available = wallet.available_balance
        self._fresh_wallet = True
        self._recalculate()

    def on_position(self, position: proto.Position) -> bool:
        """Store a position update; True when the size changed."""
        direction = _DIRECTION_BY_IDX.get(position.position_idx)
        if direction is None:
            return False
        before = self.positions.get(direction)
        self.positions[direction] = position
        self._recalculate()
        return before is None or before.size != position.size

    def on_price(self, last_close: float) -> None:
        first = self._last_close is None
        self._last_close = last_close
        if first:
            self._recalculate()

    def position_size(self, direction: str) -> Decimal:
        position = self.positions.get(direction)
        return _ZERO if position is None else position.size

    def qty(self, intent: PlaceLimitIntent) -> Decimal:
        manager = self.long if intent.direction == "long" else self.short
        return order_qty(
            self.amount,
            intent.price,
            self.wallet_balance,
            manager.multiplier[intent.side],
            self.instrument,
            early_imbalance=(self.risk.early_imbalance_multiplier, self.long, self.short),
        )

    def _state(self, direction: str) -> PositionState | None:
        position = self.positions.get(direction)
        if position is None:
            return None
        wallet = self.wallet_balance
        value = position.size * position.avg_price
        return PositionState(
            size=position.size,
            entry_price=position.avg_price,
            liquidation_price=position.liq_price or _ZERO,
            margin=value / wallet if wallet > 0 else _ZERO,
            leverage=position.leverage or Decimal(str(self.risk.leverage)),
        )

    def _recalculate(self) -> None:
        if self._last_close is None:
            return
        long_state, short_state = self._state("long"), self._state("short")
        total_value = sum((p.size * p.avg_price for p in self.positions.values()), start=_ZERO)
        low_balance = low_balance_flag(
            total_value,
            self.available if self.available is not None else _ZERO,
            fresh_wallet_reading=self._fresh_wallet,
            enabled=self.risk.moderate_liq_low_balance_fix_enabled,
            fraction=Decimal(str(self.risk.low_balance_fraction)),
        )
        update_multipliers(
            self.long,
            self.short,
            long_state,
            short_state,
            self._last_close,
            low_balance=low_balance,
            live=True,
        )
