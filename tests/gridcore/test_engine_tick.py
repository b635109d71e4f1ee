"""§6 engine ticker path: E-1, E-3..E-11, E-14 with the spec's worked examples."""

import logging
from decimal import Decimal
from typing import Any

import pytest

from gridcore import (
    CancelIntent,
    GridConfig,
    GridEngine,
    PlaceLimitIntent,
    PublicTradeEvent,
    RestingOrder,
    TickerEvent,
)

SYMBOL = "BTCUSDT"


def engine(**kwargs: Any) -> GridEngine:
    return GridEngine(SYMBOL, Decimal("0.1"), GridConfig(), "btcusdt_test", **kwargs)


def tick(price: str, ts: int = 1767225600000) -> TickerEvent:
    return TickerEvent(symbol=SYMBOL, exchange_ts=ts, local_ts=ts, last_price=Decimal(price))


def order(oid: str, price: str, side: str, cum: str | None = None) -> dict[str, Any]:
    row = {"orderId": oid, "price": price, "side": side, "qty": "0.001", "reduceOnly": False}
    if cum is not None:
        row["cumExecQty"] = cum
    return row


def full_book(intents: list) -> dict[str, list[dict[str, Any]]]:
    book: dict[str, list[dict[str, Any]]] = {"long": [], "short": []}
    for n, intent in enumerate(intents):
        book[intent.direction].append(order(f"o{n}", str(intent.price), intent.side))
    return book


def short(intent: PlaceLimitIntent | CancelIntent) -> str:
    if isinstance(intent, PlaceLimitIntent):
        return f"PLACE {intent.direction} {intent.side} {intent.price}"
    return f"CANCEL {intent.reason} {intent.order_id}"


def test_E11_first_tick_100_intents_alternate_outward_long_then_short() -> None:
    intents = engine().on_event(tick("100000"))
    assert len(intents) == 100
    assert all(isinstance(i, PlaceLimitIntent) for i in intents)
    assert [i.direction for i in intents] == ["long"] * 50 + ["short"] * 50
    levels = [lvl for k in range(25) for lvl in (24 - k, 26 + k)]
    assert [i.grid_level for i in intents] == levels * 2
    assert [i.side for i in intents[:4]] == ["Buy", "Sell", "Buy", "Sell"]
    spec = {
        0: ("long", "Buy", "99800.0", False, 24, "5913771b821dadb9"),
        1: ("long", "Sell", "100200.0", True, 26, "d41f83a04dee75ba"),
        2: ("long", "Buy", "99600.4", False, 23, "c9b815573ab311c0"),
        3: ("long", "Sell", "100400.4", True, 27, "0c0bfb510d08dc21"),
        4: ("long", "Buy", "99401.2", False, 22, "4019447674df449a"),
        48: ("long", "Buy", "95118.2", False, 0, "9339dcde1fecb4e1"),
        49: ("long", "Sell", "105121.8", True, 50, "ef1b9d3dc043e7a3"),
        50: ("short", "Buy", "99800.0", True, 24, "3f379268492a569d"),
        51: ("short", "Sell", "100200.0", False, 26, "93d443a2ec45a0de"),
        99: ("short", "Sell", "105121.8", False, 50, "652e45b1b811d431"),
    }
    for n, (direction, side, price, ro, lvl, cid) in spec.items():
        got = intents[n]
        assert (got.direction, got.side, str(got.price)) == (direction, side, price), n
        assert (got.reduce_only, got.grid_level, got.client_order_id) == (ro, lvl, cid), n


def test_E8_place_intent_fields() -> None:
    first = engine().on_event(tick("100000"))[0]
    assert first == PlaceLimitIntent(
        symbol=SYMBOL,
        side="Buy",
        price=Decimal("99800.0"),
        qty=Decimal(0),
        grid_level=24,
        direction="long",
        reduce_only=False,
        client_order_id="5913771b821dadb9",
        order_link_id=None,
        post_only=False,
    )


@pytest.mark.parametrize(
    ("direction", "side", "reduce_only"),
    [
        ("long", "Buy", False),
        ("long", "Sell", True),
        ("short", "Buy", True),
        ("short", "Sell", False),
    ],
)
def test_E9_reduce_only_map_hedge_mode(direction: str, side: str, reduce_only: bool) -> None:
    intents = engine().on_event(tick("100000"))
    assert {i.reduce_only for i in intents if (i.direction, i.side) == (direction, side)} == {
        reduce_only
    }


