"""What a backtest runs: the strategy, the instrument, the account and the venue's rules,
and the behaviour profile.

The **reference** profile is the reference backtest (spec/backtest.md): intents run in
the engine's order (B-ORD-2), sizing and the margin ratio use equity (B-QTY-1, B-RISK-2),
multipliers refresh only after fills (B-RISK-1), no min/max qty (B-QTY-4), no placement
checks and no taker fills at placement, funding on the first ticker of hours 0/8/16 at
its last price (B-FUND). The **live** profile is what gridtwin does live: cancels first
(§6.6), wallet-balance sizing, multipliers on every position/wallet update, min/max qty,
Bybit's placement checks, the low-balance preflight, interval funding at the mark. Every
switch can be set on its own; the report names the profile that ran (``custom`` when
switches were mixed).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import msgspec

from checked import CheckedStruct
from execution.simulated import IntentOrder
from marketdata.ticks import TickMode
from runner import Instrument, RunnerProfile
from tenants.models import StrategySpec
from venue.config import FillModelName, QueueConfig

__all__ = ["PROFILES", "BacktestConfig", "Behaviour", "resolve_behaviour"]


class Behaviour(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Every way the reference backtest differs from live trading, one switch each."""

    intent_order: IntentOrder
    sizing_balance: Literal["wallet", "equity"]
    risk_refresh: Literal["on_update", "on_fill"]
    qty_limits: bool
    check_rules: bool
    taker_on_place: bool
    low_balance_check: bool
    funding: Literal["first_tick", "interval"]

    def runner_profile(self) -> RunnerProfile:
        return RunnerProfile(
            sizing_balance=self.sizing_balance,
            risk_refresh=self.risk_refresh,
            qty_limits=self.qty_limits,
        )


PROFILES: dict[str, Behaviour] = {
    "reference": Behaviour(
        intent_order="emitted",
        sizing_balance="equity",
        risk_refresh="on_fill",
        qty_limits=False,
        check_rules=False,
        taker_on_place=False,
        low_balance_check=False,
        funding="first_tick",
    ),
    "live": Behaviour(
        intent_order="cancels_first",
        sizing_balance="wallet",
        risk_refresh="on_update",
        qty_limits=True,
        check_rules=True,
        taker_on_place=True,
        low_balance_check=True,
        funding="interval",
    ),
}


class BacktestConfig(CheckedStruct, frozen=True):
    strategy: StrategySpec
    instrument: Instrument
    #: Starting USDT wallet balance (> 0).
    balance: Decimal = Decimal(10000)
    #: Fee rates; in the reference profile every fill rests, so only the maker rate
    #: (the reference's one ``commission_rate``) is ever charged.
    maker_fee: Decimal = Decimal("0.0002")
    taker_fee: Decimal = Decimal("0.00055")
    #: Funding rate per settlement; ``enable_funding`` off settles none.
    funding_rate: Decimal = Decimal("0.0001")
    enable_funding: bool = True
    fill_model: FillModelName = "strict_cross"
    queue: QueueConfig = QueueConfig()
    #: ``ms``: one ticker per exchange millisecond; ``trade``: one per trade (B-IN-4).
    ticks: TickMode = "ms"
    #: ``ticker``: the venue decides fills per ticker, whole orders (the reference);
    #: ``trade``: every trade fills what it reaches, capped by its size.
    fills: Literal["ticker", "trade"] = "ticker"
    #: Window, epoch ms, both inclusive (B-IN-2); ``None``: the whole input.
    start_ms: int | None = None
    end_ms: int | None = None
    profile: Literal["reference", "live"] = "reference"
    #: Single switches over the profile (``None``: the profile's).
    overrides: dict[str, str | bool] = msgspec.field(default_factory=dict)
    #: ``close_all``: close every leg at the last price at the end (B-END-2).
    wind_down: Literal["leave_open", "close_all"] = "leave_open"
    #: Skip tickers that provably change nothing but the equity point (same results).
    skip_quiet: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.balance > 0:
            raise ValueError("balance: must be > 0")
        for name in ("maker_fee", "taker_fee"):
            value = getattr(self, name)
            if not (value.is_finite() and -1 < value < 1):
                raise ValueError(f"{name}: must be a rate between -1 and 1, got {value}")
        if not (self.funding_rate.is_finite() and -1 < self.funding_rate < 1):
            raise ValueError(
                f"funding_rate: must be a rate between -1 and 1, got {self.funding_rate}"
            )
        if self.instrument.symbol != self.strategy.symbol:
            raise ValueError(
                f"instrument: {self.instrument.symbol} is not the strategy's {self.strategy.symbol}"
            )
        for name in ("tick_size", "qty_step", "min_qty", "max_qty"):
            value = getattr(self.instrument, name)
            if not (value.is_finite() and value > 0):
                raise ValueError(f"{name}: must be > 0, got {value}")
        if self.fill_model == "queue" and self.fills != "trade":
            raise ValueError("fill_model: queue needs trade-level fills (fills = 'trade')")
        if self.fill_model == "follow":
            raise ValueError("fill_model: follow needs recorded executions (a replay of a run)")
        if self.start_ms is not None and self.end_ms is not None and self.end_ms < self.start_ms:
            raise ValueError("end: must not be before start")
        resolve_behaviour(self.profile, self.overrides)

    @property
    def behaviour(self) -> Behaviour:
        return resolve_behaviour(self.profile, self.overrides)

    @property
    def profile_name(self) -> str:
        behaviour = self.behaviour
        for name, preset in PROFILES.items():
            if behaviour == preset:
                return name
        return "custom"


def resolve_behaviour(profile: str, overrides: dict[str, str | bool]) -> Behaviour:
    base = PROFILES.get(profile)
    if base is None:
        raise ValueError(f"profile: unknown {profile!r}, choose one of {', '.join(PROFILES)}")
    fields = msgspec.structs.asdict(base)
    for key, value in overrides.items():
        if key not in fields:
            raise ValueError(f"{key}: not a behaviour switch ({', '.join(sorted(fields))})")
        fields[key] = value
    try:
        return msgspec.convert(fields, Behaviour)
    except msgspec.ValidationError as exc:
        raise ValueError(str(exc)) from None
