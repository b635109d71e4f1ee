"""The account view: our orders only, ordering by ``updated_ms``, no resurrection,
reconciliation diffs and position snapshots."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from bybit.http.schemas import Order as OrderRow
from execution.orders import OrderState, ours
from proto import OrderStatus, OrderUpdate, Position, Side
from services.executor.orders import OrderBook
from tests.executor.helpers import SYMBOL, place

D = Decimal
COID = "0123456789abcdef"
LINK = f"{COID}-1700000000000"


def row(
    link: str = LINK, *, status: str = "New", order_id: str = "o1", updated: int = 10
) -> OrderRow:
    return OrderRow(
        orderId=order_id,
        orderStatus=status,
        updatedTime=str(updated),
        cumExecQty="0",
        symbol=SYMBOL,
        side="Buy",
        qty="0.001",
        orderLinkId=link,
        price="50000",
        positionIdx=1,
        leavesQty="0.001",
    )


def update(status: OrderStatus, updated_ms: int, link: str = LINK) -> OrderUpdate:
    return OrderUpdate(
        event_id=f"order:{status}:{updated_ms}",
        ts_exchange_ms=updated_ms,
        ts_local_ns=0,
        account_id="acct-a",
        symbol=SYMBOL,
        order_id="o1",
        order_link_id=link,
        side=Side.BUY,
        position_idx=1,
        price=D("50000"),
        qty=D("0.001"),
        leaves_qty=D("0.001"),
        cum_exec_qty=D(0),
        status=status,
        updated_ms=updated_ms,
    )


def test_ours_is_a_16_hex_prefix() -> None:
    assert ours(LINK) == COID
    assert ours(COID) == COID  # no '-' is returned unchanged (I-3)
    for foreign in ("manual-1", "0123456789ABCDEF-1", "0123456789abcde-1", "", None, "-x"):
        assert ours(foreign) is None


def test_placement_lifecycle() -> None:
    book = OrderBook()
    intent = place("50000", coid=COID)
    entry = book.begin_place(intent, LINK, now_ns=1)
    assert entry.state is OrderState.IN_FLIGHT and entry.position_idx == 1
    book.placed(LINK, "o1", now_ns=2)
    assert book.get(LINK).state is OrderState.OPEN and book.by_order_id("o1") is entry
    assert book.remove_order_id("o1") is entry and book.get(LINK) is None
    book.begin_place(intent, "x" + LINK, now_ns=3)
    book.mark_unknown("x" + LINK, now_ns=4)
    assert book.get("x" + LINK).state is OrderState.UNKNOWN
    book.abandon("x" + LINK)
    assert len(book) == 0


def test_updates_apply_in_time_order_and_gone_orders_never_return() -> None:
    book = OrderBook()
    assert book.apply_update(update(OrderStatus.NEW, 10), now_ns=1)
    partial = msgspec.structs.replace(
        update(OrderStatus.PARTIALLY_FILLED, 20), leaves_qty=D("0.0005")
    )
    assert book.apply_update(partial, now_ns=2)
    assert not book.apply_update(update(OrderStatus.NEW, 15), now_ns=3)  # older
    assert book.get(LINK).leaves_qty == D("0.0005")
    assert book.apply_update(update(OrderStatus.FILLED, 30), now_ns=4)
    assert book.get(LINK) is None
    assert not book.apply_update(update(OrderStatus.NEW, 40), now_ns=5)  # no resurrection
    assert not book.adopt(row(updated=50), now_ns=6)
    assert not book.apply_update(update(OrderStatus.NEW, 10, link="manual-1"), now_ns=7)
    assert len(book) == 0


def test_an_ack_after_a_fill_update_does_not_reopen_the_order() -> None:
    book = OrderBook()
    book.begin_place(place("50000", coid=COID), LINK, now_ns=1)
    book.apply_update(update(OrderStatus.FILLED, 30), now_ns=2)  # the stream was faster
    book.placed(LINK, "o1", now_ns=3)
    assert book.get(LINK) is None


def test_doubled_orders_set_the_latch_per_symbol() -> None:
    book = OrderBook()
    book.adopt(row(f"{COID}-1", order_id="o1"), now_ns=1)
    assert book.doubled(SYMBOL) == set()
    book.adopt(row(f"{COID}-2", order_id="o2"), now_ns=1)
    assert book.doubled(SYMBOL) == {COID} and book.doubled("ETHUSDT") == set()
    book.remove_order_id("o1")
    assert book.doubled(SYMBOL) == set()


def test_reconcile_adopts_reports_orphans_missing_and_drops_unknown() -> None:
    book = OrderBook()
    book.adopt(row(f"{COID}-1", order_id="gone"), now_ns=1)  # cancelled behind our back
    book.begin_place(place("1", coid="1111111111111111"), "1111111111111111-1", now_ns=1)
    book.mark_unknown("1111111111111111-1", now_ns=1)  # never landed
    book.begin_place(place("2", coid="2222222222222222"), "2222222222222222-1", now_ns=1)
    book.mark_unknown("2222222222222222-1", now_ns=1)  # landed after all
    book.apply_update(update(OrderStatus.NEW, 5, link=f"{COID}-9"), now_ns=100)  # during query
    rows = [
        row(f"{COID}-3", order_id="new"),
        row("2222222222222222-1", order_id="late"),
        row("manual-1", order_id="foreign"),
    ]
    diff = book.reconcile(rows, started_ns=50, now_ns=60)
    assert diff.open_orders == 3
    assert diff.adopted == [f"{COID}-3", "2222222222222222-1"]
    assert diff.orphans == ["foreign"]
    assert diff.missing == [f"{COID}-1"]
    assert diff.dropped_unknown == ["1111111111111111-1"]
    assert sorted(o.link_id for o in book.orders()) == sorted(
        [f"{COID}-3", "2222222222222222-1", f"{COID}-9"]
    )
    again = book.reconcile(rows, started_ns=200, now_ns=210)
    assert again.adopted == [] and again.missing == [f"{COID}-9"]


def _position(size: str, seq: int, idx: int = 1) -> Position:
    return Position(
        event_id=f"p{seq}",
        ts_exchange_ms=0,
        ts_local_ns=0,
        account_id="acct-a",
        symbol=SYMBOL,
        position_idx=idx,
        side=Side.BUY if idx == 1 else Side.SELL,
        size=D(size),
        avg_price=D("50000"),
        leverage=D(5),
        seq=seq,
    )


def test_positions_by_seq_and_snapshots_flatten_omitted_legs() -> None:
    book = OrderBook()
    assert book.apply_position(_position("0.003", 10), now_ns=1)
    assert not book.apply_position(_position("0.001", 9), now_ns=2)  # older seq
    assert book.position_size(SYMBOL, 1) == D("0.003") and book.leverage(SYMBOL, 1) == D(5)
    book.apply_position(_position("0.002", 3, idx=2), now_ns=100)  # arrived during the query
    book.replace_positions([], started_ns=50, now_ns=60)  # REST lists non-zero legs only
    assert book.position_size(SYMBOL, 1) == 0
    assert book.position_size(SYMBOL, 2) == D("0.002")
    assert book.position_size("ETHUSDT", 1) == 0
