"""The execution-layer gates of spec §6.6 as pure functions over the account's view.

None of them touches the network: the worker hands in the orders of the intent's symbol,
the position size of its leg, and (for the preflight) the available balance.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from execution.orders import BookOrder, OrderState, closes, position_idx
from proto import CancelIntent, PlaceIntent, RejectReason

#: ``CancelIntent.reason`` of the engine's cancels of a doubled order (E-6.2); the only
#: intents the same-order latch lets through.
DUPLICATE_CANCEL = "duplicate"


@dataclass(frozen=True, slots=True)
class Verdict:
    """Why an intent must not reach the exchange."""

    reason: RejectReason
    detail: str


def check_place(
    intent: PlaceIntent, orders: Iterable[BookOrder], position_size: Decimal
) -> Verdict | None:
    """Zero quantity, duplicates and the reduce-only rules, in that order.

    ``orders`` are the view's orders of ``intent.symbol`` (open, in flight or of unknown
    outcome); ``position_size`` is the size of the intent's leg.
    """
    if intent.qty <= 0:
        return Verdict(RejectReason.ZERO_QTY, f"qty {intent.qty}")
    orders = list(orders)
    for o in orders:
        if o.client_order_id == intent.client_order_id:
            what = "open" if o.state is OrderState.OPEN else o.state.value
            return Verdict(RejectReason.DUPLICATE, f"client order id {what} as {o.link_id}")
    for o in orders:
        if (
            o.price == intent.price
            and o.qty == intent.qty
            and o.side == intent.side
            and o.reduce_only == intent.reduce_only
        ):
            return Verdict(RejectReason.DUPLICATE, f"same price/qty/side as {o.link_id}")
    if not intent.reduce_only:
        return None
    if position_size == 0:
        return Verdict(RejectReason.REDUCE_ONLY_FLAT, f"{intent.direction} position is flat")
    resting = resting_close_qty(orders, position_idx(intent.direction))
    if not position_size > intent.qty + resting:
        return Verdict(
            RejectReason.REDUCE_ONLY_EXCEEDS,
            f"position {position_size} <= qty {intent.qty} + resting closes {resting}",
        )
    return None


def resting_close_qty(orders: Iterable[BookOrder], idx: int) -> Decimal:
    """Σ remaining qty of the orders that reduce leg ``idx`` (reduce-only or closing side)."""
    return sum(
        (
            o.leaves_qty
            for o in orders
            if o.position_idx == idx and (o.reduce_only or closes(o.side, idx))
        ),
        Decimal(0),
    )


def check_balance(
    intent: PlaceIntent, available: Decimal | None, leverage: Decimal, buffer: Decimal
) -> Verdict | None:
    """Low-balance preflight for opening orders; ``available=None`` (unknown) passes."""
    if intent.reduce_only or available is None:
        return None
    need = intent.qty * intent.price / leverage * (1 + buffer)
    if available < need:
        return Verdict(RejectReason.LOW_BALANCE, f"available {available} < needed {need:.8f}")
    return None


def latch_blocks(intent: PlaceIntent | CancelIntent, latched: bool) -> Verdict | None:
    """While the same-order latch is on, only ``duplicate`` cancels pass."""
    if not latched:
        return None
    if isinstance(intent, CancelIntent) and intent.reason == DUPLICATE_CANCEL:
        return None
    return Verdict(RejectReason.SAME_ORDER_LATCH, "a doubled order is open on this symbol")


def is_stale(ts_local_ns: int, now_ns: int, stale_after_s: float) -> bool:
    return stale_after_s > 0 and now_ns - ts_local_ns > stale_after_s * 1e9
