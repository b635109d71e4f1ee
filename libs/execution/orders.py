"""The execution layer's view of one order, shared by the live executor and the
simulated broker: what the §6.6 gates read."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from decimal import Decimal

from gridcore import order_link_prefix
from proto import Direction, Side

_OURS = re.compile(r"^[0-9a-f]{16}$")


class OrderState(enum.Enum):
    IN_FLIGHT = "in_flight"  # sent, no answer yet
    OPEN = "open"  # resting on the exchange
    UNKNOWN = "unknown"  # retries exhausted without knowing whether it landed


@dataclass(slots=True)
class BookOrder:
    link_id: str
    client_order_id: str
    symbol: str
    side: str
    price: Decimal
    qty: Decimal
    leaves_qty: Decimal
    reduce_only: bool
    position_idx: int
    state: OrderState
    order_id: str = ""
    updated_ms: int = 0
    #: Local time (executor clock, ns) this entry last changed; reconciliation only
    #: declares missing what it knew before its query started.
    seen_ns: int = 0


def ours(link_id: str | None) -> str | None:
    """The client order id of a gridtwin ``orderLinkId`` (I-3 prefix), else ``None``."""
    prefix = order_link_prefix(link_id)
    return prefix if prefix is not None and _OURS.match(prefix) else None


def position_idx(direction: str) -> int:
    """Hedge mode: 1 = long, 2 = short."""
    return 1 if direction == Direction.LONG else 2


def closes(side: str, idx: int) -> bool:
    """Does an order on ``side`` reduce the ``idx`` leg (Sell on long, Buy on short)?"""
    return (idx == 1 and side == Side.SELL) or (idx == 2 and side == Side.BUY)