def test_E11_full_book_gives_no_intents_and_in_bounds_moves_change_nothing() -> None:
    eng = engine()
    book = full_book(eng.on_event(tick("100000")))
    before = eng.grid.levels
    for price in ("100000", "100050", "99000", "104000", "105121.8", "95118.2"):
        assert eng.on_event(tick(price), book) == []
    assert eng.grid.levels == before


def test_E11_mixed_long_book() -> None:
    eng = engine()
    book = {
        "long": [
            order("A", "99800.0", "Sell"),
            order("B", "99600.4", "Buy"),
            order("C", "99600.4", "Buy", cum="0.0005"),
            order("D", "90000.0", "Buy"),
            order("E", "100000.0", "Buy"),
        ]
    }
    intents = eng.on_event(tick("100000"), book)
    assert len(intents) == 102
    assert [short(i) for i in intents[:5]] == [
        "CANCEL duplicate B",
        "CANCEL side_mismatch A",
        "PLACE long Buy 99800.0",
        "PLACE long Sell 100200.0",
        "PLACE long Sell 100400.4",
    ]
    assert short(intents[51]) == "CANCEL outside_grid D"
    assert all(i.direction == "short" for i in intents[52:])
    assert not any(isinstance(i, CancelIntent) and i.order_id in "CE" for i in intents)


def test_E11_after_fill_tick_at_100250_places_level_100000_in_both_directions() -> None:
    from gridcore import ExecutionEvent

    eng = engine()
    book = full_book(eng.on_event(tick("100000")))
    assert eng.on_event(tick("100050"), book) == []
    eng.on_event(ExecutionEvent(symbol=SYMBOL, exchange_ts=2, local_ts=2, price=Decimal("99800.0")))
    book["long"] = [o for o in book["long"] if o["price"] != "99800.0"]
    intents = eng.on_event(tick("100250"), book)
    assert [(i.direction, i.side, str(i.price), i.reduce_only, i.grid_level) for i in intents] == [
        ("long", "Buy", "100000.0", False, 25),
        ("short", "Buy", "100000.0", True, 25),
    ]
    assert [i.client_order_id for i in intents] == ["d05fa900709a850a", "bf2238891bd66225"]


def test_E5_62_long_orders_rebuild_cancels_then_short_places() -> None:
    eng = engine()
    longs = [order(f"L{n}", f"{90000 + n}.5", "Buy") for n in range(62)][::-1]
    intents = eng.on_event(tick("100000"), {"long": longs})
    assert len(intents) == 112
    cancels, places = intents[:62], intents[62:]
    assert [c.order_id for c in cancels] == [o["orderId"] for o in longs]
    assert {c.reason for c in cancels} == {"rebuild"}
    assert {c.direction for c in cancels} == {"long"}
    assert all(isinstance(p, PlaceLimitIntent) and p.direction == "short" for p in places)
    assert len(places) == 50


def test_E5_61_orders_take_the_normal_path() -> None:
    longs = [order(f"L{n}", f"{90000 + n}.5", "Buy") for n in range(61)]
    intents = engine().on_event(tick("100000"), {"long": longs})
    reasons = {i.reason for i in intents if isinstance(i, CancelIntent)}
    assert reasons == {"outside_grid"}
    assert len(intents) == 50 + 61 + 50


def test_E5_rebuild_uses_last_close_and_other_direction_sees_rebuilt_grid() -> None:
    eng = engine()
    eng.on_event(tick("100000"))
    shorts = [order(f"S{n}", "1.0", "Sell") for n in range(62)]
    intents = eng.on_event(tick("104000"), {"short": shorts})
    assert eng.grid.anchor_price == 104000.0
    assert [i.reason for i in intents if isinstance(i, CancelIntent)] == ["rebuild"] * 62
    assert all(i.direction == "long" for i in intents if isinstance(i, PlaceLimitIntent))


def test_E11_anchor_builds_first_grid_and_next_tick_rebuilds_out_of_bounds() -> None:
    eng = engine(anchor_price=90000.0)
    first = eng.on_event(tick("100000"))
    assert eng.grid.wait_center() == 90000.0
    assert len(first) == 50
    assert {i.side for i in first} == {"Buy"}
    second = eng.on_event(tick("100000"))
    assert eng.grid.anchor_price == 100000.0
    assert len(second) == 100


