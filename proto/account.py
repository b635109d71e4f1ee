"""Private account streams (subjects ``{ns}.acct.{account_id}.*``), one message per item."""

from __future__ import annotations

import enum
from decimal import Decimal

from proto.common import Event, Side


class OrderStatus(enum.StrEnum):
    NEW = "New"
    PARTIALLY_FILLED = "PartiallyFilled"
    UNTRIGGERED = "Untriggered"
    REJECTED = "Rejected"
    PARTIALLY_FILLED_CANCELED = "PartiallyFilledCanceled"
    FILLED = "Filled"
    CANCELLED = "Cancelled"
    TRIGGERED = "Triggered"
    DEACTIVATED = "Deactivated"


class ExecType(enum.StrEnum):
    """Bybit's execType. Only ``TRADE`` is a fill of our order; funding and ADL settle
    positions and must never be counted as fills."""

    TRADE = "Trade"
    ADL_TRADE = "AdlTrade"
    FUNDING = "Funding"
    BUST_TRADE = "BustTrade"
    DELIVERY = "Delivery"
    SETTLE = "Settle"
    BLOCK_TRADE = "BlockTrade"
    MOVE_POSITION = "MovePosition"


class OrderUpdate(Event, frozen=True, kw_only=True, tag="order"):
    account_id: str
    symbol: str
    order_id: str
    order_link_id: str
    side: Side
    position_idx: int
    price: Decimal
    qty: Decimal
    leaves_qty: Decimal
    cum_exec_qty: Decimal
    status: OrderStatus
    reduce_only: bool = False
    order_type: str = "Limit"
    time_in_force: str = "GTC"
    reject_reason: str = ""
    created_ms: int = 0
    updated_ms: int = 0
    backfilled: bool = False


class Execution(Event, frozen=True, kw_only=True, tag="execution"):
    account_id: str
    symbol: str
    exec_id: str
    exec_type: ExecType
    order_id: str
    order_link_id: str
    side: Side
    price: Decimal
    qty: Decimal
    #: Signed as Bybit reports it: positive is paid by us, negative is a rebate/receipt.
    fee: Decimal
    fee_rate: Decimal
    is_maker: bool
    closed_size: Decimal
    leaves_qty: Decimal
    exec_pnl: Decimal = Decimal(0)
    backfilled: bool = False


class Position(Event, frozen=True, kw_only=True, tag="position"):
    account_id: str
    symbol: str
    position_idx: int
    #: ``None`` when flat (Bybit sends ``""``).
    side: Side | None
    size: Decimal
    avg_price: Decimal
    mark_price: Decimal | None = None
    liq_price: Decimal | None = None
    leverage: Decimal | None = None
    unrealised_pnl: Decimal = Decimal(0)
    cum_realised_pnl: Decimal = Decimal(0)
    #: Bybit's ``positionValue``, ``positionIM``, ``positionMM``; ``None`` when not sent.
    position_value: Decimal | None = None
    position_im: Decimal | None = None
    position_mm: Decimal | None = None
    seq: int = 0
    backfilled: bool = False


class Wallet(Event, frozen=True, kw_only=True, tag="wallet"):
    account_id: str
    coin: str
    equity: Decimal
    wallet_balance: Decimal
    available_balance: Decimal
    unrealised_pnl: Decimal = Decimal(0)
    cum_realised_pnl: Decimal = Decimal(0)
    backfilled: bool = False
