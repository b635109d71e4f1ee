"""Trades per order lifecycle (V-1..V-4)."""

from __future__ import annotations

from decimal import Decimal

from compare import CompareOptions, Window, aggregate, compare
from tests.compare.helpers import fill, ms, side


def test_two_partial_fills_aggregate_to_one_trade_at_their_vwap() -> None:
    """V-3: one (client id, order id) → Σ qty, VWAP, Σ fee, Σ PnL, last and first time."""
    fills = [
        fill(1, "a", price="100.0", qty="0.001", fee="0.02", pnl="0.1", oid="o1"),
        fill(3, "a", price="100.3", qty="0.002", fee="0.04", pnl="0.2", oid="o1"),
    ]
    (trade,) = aggregate(fills)
    assert trade.qty == Decimal("0.003")
    assert trade.price == Decimal("100.2")  # (100.0·0.001 + 100.3·0.002) / 0.003
    assert trade.notional == Decimal("0.3006")
    assert (trade.fee, trade.realized_pnl) == (Decimal("0.06"), Decimal("0.3"))
    assert (trade.ts_ms, trade.first_ts_ms, trade.fills) == (ms(3), ms(1), 2)


def test_the_same_client_id_under_a_new_order_id_is_a_new_lifecycle() -> None:
    """V-3, V-6: a re-placed level is a second trade, numbered occurrence 1."""
    trades = aggregate([fill(5, "a", oid="o2"), fill(1, "a", oid="o1"), fill(2, "b")])
    assert [(t.client_id, t.order_id, t.occurrence) for t in trades] == [
        ("a", "o1", 0), ("b", "b@2", 0), ("a", "o2", 1),
    ]  # fmt: skip


def test_a_fill_without_link_id_uses_the_exchange_order_id() -> None:
    """V-2: no client id → the order id is the client id."""
    (trade,) = aggregate([fill(1, "", oid="7781")])
    assert trade.client_id == "7781"


def test_the_window_is_half_open() -> None:
    """V-1 (differs): [start, end): a fill at the start counts, one at the end does not."""
    window = Window(ms(10), ms(20))
    trades = aggregate([fill(9.999, "a"), fill(10, "b"), fill(19.999, "c"), fill(20, "d")], window)
    assert [t.client_id for t in trades] == ["b", "c"]
    result = compare(
        side([fill(10, "b"), fill(20, "d")]),
        side([fill(10, "b")]),
        CompareOptions(start_ms=ms(10), end_ms=ms(20)),
    )
    assert (result.live_fills, result.trades["all"].matched, result.trades["all"].live_only) == (
        1, 1, 0,
    )  # fmt: skip


def test_direction_comes_from_the_order_not_from_pnl() -> None:
    """V-4 (differs): a break-even close (Sell on the long leg, PnL 0) stays long."""
    close = fill(1, "a", side="Sell", direction="long", pnl="0")
    (trade,) = aggregate([close])
    assert (trade.side, trade.direction) == ("Sell", "long")
    result = compare(side([close]), side([close]))
    assert result.trades["long"].matched == 1 and result.trades["short"].n_live == 0
