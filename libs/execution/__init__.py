"""The execution layer's rules, shared by the live executor and the simulated broker:
the order view the gates read and the §6.6 gates themselves."""

from execution.gates import (
    DUPLICATE_CANCEL,
    Verdict,
    check_balance,
    check_place,
    is_stale,
    latch_blocks,
    resting_close_qty,
)
from execution.orders import BookOrder, OrderState, closes, ours, position_idx

__all__ = [
    "DUPLICATE_CANCEL",
    "BookOrder",
    "OrderState",
    "Verdict",
    "check_balance",
    "check_place",
    "closes",
    "is_stale",
    "latch_blocks",
    "ours",
    "position_idx",
    "resting_close_qty",
]
