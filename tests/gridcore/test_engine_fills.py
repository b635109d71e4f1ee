"""§6.4 fills and order updates (E-12, E-13) and §12 S-1 change notifications."""

import logging
from decimal import Decimal
from typing import Any

import pytest

from gridcore import (
    DuplicatePriceError,
    ExecutionEvent,
    GridConfig,
    GridEngine,
    GridLevel,
    OrderUpdateEvent,
    TickerEvent,
)

SYMBOL = "BTCUSDT"


def engine(calls: list | None = None, tick_size: str = "0.1") -> GridEngine:
    def record(levels: tuple[GridLevel, ...], ts: int | None) -> None:
        if calls is not None:
            calls.append((levels, ts))

    return GridEngine(
        SYMBOL, Decimal(tick_size), GridConfig(), "btcusdt_test", on_grid_change=record
    )


def tick(price: str, ts: int = 1000) -> TickerEvent:
    return TickerEvent(symbol=SYMBOL, exchange_ts=ts, local_ts=ts + 5, last_price=Decimal(price))


def fill(price: str, ts: int = 2000, **kwargs: Any) -> ExecutionEvent:
    return ExecutionEvent(
        symbol=SYMBOL, exchange_ts=ts, local_ts=ts + 5, price=Decimal(price), **kwargs
    )


def status(link: str, oid: str, value: str) -> OrderUpdateEvent:
    return OrderUpdateEvent(
        symbol=SYMBOL, exchange_ts=1, local_ts=1, order_id=oid, order_link_id=link, status=value
    )


def test_E12_fill_updates_grid_and_returns_nothing() -> None:
    eng = engine()
    eng.on_event(tick("100000"))
    eng.on_event(tick("100050"))
    assert eng.on_event(fill("99800.0")) == []
    assert eng.last_filled_price == 99800.0
    assert eng.grid.sides[24] == "Wait" and eng.grid.sides[25] == "Buy"
    assert not eng.fill_pending


def test_E12_fill_before_first_tick_is_applied_after_the_build() -> None:
    """Fill 99800, then first tick 100000: 99800 (too close) and 100000 (== L) are Wait."""
    eng = engine()
    assert eng.on_event(fill("99800.0")) == []
    assert eng.fill_pending and len(eng.grid) == 0
    intents = eng.on_event(tick("100000"))
    assert not eng.fill_pending
    assert eng.grid.sides[24] == eng.grid.sides[25] == "Wait"
    assert len(intents) == 98


def test_ambiguity_partial_fills_every_execution_moves_the_grid() -> None:
    """§14 partial fills: the engine does not look at side, qty or leaves_qty."""
    a, b = engine(), engine()
    for eng in (a, b):
        eng.on_event(tick("100000"))
    a.on_event(fill("101611.2", side="Sell", qty=Decimal("0.001"), leaves_qty=Decimal("0.002")))
    b.on_event(fill("101611.2", side="Buy"))
    assert a.grid.levels == b.grid.levels
    assert a.grid.sides[33] == "Wait" and a.grid.sides.count("Wait") == 2


@pytest.mark.parametrize(
    ("value", "tracked"),
    [("New", True), ("PartiallyFilled", True), ("Active", False), ("Untriggered", False)],
)
def test_E13_new_and_partially_filled_are_tracked(value: str, tracked: bool) -> None:
    eng = engine()
    assert eng.on_event(status("link-1", "o1", value)) == []
    assert eng.pending_orders == ({"link-1": "o1"} if tracked else {})


@pytest.mark.parametrize("value", ["Filled", "Cancelled", "Rejected"])
def test_E13_terminal_statuses_remove_the_link_id(value: str) -> None:
    eng = engine()
    eng.on_event(status("link-1", "o1", "New"))
    eng.on_event(status("link-2", "o2", "New"))
    eng.on_event(status("link-1", "o1", value))
    eng.on_event(status("absent", "o9", value))
    assert eng.pending_orders == {"link-2": "o2"}


def test_S1_notifications_carry_the_event_exchange_ts() -> None:
    calls: list = []
    eng = engine(calls)
    eng.on_event(tick("100000", ts=111))
    eng.on_event(fill("99800.0", ts=222))
    eng.on_event(fill("105121.8", ts=333))  # L=100000 inside: one update notification
    eng.on_event(tick("200000", ts=444))  # out of bounds: rebuild
    assert [ts for _, ts in calls] == [111, 222, 333, 444]
    assert calls[-1][0] == eng.grid.levels
    eng.grid.build(100000.0)
    assert calls[-1][1] is None


def test_S1_out_of_bounds_update_fires_twice() -> None:
    calls: list = []
    eng = engine(calls)
    eng.on_event(tick("100000"))
    eng.on_event(tick("105121.8"))
    calls.clear()
    eng.on_event(fill("105121.8", ts=5))
    assert [ts for _, ts in calls] == [5, 5]


def test_S1_callback_errors_are_logged_and_swallowed(caplog: pytest.LogCaptureFixture) -> None:
    def broken(levels: tuple[GridLevel, ...], ts: int | None) -> None:
        raise RuntimeError("disk full")

    eng = GridEngine(SYMBOL, Decimal("0.1"), GridConfig(), "s", on_grid_change=broken)
    with caplog.at_level(logging.ERROR, logger="gridcore.grid"):
        intents = eng.on_event(tick("100000"))
    assert len(intents) == 100
    assert "on_change callback failed" in caplog.text
    assert eng.grid.exchange_ts is None


def test_S1_restore_never_notifies() -> None:
    calls: list = []
    levels = [{"side": "Buy", "price": 1.0}, {"side": "Sell", "price": 2.0}]

    def record(levels: tuple[GridLevel, ...], ts: int | None) -> None:
        calls.append(ts)

    GridEngine(
        SYMBOL, Decimal("0.1"), GridConfig(), "s", restored_grid=levels, on_grid_change=record
    )
    assert calls == []


def test_G4_7_duplicate_guard_error_propagates_out_of_the_engine_call() -> None:
    calls: list = []
    eng = engine(calls, tick_size="0.01")
    with pytest.raises(DuplicatePriceError):
        eng.on_event(tick("1.0"))
    assert calls == []
    assert eng.grid.exchange_ts is None
