"""Mutable state records of the venue kernel (front-ends render them: Bybit JSON, proto)."""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from venue.numbers import ZERO

__all__ = [
    "Execution",
    "Order",
    "OrderRequest",
    "OrderStatus",
    "Position",
    "RestoredLeg",
    "RestoredOrder",
    "Trade",
]


class OrderStatus(StrEnum):
    NEW = "New"
    PARTIALLY_FILLED = "PartiallyFilled"
    FILLED = "Filled"
    CANCELLED = "Cancelled"
    REJECTED = "Rejected"


OPEN_STATUSES = frozenset({OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED})


@dataclass(slots=True, frozen=True)
class Trade:
    """One public trade from the feed. `side` is the taker side."""

    ts_ms: int
    symbol: str
    side: str
    price: Decimal
    size: Decimal
    trade_id: str
    tick_direction: str = ""


@dataclass(slots=True, eq=False)
class Order:
    seq: int  # global arrival sequence: time priority and pagination cursor
    order_id: str
    order_link_id: str
    account: str
    symbol: str
    side: str  # Buy | Sell
    order_type: str  # Limit | Market
    price: Decimal  # 0 for market orders
    qty: Decimal
    time_in_force: str
    position_idx: int
    reduce_only: bool
    close_on_trigger: bool
    created_ms: int
    last_price_on_created: Decimal | None = None
    status: OrderStatus = OrderStatus.NEW
    leaves_qty: Decimal = ZERO
    cum_exec_qty: Decimal = ZERO
    cum_exec_value: Decimal = ZERO
    cum_exec_fee: Decimal = ZERO
    closed_pnl: Decimal = ZERO
    cancel_type: str = "UNKNOWN"
    reject_reason: str = "EC_NoError"
    updated_ms: int = 0

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_buy(self) -> bool:
        return self.side == "Buy"

    @property
    def avg_price(self) -> Decimal | None:
        return self.cum_exec_value / self.cum_exec_qty if self.cum_exec_qty else None


@dataclass(slots=True, frozen=True)
class Execution:
    seq: int
    exec_id: str
    account: str
    symbol: str
    exec_type: str  # Trade | Funding
    side: str
    exec_price: Decimal
    exec_qty: Decimal
    exec_value: Decimal
    exec_fee: Decimal
    fee_rate: Decimal
    is_maker: bool
    exec_time_ms: int
    mark_price: Decimal
    closed_size: Decimal = ZERO
    exec_pnl: Decimal = ZERO
    order_id: str = ""
    order_link_id: str = ""
    order_price: Decimal = ZERO
    order_qty: Decimal = ZERO
    order_type: str = "UNKNOWN"
    leaves_qty: Decimal = ZERO
    position_idx: int = 0  # the leg it filled (Bybit's execution stream omits it)
    reduce_only: bool = False


@dataclass(slots=True, eq=False)
class Position:
    """`size` is signed: > 0 long, < 0 short. Hedge idx 1 is never short, idx 2 never long."""

    symbol: str
    idx: int
    leverage: Decimal
    size: Decimal = ZERO
    avg_price: Decimal = ZERO
    cum_realised_pnl: Decimal = ZERO
    cur_realised_pnl: Decimal = ZERO
    created_ms: int = 0
    updated_ms: int = 0
    seq: int = 0

    @property
    def side(self) -> str:
        if self.size > 0:
            return "Buy"
        if self.size < 0:
            return "Sell"
        return ""

    def unrealised(self, mark: Decimal) -> Decimal:
        return (mark - self.avg_price) * self.size if self.size else ZERO

    def value(self) -> Decimal:
        return abs(self.size) * self.avg_price


@dataclass(slots=True, frozen=True)
class OrderRequest:
    """A create-order request after type checks (business rules are the engine's)."""

    symbol: str
    side: str
    order_type: str
    qty: Decimal
    price: Decimal | None = None
    time_in_force: str = "GTC"
    position_idx: int = 0
    order_link_id: str = ""
    reduce_only: bool = False
    close_on_trigger: bool = False


@dataclass(slots=True, frozen=True)
class RestoredLeg:
    """A hedge leg as an exchange reported it: ``size`` ≥ 0 (idx 1 long, 2 short)."""

    symbol: str
    idx: int
    size: Decimal
    avg_price: Decimal
    cum_realised_pnl: Decimal = ZERO


@dataclass(slots=True, frozen=True)
class RestoredOrder:
    """A resting limit order as an exchange reported it, ids kept."""

    order_id: str
    order_link_id: str
    symbol: str
    side: str
    price: Decimal
    qty: Decimal
    leaves_qty: Decimal
    position_idx: int
    reduce_only: bool
    created_ms: int
