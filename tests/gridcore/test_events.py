"""§8 normalised events and the intent types: frozen, tagged, mismatched event_type rejected."""

from decimal import Decimal

import msgspec
import pytest

from gridcore import (
    CancelIntent,
    Event,
    ExecutionEvent,
    Intent,
    OrderUpdateEvent,
    PlaceLimitIntent,
    PublicTradeEvent,
    RestingOrder,
    TickerEvent,
    event_sort_key,
)


def test_8_events_carry_common_fields_and_event_type() -> None:
    t = TickerEvent(symbol="BTCUSDT", exchange_ts=1, local_ts=2, last_price=Decimal(1))
    assert (t.event_type, t.symbol, t.exchange_ts, t.local_ts) == ("ticker", "BTCUSDT", 1, 2)
    assert ExecutionEvent.event_type == "execution"
    assert OrderUpdateEvent.event_type == "order_update"
    assert PublicTradeEvent.event_type == "public_trade"


def test_8_mismatched_event_type_is_rejected() -> None:
    with pytest.raises(TypeError):
        TickerEvent(
            event_type="execution", symbol="X", exchange_ts=1, local_ts=1, last_price=Decimal(1)
        )  # type: ignore[call-arg]
    data = b'{"event_type":"execution","symbol":"X","exchange_ts":1,"local_ts":1,"last_price":"1"}'
    with pytest.raises(msgspec.ValidationError, match="event_type"):
        msgspec.json.decode(data, type=TickerEvent)


def test_8_union_decoder_dispatches_on_event_type() -> None:
    decoder = msgspec.json.Decoder(Event)
    event = decoder.decode(
        b'{"event_type":"execution","symbol":"X","exchange_ts":1,"local_ts":1,"price":"99800.0"}'
    )
    assert isinstance(event, ExecutionEvent) and event.price == Decimal("99800.0")
    ticker = TickerEvent(symbol="X", exchange_ts=1, local_ts=1, last_price=Decimal("5"))
    assert decoder.decode(msgspec.json.encode(ticker)) == ticker


def test_8_events_are_frozen() -> None:
    t = TickerEvent(symbol="X", exchange_ts=1, local_ts=1, last_price=Decimal(1))
    with pytest.raises(AttributeError):
        t.last_price = Decimal(2)  # type: ignore[misc]


@pytest.mark.parametrize("price", ["NaN", "Infinity", "-1"])
def test_8_ticker_rejects_non_finite_or_negative_last_price(price: str) -> None:
    with pytest.raises(ValueError, match="last_price"):
        TickerEvent(symbol="X", exchange_ts=1, local_ts=1, last_price=Decimal(price))


def test_8_sort_order_is_exchange_ts_then_local_ts() -> None:
    a = TickerEvent(symbol="X", exchange_ts=2, local_ts=1, last_price=Decimal(1))
    b = ExecutionEvent(symbol="X", exchange_ts=1, local_ts=9, price=Decimal(1))
    c = OrderUpdateEvent(
        symbol="X", exchange_ts=1, local_ts=3, order_id="o", order_link_id="l", status="New"
    )
    assert sorted([a, b, c], key=event_sort_key) == [c, b, a]


def test_E3_resting_order_uses_bybit_field_names() -> None:
    raw = {"orderId": "o1", "price": "99800.0", "side": "Buy", "cumExecQty": "0.001", "qty": "1"}
    order = RestingOrder.from_mapping(raw)
    assert order == RestingOrder(order_id="o1", price="99800.0", side="Buy", cum_exec_qty="0.001")
    assert msgspec.convert(raw, RestingOrder) == order
    assert (
        RestingOrder.from_mapping(
            {"orderId": "o", "price": 1.5, "side": "Sell", "cumExecQty": 0}
        ).price
        == "1.5"
    )


def test_E8_E10_intents_round_trip_through_the_tagged_union() -> None:
    place = PlaceLimitIntent(
        symbol="X", side="Buy", price=Decimal("1.0"), qty=Decimal(0), grid_level=1,
        direction="long", reduce_only=False, client_order_id="abc",
    )  # fmt: skip
    cancel = CancelIntent(
        symbol="X",
        order_id="o",
        reason="duplicate",
        price=Decimal(1),
        side="Buy",
        direction="short",
    )
    decoder = msgspec.msgpack.Decoder(Intent)
    for intent in (place, cancel):
        assert decoder.decode(msgspec.msgpack.encode(intent)) == intent
