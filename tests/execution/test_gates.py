"""The §6.6 gates as pure functions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from execution.gates import (
    check_balance,
    check_place,
    is_stale,
    latch_blocks,
    resting_close_qty,
)
from execution.orders import BookOrder, OrderState
from proto import CancelIntent, RejectReason
from tests.executor.helpers import SYMBOL, place

D = Decimal


def order(
    price: str,
    *,
    side: str = "Buy",
    qty: str = "0.001",
    reduce_only: bool = False,
    idx: int = 1,
    coid: str = "ffffffffffffffff",
    state: OrderState = OrderState.OPEN,
) -> BookOrder:
    return BookOrder(
        link_id=f"{coid}-1700000000000",
        client_order_id=coid,
        symbol=SYMBOL,
        side=side,
        price=D(price),
        qty=D(qty),
        leaves_qty=D(qty),
        reduce_only=reduce_only,
        position_idx=idx,
        state=state,
    )


def _reason(verdict: object) -> object:
    return getattr(verdict, "reason", None)


def test_zero_qty_comes_first() -> None:
    assert _reason(check_place(place("100", qty="0"), [], D(0))) == RejectReason.ZERO_QTY


@pytest.mark.parametrize("state", list(OrderState))
def test_same_client_order_id_open_in_flight_or_unknown_is_a_duplicate(state: OrderState) -> None:
    intent = place("100")
    held = order("99", coid=intent.client_order_id, state=state)
    assert _reason(check_place(intent, [held], D(0))) == RejectReason.DUPLICATE


def test_exact_duplicate_needs_price_qty_side_and_reduce_only() -> None:
    intent = place("100")
    assert _reason(check_place(intent, [order("100")], D(0))) == RejectReason.DUPLICATE
    for other in (
        order("100.1"),
        order("100", qty="0.002"),
        order("100", side="Sell"),
        order("100", reduce_only=True),
    ):
        assert check_place(intent, [other], D(0)) is None


def test_reduce_only_flat_and_exceeds_count_resting_closes_of_that_leg() -> None:
    close = place("110", side="Sell", reduce_only=True)
    assert _reason(check_place(close, [], D(0))) == RejectReason.REDUCE_ONLY_FLAT
    assert check_place(close, [], D("0.002")) is None
    # strictly greater: 0.001 + 0.001 resting = 0.002 is not < 0.002
    resting = [order("111", side="Sell", reduce_only=True)]
    assert _reason(check_place(close, resting, D("0.002"))) == RejectReason.REDUCE_ONLY_EXCEEDS
    assert check_place(close, resting, D("0.003")) is None
    # the short leg's closes and the long leg's opening buys do not count
    other_leg = [order("90", side="Buy", reduce_only=True, idx=2), order("90", side="Buy")]
    assert check_place(close, other_leg, D("0.002")) is None


def test_resting_close_qty_counts_reduce_only_and_closing_sides() -> None:
    orders = [
        order("111", side="Sell", qty="0.002", reduce_only=True),
        order("112", side="Sell", qty="0.003"),  # Sell on the long leg closes
        order("90", side="Buy", qty="0.5"),  # opens
        order("90", side="Buy", qty="0.7", idx=2),  # closes the short leg
    ]
    assert resting_close_qty(orders, 1) == D("0.005")
    assert resting_close_qty(orders, 2) == D("0.7")


def test_low_balance_preflight_only_for_opening_orders() -> None:
    opening = place("50000", qty="0.01")  # 500 notional / 10x = 50 margin, 55 with 10 %
    assert check_balance(opening, D("55"), D(10), D("0.1")) is None
    assert _reason(check_balance(opening, D("54.99"), D(10), D("0.1"))) == RejectReason.LOW_BALANCE
    assert check_balance(opening, None, D(10), D("0.1")) is None  # unknown balance passes
    closing = place("50000", qty="0.01", side="Sell", reduce_only=True)
    assert check_balance(closing, D(0), D(10), D("0.1")) is None


def test_latch_lets_only_duplicate_cancels_through() -> None:
    dup = CancelIntent(order_id="o1", symbol=SYMBOL, reason="duplicate")
    other = CancelIntent(order_id="o1", symbol=SYMBOL, reason="outside_grid")
    assert latch_blocks(dup, True) is None
    assert _reason(latch_blocks(other, True)) == RejectReason.SAME_ORDER_LATCH
    assert _reason(latch_blocks(place("1"), True)) == RejectReason.SAME_ORDER_LATCH
    assert latch_blocks(place("1"), False) is None and latch_blocks(other, False) is None


def test_staleness_cut_off_and_off_switch() -> None:
    assert is_stale(0, 31 * 10**9, 30.0)
    assert not is_stale(0, 29 * 10**9, 30.0)
    assert not is_stale(0, 10**12, 0.0)
