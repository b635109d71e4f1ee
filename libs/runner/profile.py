"""How a runner sizes and when it re-evaluates risk: live behaviour or the reference
backtest's (spec/backtest.md). Each difference is one named switch."""

from __future__ import annotations

from typing import Literal

import msgspec


class RunnerProfile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    #: Balance the amount ``x<f>`` is a fraction of, and the denominator of the §9 margin
    #: ratio: ``wallet`` (the exchange's wallet balance, live) or ``equity`` (wallet plus
    #: unrealised PnL: the reference backtest, B-QTY-1 and B-RISK-2).
    sizing_balance: Literal["wallet", "equity"] = "wallet"
    #: When the §9 multipliers are recomputed: on every position or wallet update
    #: (``on_update``, live) or only after each trade fill (``on_fill``, B-RISK-1: funding
    #: and plain ticks leave them alone; ``low_balance`` is always false, R-9).
    risk_refresh: Literal["on_update", "on_fill"] = "on_update"
    #: Q-4 step 6 (``min_qty`` skip, ``max_qty`` clamp); the reference backtest has none
    #: (B-QTY-4).
    qty_limits: bool = True

    @property
    def name(self) -> str:
        if self == REFERENCE:
            return "reference"
        if self == LIVE:
            return "live"
        return "custom"


LIVE = RunnerProfile()
REFERENCE = RunnerProfile(sizing_balance="equity", risk_refresh="on_fill", qty_limits=False)