def test_E4_bounds_guard_is_inclusive() -> None:
    eng = engine()
    eng.on_event(tick("100000"))
    eng.on_event(tick("105121.8"))
    assert eng.grid.anchor_price == 100000.0
    eng.on_event(tick("95118.2"))
    assert eng.grid.anchor_price == 100000.0
    eng.on_event(tick("105121.9"))
    assert eng.grid.anchor_price == 105121.9


def test_E4_drift_inside_grid_does_not_move_or_reside_grid() -> None:
    eng = engine()
    eng.on_event(tick("100000"))
    before = eng.grid.levels
    eng.on_event(tick("103000"))
    assert eng.grid.levels == before


def test_E3_none_books_and_missing_keys_are_empty() -> None:
    a = engine().on_event(tick("100000"), None)
    b = engine().on_event(tick("100000"), {})
    c = engine().on_event(tick("100000"), {"long": []})
    assert a == b == c
    assert len(a) == 100


def test_E3_public_trade_and_unknown_events_return_nothing_and_change_nothing() -> None:
    eng = engine()
    trade = PublicTradeEvent(
        symbol=SYMBOL,
        exchange_ts=1,
        local_ts=1,
        trade_id="t",
        side="Buy",
        price=Decimal(1),
        size=Decimal(1),
    )
    assert eng.on_event(trade) == []
    assert eng.on_event("not an event") == []  # type: ignore[arg-type]
    assert eng.last_close is None and len(eng.grid) == 0


def test_E3_engine_never_checks_event_symbol() -> None:
    event = TickerEvent(symbol="ETHUSDT", exchange_ts=1, local_ts=1, last_price=Decimal("100000"))
    assert len(engine().on_event(event)) == 100


def test_E6_round8_bucket_groups_noise_prices_as_duplicates() -> None:
    book = {"long": [order("X", "99800.000000001", "Buy"), order("Y", "99800.0", "Buy")]}
    intents = engine().on_event(tick("100000"), book)
    assert short(intents[0]) == "CANCEL duplicate X"
    assert not any(
        isinstance(i, PlaceLimitIntent) and str(i.price) == "99800.0" and i.direction == "long"
        for i in intents
    )


def test_E6_survivor_prefers_side_match_over_fill_history() -> None:
    book = {"long": [order("S", "99800.0", "Sell", cum="1"), order("B", "99800.0", "Buy")]}
    intents = engine().on_event(tick("100000"), book)
    assert short(intents[0]) == "CANCEL duplicate S"
    assert sum(isinstance(i, CancelIntent) for i in intents) == 1


@pytest.mark.parametrize(
    ("cum", "survivor"), [("", "P"), ("0", "P"), ("abc", "P"), ("NaN", "P"), ("0.001", "Q")]
)
def test_E6_fill_history_needs_a_positive_decimal_cumexecqty(cum: str, survivor: str) -> None:
    book = {"long": [order("P", "99800.0", "Buy"), order("Q", "99800.0", "Buy", cum=cum)]}
    intents = engine().on_event(tick("100000"), book)
    cancelled = {"P", "Q"} - {survivor}
    assert short(intents[0]) == f"CANCEL duplicate {cancelled.pop()}"


def test_E6_off_grid_bucket_keeps_first_with_history_and_cancels_it_outside_grid() -> None:
    book = {
        "long": [
            order("P", "90000.0", "Buy"),
            order("Q", "90000.0", "Sell", cum="2"),
            order("R", "80000.0", "Buy"),
        ]
    }
    intents = engine().on_event(tick("100000"), book)
    cancels = [short(i) for i in intents if isinstance(i, CancelIntent)]
    assert cancels == ["CANCEL duplicate P", "CANCEL outside_grid R", "CANCEL outside_grid Q"]


def test_E6_stable_sort_keeps_input_order_for_equal_prices() -> None:
    book = {
        "long": [
            order("2", "99800.0", "Buy"),
            order("1", "99800.0", "Buy"),
            order("3", "99800.0", "Buy"),
        ]
    }
    intents = engine().on_event(tick("100000"), book)
    assert [short(i) for i in intents[:2]] == ["CANCEL duplicate 1", "CANCEL duplicate 3"]


def test_E6_order_at_wait_level_is_neither_matched_nor_cancelled() -> None:
    book = {"long": [order("W", "100000.0", "Sell")]}
    intents = engine().on_event(tick("100000"), book)
    assert not any(isinstance(i, CancelIntent) for i in intents)
    assert len(intents) == 100


