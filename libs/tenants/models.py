"""Tenant data: accounts, strategies and their risk settings, validated at construction.

Every check raises :class:`ConfigFieldError` naming the field, so a bad value reads the
same whether it came from the CLI, a strategy file or a stored row.
"""

from __future__ import annotations

import math
import re
from typing import Final, Literal

import msgspec

from bybit.config import Secret
from gridcore import GridConfig, GridConfigError, InvalidAmountError, RiskConfig, parse_amount
from tenants.errors import ConfigFieldError

__all__ = [
    "AccountSpec",
    "ApiCredentials",
    "Environment",
    "RiskSettings",
    "StrategySpec",
    "check_token",
]

Environment = Literal["mainnet", "testnet", "sim"]
TOKEN_MAX_LEN: Final = 40
_TOKEN = re.compile(r"[A-Za-z0-9_-]+")
_SYMBOL = re.compile(r"[A-Z0-9]+USDT")
#: The live bot's smallest grid (a Buy and a Sell level each side of the centre).
MIN_GRID_COUNT: Final = 4
#: Bybit allows 500 open orders per account and symbol; a grid of N levels rests up to
#: 2 × N of them (a long and a short order per level), plus room for re-quotes in flight.
MAX_GRID_COUNT: Final = 240


def check_token(field: str, value: str) -> None:
    """Ids are tokens: they end up in subjects, order link ids and SQL CHECKs."""
    if not _TOKEN.fullmatch(value) or len(value) > TOKEN_MAX_LEN:
        raise ConfigFieldError(
            field, f"must be 1-{TOKEN_MAX_LEN} characters of A-Z a-z 0-9 _ -, got {value!r}"
        )


def _finite(field: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigFieldError(field, f"must be a finite number, got {value!r}")
    return float(value)


class RiskSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``gridcore.RiskConfig`` (C-2) plus the live-only risk switches of a strategy."""

    min_liq_ratio: float = 0.8
    max_liq_ratio: float = 1.2
    max_margin: float = 8.0
    min_total_margin: float = 0.15
    increase_same_position_on_low_margin: bool = False
    #: R-11 quantity multiplier while the long dominates; > 0 (1.0 = off).
    early_imbalance_multiplier: float = 1.0
    #: R-9 switch: the live low-balance flag feeds the moderate-liq rule.
    moderate_liq_low_balance_fix_enabled: bool = False
    #: R-9 threshold: free margin under this fraction of position value is "low"; in [0, 1].
    low_balance_fraction: float = 0.10
    #: Leverage set on the exchange for the symbol; > 0.
    leverage: float = 10.0

    def __post_init__(self) -> None:
        self.risk_config()
        if _finite("early_imbalance_multiplier", self.early_imbalance_multiplier) <= 0:
            raise ConfigFieldError("early_imbalance_multiplier", "must be > 0")
        if not 0 <= _finite("low_balance_fraction", self.low_balance_fraction) <= 1:
            raise ConfigFieldError("low_balance_fraction", "must be between 0 and 1")
        if _finite("leverage", self.leverage) <= 0:
            raise ConfigFieldError("leverage", "must be > 0")
        if not isinstance(self.moderate_liq_low_balance_fix_enabled, bool):
            raise ConfigFieldError("moderate_liq_low_balance_fix_enabled", "must be a bool")

    def risk_config(self) -> RiskConfig:
        try:
            return RiskConfig(
                min_liq_ratio=self.min_liq_ratio,
                max_liq_ratio=self.max_liq_ratio,
                max_margin=self.max_margin,
                min_total_margin=self.min_total_margin,
                increase_same_position_on_low_margin=self.increase_same_position_on_low_margin,
            )
        except GridConfigError as exc:
            raise ConfigFieldError(exc.field, exc.reason) from None


class StrategySpec(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One grid strategy of one account (C-1 grid parameters + risk + where it runs)."""

    strategy_id: str
    account_id: str
    #: Bybit linear perpetual, e.g. ``BTCUSDT``.
    symbol: str
    grid_count: int = 50
    grid_step: float = 0.2
    rebalance_threshold: float = 0.3
    #: ``x<fraction>`` of the wallet or a USDT notional (gridcore Q-1).
    amount: str = "x0.001"
    risk: RiskSettings = RiskSettings()
    #: Shadow strategies compute intents but never send orders.
    shadow: bool = False
    enabled: bool = True
    namespace: str = "live"

    def __post_init__(self) -> None:
        check_token("strategy_id", self.strategy_id)
        check_token("account_id", self.account_id)
        if not _SYMBOL.fullmatch(self.symbol):
            raise ConfigFieldError(
                "symbol", f"must be an upper-case USDT perpetual like BTCUSDT, got {self.symbol!r}"
            )
        self.grid_config()
        if not MIN_GRID_COUNT <= self.grid_count <= MAX_GRID_COUNT:
            raise ConfigFieldError(
                "grid_count",
                f"must be between {MIN_GRID_COUNT} and {MAX_GRID_COUNT} (two orders a level,"
                f" 500 open orders per symbol on Bybit), got {self.grid_count}",
            )
        try:
            amount = parse_amount(self.amount)
        except InvalidAmountError:
            raise ConfigFieldError(
                "amount", f"{self.amount!r} is neither 'x<wallet fraction>' nor a USDT amount"
            ) from None
        if amount.value <= 0:
            raise ConfigFieldError("amount", f"must be > 0, got {self.amount!r}")
        if not self.namespace or not re.fullmatch(r"[A-Za-z0-9_.-]+", self.namespace):
            raise ConfigFieldError(
                "namespace", f"must be a non-empty token, got {self.namespace!r}"
            )

    def grid_config(self) -> GridConfig:
        try:
            return GridConfig(
                grid_count=self.grid_count,
                grid_step=self.grid_step,
                rebalance_threshold=self.rebalance_threshold,
            )
        except GridConfigError as exc:
            raise ConfigFieldError(exc.field, exc.reason) from None


class AccountSpec(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An exchange account of a user. The API secret is never part of it: it travels
    separately, straight into :func:`tenants.crypto.seal`."""

    account_id: str
    #: The owning user's name.
    user: str
    api_key: str
    name: str = ""
    environment: Environment = "sim"

    def __post_init__(self) -> None:
        check_token("account_id", self.account_id)
        if not self.user:
            raise ConfigFieldError("user", "must not be empty")
        if not self.api_key or any(c.isspace() for c in self.api_key):
            raise ConfigFieldError("api_key", "must be non-empty, without spaces")


class ApiCredentials(msgspec.Struct, frozen=True, kw_only=True):
    """Decrypted credentials, for the collector's and executor's memory only. The secret
    is a :class:`bybit.Secret`: it prints as a mask and cannot be encoded or pickled."""

    account_id: str
    api_key: str
    api_secret: Secret
    environment: Environment

    def __post_init__(self) -> None:
        if not isinstance(self.api_secret, Secret):
            raise TypeError("api_secret must be a bybit Secret")
