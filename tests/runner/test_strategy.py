"""The per-strategy runner: gridcore's intents, sized, with the book from order events."""

from __future__ import annotations

from decimal import Decimal

import msgspec

import proto
from runner import PendingIntents, RestingBook, StrategyRunner
from tests.fixtures.engine_events import BTC, order, placed_book, position, spec, ticker, wallet

INFLIGHT_S = 5.0
BACKOFF_S = 2.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _runner(clock: FakeClock | None = None, **kw: object) -> StrategyRunner:
    pending = PendingIntents(INFLIGHT_S, BACKOFF_S, clock or FakeClock())
    return StrategyRunner(spec(**kw), BTC, pending=pending)


def _places(batch: proto.IntentBatch | None) -> list[proto.PlaceIntent]:
    assert batch is not None
    return [i for i in batch.intents if isinstance(i, proto.PlaceIntent)]


def test_first_tick_places_opening_orders_sized_from_the_wallet() -> None:
    runner = _runner()
    runner.on_wallet(wallet("10000"))
    batch = runner.on_ticker(ticker("100000"))
    places = _places(batch)
    # 20 levels: 10 Buy below, Wait at the centre, 10 Sell above. Flat: only opens pass
    # (long Buys, short Sells); the reduce-only closes wait for a position.
    assert len(places) == 20
    assert all(not p.reduce_only for p in places)
    assert {(p.direction, p.side) for p in places} == {("long", "Buy"), ("short", "Sell")}
    # x0.001 of 10000 USDT is $10 → 0.0001 BTC, rounded up to the 0.001 step.
    assert {p.qty for p in places} == {Decimal("0.001")}
    assert batch is not None and batch.account_id == "acct1" and batch.strategy_id == "btc1"
    assert batch.event_id == "btc1:ticker:BTCUSDT:0"


def test_no_wallet_means_zero_quantity_and_nothing_published() -> None:
    runner = _runner()
    assert runner.on_ticker(ticker("100000")) is None
    assert runner.zero_qty_dropped == 20


def test_in_flight_places_are_not_republished_until_they_expire() -> None:
    clock = FakeClock()
    runner = _runner(clock)
    runner.on_wallet(wallet())
    assert runner.on_ticker(ticker("100000", 0)) is not None
    assert runner.on_ticker(ticker("100000", 1)) is None  # all 20 in flight
    clock.now += INFLIGHT_S + 0.1
    assert len(_places(runner.on_ticker(ticker("100000", 2)))) == 20  # lost: healed


def test_a_book_that_matches_the_grid_gives_no_intents() -> None:
    runner = _runner()
    runner.on_wallet(wallet())
    batch = runner.on_ticker(ticker("100000", 0))
    assert batch is not None
    for update in placed_book(batch):
        runner.on_order(update)
    assert runner.on_ticker(ticker("100010", 1)) is None
    assert len(runner.book) == 20


def test_reduce_only_closes_follow_a_position() -> None:
    runner = _runner()
    runner.on_wallet(wallet())
    batch = runner.on_ticker(ticker("100000", 0))
    assert batch is not None
    for update in placed_book(batch):
        runner.on_order(update)
    runner.on_position(position("0.005", idx=1))
    places = _places(runner.on_ticker(ticker("100000", 1)))
    assert places and all(p.reduce_only and p.direction == "long" for p in places)
    assert {p.side for p in places} == {proto.Side.SELL}


def test_rejected_place_backs_off_and_a_position_change_releases_it() -> None:
    clock = FakeClock()
    pending = PendingIntents(5.0, 2.0, clock)
    assert pending.allow_place("a")
    reject = proto.ExecReject(
        event_id="r",
        ts_exchange_ms=0,
        ts_local_ns=0,
        account_id="acct1",
        symbol="BTCUSDT",
        intent_batch_id="b",
        action="place",
        client_order_id="a",
        ret_code=0,
        reason=proto.RejectReason.REDUCE_ONLY_EXCEEDS,
    )
    pending.on_result(reject)
    assert not pending.allow_place("a")
    clock.now = 2.1
    assert pending.allow_place("a")
    pending.on_result(reject)
    pending.on_position_change()
    assert pending.allow_place("a")