def test_E10_cancel_intent_fields() -> None:
    book = {"short": [order("X", "90000.00", "Sell")]}
    intents = engine().on_event(tick("100000"), book)
    assert intents[-1] == CancelIntent(
        symbol=SYMBOL,
        order_id="X",
        reason="outside_grid",
        price=Decimal("90000.00"),
        side="Sell",
        direction="short",
    )


def test_E7_distance_must_exceed_half_step_strictly() -> None:
    eng = engine(
        restored_grid=[
            {"side": "Buy", "price": 99899.9},
            {"side": "Buy", "price": 99900.0},
            {"side": "Wait", "price": 100000.0},
            {"side": "Sell", "price": 100100.0},
            {"side": "Sell", "price": 100100.1},
        ]
    )
    intents = eng.on_event(tick("100000"))
    assert sorted({str(i.price) for i in intents}) == ["100100.1", "99899.9"]


def test_E7_buy_needs_price_below_and_sell_above_last_close() -> None:
    def placed(levels: list[tuple[str, float]]) -> set[tuple[str, str]]:
        eng = engine(restored_grid=[{"side": s, "price": p} for s, p in levels])
        return {(i.side, str(i.price)) for i in eng.on_event(tick("100000"))}

    assert placed([("Buy", 99000.0), ("Buy", 100500.0), ("Sell", 102000.0)]) == {
        ("Buy", "99000.0"),
        ("Sell", "102000.0"),
    }
    assert placed([("Buy", 98000.0), ("Sell", 99500.0), ("Sell", 102000.0)]) == {
        ("Buy", "98000.0"),
        ("Sell", "102000.0"),
    }


def test_quirk_E7_last_close_zero_with_grid_is_a_faithful_crash() -> None:
    eng = engine()
    eng.on_event(tick("100000"))
    with pytest.raises(ZeroDivisionError):
        eng.on_event(tick("0"))


def test_E7_last_close_zero_on_empty_grid_cancels_resting_orders() -> None:
    few = {"long": [order("a", "1.0", "Buy")]}
    intents = engine().on_event(tick("0"), few)
    assert [short(i) for i in intents] == ["CANCEL outside_grid a"]
    many = {"long": [order(str(n), "1.0", "Buy") for n in range(11)]}
    intents = engine().on_event(tick("0"), many)
    assert [i.reason for i in intents] == ["rebuild"] * 11


def test_E14_restored_grid_kept_when_first_tick_is_inside() -> None:
    saved = engine()
    saved.on_event(tick("100000"))
    saved.grid.update(101611.2, 101620.0)
    eng = engine(restored_grid=[{"side": lv.side, "price": lv.price} for lv in saved.grid.levels])
    assert eng.last_close is None and eng.pending_orders == {} and not eng.fill_pending
    eng.on_event(tick("101000"))
    assert eng.grid.levels == saved.grid.levels


def test_E14_restored_grid_rebuilt_when_first_tick_is_outside_and_anchor_ignored() -> None:
    saved = engine()
    saved.on_event(tick("100000"))
    levels = [{"side": lv.side, "price": lv.price} for lv in saved.grid.levels]
    eng = engine(restored_grid=levels, anchor_price=50000.0)
    eng.on_event(tick("110000"))
    assert eng.grid.anchor_price == 110000.0


def test_E1_failed_restore_logs_warning_and_starts_empty(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="gridcore.engine"):
        eng = engine(restored_grid=[{"side": "wait", "price": 1.0}])
    assert len(eng.grid) == 0
    assert "restored grid failed validation" in caplog.text
    assert len(eng.on_event(tick("100000"))) == 100


def test_E6_resting_order_structs_and_mappings_give_identical_intents() -> None:
    """The engine's plan cache must not change output (RestingOrder books reuse plans)."""
    a, b = engine(), engine()
    book = full_book(a.on_event(tick("100000")))
    b.on_event(tick("100000"))
    book["long"] = [*book["long"][3:], order("x", "91000.0", "Buy")]
    structs = {d: [RestingOrder.from_mapping(o) for o in book[d]] for d in book}
    for price in ("100000", "100300", "99100", "100000", "110000", "110500"):
        assert a.on_event(tick(price), book) == b.on_event(tick(price), structs)
