"""Venue configuration: instruments, accounts, fees, funding and matching.

Frozen msgspec Structs decoded once at the edge; a bad value fails with the path of the
offending field. Every field has a default.
"""

from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from checked import check_constraints

__all__ = [
    "DEFAULT_INSTRUMENTS",
    "AccountConfig",
    "FeeConfig",
    "FillModelName",
    "Frozen",
    "FundingConfig",
    "FundingPoint",
    "InstrumentConfig",
    "MatchingConfig",
    "QueueConfig",
    "VenueConfig",
]

NonNegInt = Annotated[int, msgspec.Meta(ge=0)]
PositiveInt = Annotated[int, msgspec.Meta(gt=0)]


def _positive(name: str, value: Decimal) -> None:
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value}")


class Frozen(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Base: immutable, rejects unknown keys; Decimal fields accept str/int/float in code."""

    def __post_init__(self) -> None:
        check_constraints(self)
        for field in msgspec.structs.fields(self):
            if field.type == Decimal or field.type == Decimal | None:
                value = getattr(self, field.name)
                if value is not None and not isinstance(value, Decimal):
                    if isinstance(value, bool) or not isinstance(value, str | int | float):
                        raise TypeError(f"{field.name} must be a decimal, got {value!r}")
                    msgspec.structs.force_setattr(self, field.name, Decimal(str(value)))


class AccountConfig(Frozen):
    """One simulated UTA account. `api_secret` is a local test secret, never logged."""

    api_key: str
    api_secret: str
    usdt: Decimal = Decimal("100000")  # starting USDT wallet balance
    hedge_mode: bool = True  # positionIdx 1/2 (True) or one-way positionIdx 0 (False)
    leverage: Decimal = Decimal("10")  # initial leverage for every symbol

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.api_key or not self.api_secret:
            raise ValueError("api_key and api_secret must be non-empty")
        if self.usdt < 0:
            raise ValueError("usdt must be >= 0")
        _positive("leverage", self.leverage)


class InstrumentConfig(Frozen):
    """Linear perpetual rules, as `/v5/market/instruments-info` reports them."""

    symbol: str
    tick_size: Decimal
    qty_step: Decimal
    min_qty: Decimal
    max_qty: Decimal = Decimal("1000000")
    min_notional: Decimal = Decimal("5")  # USDT; below it -> 110094
    min_price: Decimal | None = None  # default: tick_size
    max_price: Decimal = Decimal("1999999.80")
    max_leverage: Decimal = Decimal("100")
    default_price: Decimal = Decimal("100")  # random-walk start when the feed gives none

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("tick_size", "qty_step", "min_qty", "max_qty", "max_price", "max_leverage"):
            _positive(name, getattr(self, name))
        if not self.symbol.endswith("USDT"):
            raise ValueError(f"only USDT linear symbols are supported, got {self.symbol}")

    @property
    def base_coin(self) -> str:
        return self.symbol.removesuffix("USDT")

    @property
    def price_floor(self) -> Decimal:
        return self.min_price if self.min_price is not None else self.tick_size


DEFAULT_INSTRUMENTS: tuple[InstrumentConfig, ...] = (
    InstrumentConfig(
        symbol="BTCUSDT",
        tick_size=Decimal("0.10"),
        qty_step=Decimal("0.001"),
        min_qty=Decimal("0.001"),
        max_qty=Decimal("1190.000"),
        default_price=Decimal("60000.00"),
    ),
    InstrumentConfig(
        symbol="ETHUSDT",
        tick_size=Decimal("0.01"),
        qty_step=Decimal("0.01"),
        min_qty=Decimal("0.01"),
        max_qty=Decimal("7240.00"),
        max_price=Decimal("199999.98"),
        default_price=Decimal("3000.00"),
    ),
)


class FeeConfig(Frozen):
    maker: Decimal = Decimal("0.0002")
    taker: Decimal = Decimal("0.00055")


class FundingPoint(Frozen):
    time_ms: int  # settlement time the rate applies to (or from, until the next point)
    rate: Decimal
    symbol: str = ""  # "" = every symbol


class FundingConfig(Frozen):
    """Funding every `interval_hours` of virtual time at 00:00 UTC-aligned boundaries."""

    rate: Decimal = Decimal("0.0001")  # constant rate used where the series has no point
    interval_hours: PositiveInt = 8
    series: tuple[FundingPoint, ...] = ()
    # CSV with columns funding_time_ms,symbol,funding_rate (the Bybit funding file layout)
    series_file: str | None = None
    enabled: bool = True


class QueueConfig(Frozen):
    """What the ``queue`` model assumes is ahead of an order when it starts resting."""

    #: Fraction of the volume traded at the order's price within ``window_s`` before it
    #: joined that is assumed to rest ahead of it (pessimistic default: all of it).
    ahead_fraction: Annotated[float, msgspec.Meta(ge=0)] = 1.0
    #: Look-back for that volume, seconds.
    window_s: Annotated[float, msgspec.Meta(gt=0)] = 300.0
    #: Quantity ahead assumed at the least, whatever traded.
    min_ahead: Decimal = Decimal(0)


FillModelName = Literal[
    "strict_cross", "trade_through", "book_touch", "last_cross", "queue", "follow"
]


class MatchingConfig(Frozen):
    #: The named fill model (see ``venue.fills``). Unset: from ``trade_at_price``.
    fill_model: FillModelName | None = None
    # "no_fill": a trade exactly at a resting order's price never fills it (strictly through,
    # ``strict_cross``); "fill": it fills like a through trade (``trade_through``).
    trade_at_price: Literal["no_fill", "fill"] = "no_fill"
    queue: QueueConfig = QueueConfig()  # parameters of the ``queue`` model
    max_active_orders: PositiveInt = 500  # per account and symbol, -> 110020
    #: Bybit's placement checks (lot and tick grid, min/max qty, min notional, margin,
    #: active-order limit). The reference backtest has none.
    check_rules: bool = True
    #: A limit order that reaches the touch when placed fills at once as taker (Bybit);
    #: off: it rests and waits for the fill model like any other (the reference).
    taker_on_place: bool = True

    @property
    def model_name(self) -> str:
        if self.fill_model is not None:
            return self.fill_model
        return "trade_through" if self.trade_at_price == "fill" else "strict_cross"


class VenueConfig(Frozen):
    """A venue with no protocol front-end around it (backtest, simbroker)."""

    instruments: tuple[InstrumentConfig, ...] = DEFAULT_INSTRUMENTS
    accounts: tuple[AccountConfig, ...] = ()
    fees: FeeConfig = FeeConfig()
    matching: MatchingConfig = MatchingConfig()
    recent_trades: PositiveInt = 1000  # kept per symbol (the queue model reads them)