def test_book_ignores_stale_updates_and_never_revives_a_closed_order() -> None:
    book = RestingBook()
    price = Decimal("99800.0")
    assert book.apply(order("o1", "x-1", price, "Buy", updated=5))
    first = book.books()
    assert book.books() is first  # unchanged book: same tuples (gridcore plan cache)
    assert not book.apply(order("o1", "x-1", price, "Buy", updated=3))
    assert book.apply(order("o1", "x-1", price, "Buy", status=proto.OrderStatus.FILLED, updated=9))
    assert book.books()["long"] == ()
    # A back-filled snapshot taken before the fill must not bring it back.
    assert not book.apply(order("o1", "x-1", price, "Buy", updated=7))
    assert len(book) == 0
    assert book.apply(order("o2", "y-1", price, "Sell", idx=2, updated=1))
    assert [o.order_id for o in book.books()["short"]] == ["o2"]


def test_a_fill_moves_the_grid_once_even_when_back_filled_again() -> None:
    runner = _runner()
    runner.on_wallet(wallet())
    runner.on_ticker(ticker("100000", 0))
    before = runner.engine.grid.levels
    fill = proto.Execution(
        event_id="exec:e1",
        ts_exchange_ms=1,
        ts_local_ns=1,
        account_id="acct1",
        symbol="BTCUSDT",
        exec_id="e1",
        exec_type=proto.ExecType.TRADE,
        order_id="o1",
        order_link_id="",
        side=proto.Side.BUY,
        price=Decimal("99800.0"),
        qty=Decimal("0.001"),
        fee=Decimal(0),
        fee_rate=Decimal(0),
        is_maker=True,
        closed_size=Decimal(0),
        leaves_qty=Decimal(0),
    )
    runner.on_execution(fill)
    after = runner.engine.grid.levels
    assert after != before
    version = runner.engine.grid.version
    runner.on_execution(msgspec.structs.replace(fill, backfilled=True))  # same exec id
    assert runner.engine.grid.version == version
    funding = msgspec.structs.replace(fill, exec_id="f1", exec_type=proto.ExecType.FUNDING)
    runner.on_execution(funding)  # funding settles a position; it is not a fill
    assert runner.engine.grid.version == version


def test_risk_multiplier_scales_the_close_quantity() -> None:
    runner = _runner()
    runner.on_wallet(wallet("150000"))  # x0.001 → $150 → 0.0015 BTC → 0.002
    opening = _places(runner.on_ticker(ticker("100000", 0)))
    assert {p.qty for p in opening} == {Decimal("0.002")}
    # a long whose liquidation is close (liq/L = 0.9 > 0.84) sells with 1.5×.
    runner.on_position(position("0.01", idx=1, avg="100000", liq="90000"))
    places = _places(runner.on_ticker(ticker("100000", 1)))
    sells = [p for p in places if p.direction == "long" and p.side == proto.Side.SELL]
    assert sells
    assert {s.qty for s in sells} == {Decimal("0.003")}  # base 0.002 × 1.5 → 0.003


def test_a_held_place_is_dropped_before_it_is_sized_and_the_hold_is_not_renewed() -> None:
    """gridcore re-emits every missing level on every tick; a level in flight is dropped
    before the sizer runs, and asking does not extend its hold."""
    clock = FakeClock()
    pending = PendingIntents(5.0, 2.0, clock)
    assert not pending.holds_place("a")
    assert pending.allow_place("a")
    clock.now = 4.9
    assert pending.holds_place("a") and pending.holds_place("a")
    clock.now = 5.0  # the hold from t=0 ends at 5 s: asking at 4.9 did not renew it
    assert not pending.holds_place("a") and pending.allow_place("a")
    runner = _runner(clock)
    runner.on_wallet(wallet())
    assert len(_places(runner.on_ticker(ticker("100000", 1)))) == 20
    assert runner.on_ticker(ticker("100000", 2)) is None  # all 20 in flight
    # The 20 closes (no position to close) are held by the room check on both ticks.
    assert runner.zero_qty_dropped == 0 and runner.reduce_only_held == 40
