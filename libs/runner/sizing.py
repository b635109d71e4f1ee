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
from runner.instrument import Instrument
from runner.profile import LIVE, RunnerProfile
from tenants.models import RiskSettings

_ZERO = Decimal(0)
_DIRECTION_BY_IDX = {1: "long", 2: "short"}


class Sizer:
    """Wallet and positions of one strategy's account and symbol → order quantities.

    With the live profile the multipliers are recomputed whenever a position or the
    wallet changes (R-2), with the latest ticker price; with ``risk_refresh="on_fill"``
    only on the wallet update that closes a trade fill's events (a venue reports a fill's
    order, execution, position, then wallet), with the price :meth:`on_price` saw last.
    Until a balance is known, wallet-fraction amounts size to 0 and the place is dropped
    (§6.6).
    """

    def __init__(
        self,
        amount: str,
        risk: RiskSettings,
        instrument: Instrument,
        profile: RunnerProfile = LIVE,
    ) -> None:
        self.amount: Amount = parse_amount(amount)
        self.risk = risk
        self.profile = profile
        self.instrument = instrument.info
        self.qty_step = instrument.qty_step
        self.long, self.short = PositionRiskManager.linked_pair(risk.risk_config())
        self.positions: dict[str, proto.Position] = {}
        self.wallet_balance = _ZERO
        self.equity = _ZERO
        self.available: Decimal | None = None
        #: Set by the caller each tick under ``sizing_balance="equity"`` when the venue
        #: does not report equity per tick (the backtest's equity point, B-QTY-1).
        self.sizing_override: Decimal | None = None
        self._on_fill = profile.risk_refresh == "on_fill"
        self._equity_basis = profile.sizing_balance == "equity"
        self._fill_seen = False
        self._fresh_wallet = False
        self._last_close: float | None = None

    def on_wallet(self, wallet: proto.Wallet) -> None:
        if wallet.coin != "USDT":
            return
        self.wallet_balance = wallet.wallet_balance
        self.equity = wallet.equity
        self.available = wallet.available_balance
        self._fresh_wallet = True
        if not self._on_fill:
            self._recalculate()
        elif self._fill_seen:
            self._fill_seen = False
            self._recalculate()

    def on_fill(self) -> None:
        """A trade execution: under ``on_fill`` the next wallet update recomputes."""
        self._fill_seen = True

    def on_position(self, position: proto.Position) -> bool:
        """Store a position update; True when the size changed."""
        direction = _DIRECTION_BY_IDX.get(position.position_idx)
        if direction is None:
            return False
        before = self.positions.get(direction)
        self.positions[direction] = position
        if not self._on_fill:
            self._recalculate()
        return before is None or before.size != position.size

    def on_price(self, last_close: float) -> None:
        first = self._last_close is None
        self._last_close = last_close
        if first and not self._on_fill:
            self._recalculate()

    def position_size(self, direction: str) -> Decimal:
        position = self.positions.get(direction)
        return _ZERO if position is None else position.size

    def balance(self) -> Decimal:
        """The balance an ``x<f>`` amount is a fraction of."""
        if self.sizing_override is not None:
            return self.sizing_override
        return self.equity if self._equity_basis else self.wallet_balance

    def qty(self, intent: PlaceLimitIntent) -> Decimal:
        manager = self.long if intent.direction == "long" else self.short
        return order_qty(
            self.amount,
            intent.price,
            self.balance(),
            manager.multiplier[intent.side],
            self.instrument,
            early_imbalance=(self.risk.early_imbalance_multiplier, self.long, self.short),
            apply_limits=self.profile.qty_limits,
        )

    def _state(self, direction: str, balance: Decimal) -> PositionState | None:
        position = self.positions.get(direction)
        if position is None:
            return None
        value = position.size * position.avg_price
        return PositionState(
            size=position.size,
            entry_price=position.avg_price,
            liquidation_price=position.liq_price or _ZERO,
            margin=value / balance if balance > 0 else _ZERO,
            leverage=position.leverage or Decimal(str(self.risk.leverage)),
        )

    def _recalculate(self) -> None:
        if self._last_close is None:
            return
        balance = self.equity if self._equity_basis else self.wallet_balance
        long_state, short_state = self._state("long", balance), self._state("short", balance)
        low_balance = False
        if not self._on_fill:
            total = sum((p.size * p.avg_price for p in self.positions.values()), start=_ZERO)
            low_balance = low_balance_flag(
                total,
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
            live=not self._on_fill,
        )
