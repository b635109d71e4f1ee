"""The named fill models (``venue.fills``) with worked examples, on the ticker path
(``Venue.on_ticker``: whole fills at the limit, decided at once, processed in arrival
order) and on the trade path (``Venue.on_trades``: partial fills capped by the trade
size, shared in price-time priority), plus the ``follow`` model's tape and matching."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.venue.helpers import API, SYMBOL, make_sim, utc_ms
from venue import FillModelName, QueueConfig
from venue.fills import LastCross, QueueModel
from venue.follow import RecordedExecution, RecordedTape, match_order
from venue.models import OrderStatus

D = Decimal


def _ids(executions: list) -> list[str]:
    return [e.order_id for e in executions]


# --- ticker path -------------------------------------------------------------------------


def test_strict_cross_ticker_touch_does_not_fill_a_cross_fills_whole_at_the_limit() -> None:
    """B-FILLMODE-1, B-FILL-1: a Buy fills iff last < limit, a Sell iff last > limit; the
    whole quantity at the limit price, as maker."""
    sim = make_sim("strict_cross")
    buy = sim.place("Buy", "100.0", "0.003")
    sell = sim.place("Sell", "101.0", "0.002")
    assert sim.tick("100.0") == []
    assert sim.tick("101.0") == []
    [fill] = sim.tick("99.9")
    assert (fill.order_id, fill.side, fill.exec_price, fill.exec_qty, fill.is_maker) == (
        buy.order_id,
        "Buy",
        D("100.0"),
        D("0.003"),
        True,
    )
    [fill] = sim.tick("101.1")
    assert (fill.order_id, fill.side, fill.exec_price, fill.exec_qty) == (
        sell.order_id,
        "Sell",
        D("101.0"),
        D("0.002"),
    )
    assert buy.status is OrderStatus.FILLED and sell.status is OrderStatus.FILLED


def test_ticker_fills_are_processed_in_arrival_order_not_price_order() -> None:
    """B-FILLMODE-1, §3 step 3: every order a ticker crosses is decided at once and the
    fills are processed in placement order (both legs interleaved), not best price first."""
    sim = make_sim("strict_cross")
    b1 = sim.place("Buy", "99.0", "0.001")
    s1 = sim.place("Sell", "97.5", "0.002")  # a short open below the market (no taker fill)
    b2 = sim.place("Buy", "100.0", "0.003")
    b3 = sim.place("Buy", "99.5", "0.004")
    fills = sim.tick("98.0")
    assert _ids(fills) == [b1.order_id, s1.order_id, b2.order_id, b3.order_id]
    assert [e.exec_price for e in fills] == [D("99.0"), D("97.5"), D("100.0"), D("99.5")]
    assert [e.exec_qty for e in fills] == [D("0.001"), D("0.002"), D("0.003"), D("0.004")]
    assert [e.exec_time_ms for e in fills] == [sim.clock.now_ms()] * 4


def test_trade_through_ticker_touch_at_the_limit_fills() -> None:
    """B-FILLMODE-2: a Buy fills iff last <= limit, a Sell iff last >= limit."""
    sim = make_sim("trade_through")
    buy = sim.place("Buy", "100.0", "0.001")
    sell = sim.place("Sell", "101.0", "0.001")
    assert sim.tick("100.1") == []
    assert sim.tick("100.9") == []
    assert _ids(sim.tick("100.0")) == [buy.order_id]
    [fill] = sim.tick("101.0")
    assert (fill.order_id, fill.exec_price) == (sell.order_id, D("101.0"))


def test_book_touch_ticker_fills_buys_on_the_ask_and_sells_on_the_bid_ignoring_last() -> None:
    """B-FILLMODE-3: Buy iff ask1 <= limit, Sell iff bid1 >= limit; last is not read
    while the book side is known."""
    sim = make_sim("book_touch")
    buy = sim.place("Buy", "100.0", "0.001")
    sell = sim.place("Sell", "102.0", "0.001")
    assert sim.tick("99.5", bid="99.4", ask="100.1") == []  # last below the Buy, ask above
    assert sim.tick("102.5", bid="101.9", ask="102.0") == []  # last above the Sell, bid below
    assert _ids(sim.tick("100.5", bid="99.9", ask="100.0")) == [buy.order_id]
    [fill] = sim.tick("101.5", bid="102.0", ask="102.1")
    assert (fill.order_id, fill.exec_price) == (sell.order_id, D("102.0"))


@pytest.mark.parametrize("missing", [None, "0", "-0.1"])
def test_book_touch_ticker_falls_back_to_last_when_the_book_side_is_missing(
    missing: str | None,
) -> None:
    """B-FILLMODE-3: a missing or non-positive bid1/ask1 falls back to the at-limit rule
    on last (Buy iff last <= limit, Sell iff last >= limit)."""
    sim = make_sim("book_touch")
    buy = sim.place("Buy", "100.0", "0.001")
    sell = sim.place("Sell", "101.0", "0.001")
    assert sim.tick("100.1", bid=missing, ask=missing) == []
    assert _ids(sim.tick("100.0", bid=missing, ask=missing)) == [buy.order_id]
    assert _ids(sim.tick("101.0", bid=missing, ask=missing)) == [sell.order_id]


def test_book_touch_ticker_mixes_a_known_ask_with_a_missing_bid_in_one_ticker() -> None:
    """B-FILLMODE-3: each side is decided on its own: the Buy on the ask, the Sell (no
    bid) on last; both fills of the ticker in arrival order."""
    sim = make_sim("book_touch")
    sell = sim.place("Sell", "101.0", "0.001")
    buy = sim.place("Buy", "100.0", "0.001")
    assert _ids(sim.tick("101.0", bid=None, ask="100.0")) == [sell.order_id, buy.order_id]


@pytest.mark.parametrize("last", ["0", "-1"])
def test_book_touch_ticker_non_positive_last_without_a_book_does_not_fill(last: str) -> None:
    """B-FILLMODE-3 falls back to the at-limit rule of B-FILLMODE-2, whose `last <= 0 →
    no fill` holds: a ticker with no book and a non-positive last fills nothing."""
    sim = make_sim("book_touch")
    sim.place("Buy", "100.0", "0.001")
    assert sim.tick(last, bid=None, ask=None) == []


@pytest.mark.parametrize("model", ["strict_cross", "trade_through", "last_cross"])
@pytest.mark.parametrize("last", ["0", "-1"])
def test_non_positive_last_never_fills_on_the_ticker_path(model: FillModelName, last: str) -> None:
    """B-FILLMODE-1/2/4: `last <= 0` → no fill, although the Buy's price rule alone would
    fill it (last_cross has a previous price above the limit)."""
    sim = make_sim(model)
    buy = sim.place("Buy", "100.0", "0.001")
    assert sim.tick("102.0") == []
    assert sim.tick("101.0") == []
    assert sim.tick(last) == []
    assert buy.status is OrderStatus.NEW


def test_last_cross_ticker_needs_a_cross_from_the_previous_ticker() -> None:
    """B-FILLMODE-4: Buy iff prev > limit >= last, Sell iff prev < limit <= last; no fill
    on the first ticker, and a price below a Buy without crossing it fills nothing."""
    sim = make_sim("last_cross")
    buy = sim.place("Buy", "100.0", "0.001")
    sell = sim.place("Sell", "101.0", "0.001")
    assert sim.tick("99.0") == []  # first ticker: no previous price
    assert sim.tick("98.0") == []  # prev 99.0 is not above 100.0
    assert sim.tick("100.5") == []
    assert _ids(sim.tick("100.0")) == [buy.order_id]  # 100.5 > 100.0 >= 100.0
    assert _ids(sim.tick("101.0")) == [sell.order_id]  # 100.0 < 101.0 <= 101.0


def test_last_cross_previous_price_advances_on_tickers_with_an_empty_book() -> None:
    """B-FILLMODE-4: the previous price advances once per ticker, also with no orders."""
    sim = make_sim("last_cross")
    sim.tick("101.0")
    buy = sim.place("Buy", "100.0", "0.001")
    assert _ids(sim.tick("100.0")) == [buy.order_id]


def test_last_cross_same_token_ticker_does_not_advance_the_previous_price() -> None:
    """B-FILLMODE-4 (quirk): a ticker with the same (ts, local) token as the one before
    keeps the previous price, and the next token's previous price is the FIRST last of
    the token, not its last one."""
    sim = make_sim("last_cross")
    model = sim.venue.fill_model
    assert isinstance(model, LastCross)
    buy = sim.place("Buy", "100.0", "0.001")
    t1, t2, t3 = utc_ms(2, 0, 1), utc_ms(2, 0, 2), utc_ms(2, 0, 3)
    assert sim.tick("99.0", at=t1) == []
    assert sim.tick("101.0", at=t2) == []  # prev 99.0
    assert sim.tick("100.0", at=t2) == []  # same token: prev still 99.0 (101.0 would fill)
    assert model.previous(SYMBOL) == D("99.0")
    assert _ids(sim.tick("100.0", at=t3)) == [buy.order_id]  # prev = first of t2 = 101.0
    assert model.previous(SYMBOL) == D("101.0")


def test_last_cross_same_exchange_ms_with_another_local_ms_is_a_new_token() -> None:
    """B-FILLMODE-4: the token is (exchange ts, local ts); a different local ts advances."""
    sim = make_sim("last_cross")
    buy = sim.place("Buy", "100.0", "0.001")
    t1, t2 = utc_ms(2, 0, 1), utc_ms(2, 0, 2)
    sim.tick("99.0", at=t1)
    sim.tick("101.0", at=t2, local=t2)
    assert _ids(sim.tick("100.0", at=t2, local=t2 + 1)) == [buy.order_id]  # prev 101.0


def test_last_cross_per_trade_ticks_compare_with_the_first_price_of_the_previous_ms() -> None:
    """B-FILLMODE-4 (quirk) in per-trade mode (local = exchange ms, B-IN-3): every trade of
    one millisecond compares with the first trade price of the previous millisecond."""
    sim = make_sim("last_cross")
    buy = sim.place("Buy", "100.0", "0.001")
    sell = sim.place("Sell", "100.5", "0.001")
    ms1, ms2, ms3 = utc_ms(2, 0, 1), utc_ms(2, 0, 1, 1), utc_ms(2, 0, 1, 2)
    assert sim.tick("101.0", at=ms1) == []
    assert sim.tick("99.0", at=ms1) == []
    assert _ids(sim.tick("100.0", at=ms2)) == [buy.order_id]  # prev 101.0, not 99.0
    assert sim.tick("100.5", at=ms2) == []  # prev still 101.0 (100.0 would fill the Sell)
    assert _ids(sim.tick("100.6", at=ms3)) == [sell.order_id]  # prev = first of ms2 = 100.0


def test_last_cross_non_positive_last_leaves_the_previous_price_untouched() -> None:
    """B-FILLMODE-4: a non-positive last neither fills nor advances the previous price."""
    sim = make_sim("last_cross")
    model = sim.venue.fill_model
    assert isinstance(model, LastCross)
    buy = sim.place("Buy", "100.0", "0.001")
    sim.tick("102.0")
    sim.tick("101.0")
    assert sim.tick("0") == []  # prev 102.0 > 100.0 >= 0 would fill
    assert model.previous(SYMBOL) == D("102.0")
    assert _ids(sim.tick("100.0")) == [buy.order_id]  # prev 101.0 (0 would not fill)


def test_follow_fills_nothing_from_tickers_or_trades() -> None:
    """B-FILLMODE-5: follow has no price rule; only recorded executions fill."""
    sim = make_sim("follow")
    buy = sim.place("Buy", "100.0", "0.001")
    sell = sim.place("Sell", "101.0", "0.001")
    assert sim.tick("50.0") == []
    assert sim.tick("150.0") == []
    assert sim.trade("50.0", "1") == []
    assert sim.trade("150.0", "1", side="Buy") == []
    assert buy.is_open and sell.is_open


def test_queue_model_has_no_ticker_rule_and_refuses_a_ticker_with_resting_orders() -> None:
    """The queue model is trade-path only (``venue.fills`` rules table)."""
    sim = make_sim("queue")
    sim.place("Buy", "100.0", "0.001")
    with pytest.raises(NotImplementedError, match="queue has no ticker rule"):
        sim.tick("99.0")


# --- placement: taker or resting ---------------------------------------------------------


def test_marketable_order_at_placement_fills_at_the_ticker_touch_as_taker() -> None:
    """taker_on_place (Bybit): a limit order reaching the touch fills whole at the touch
    price as taker with the taker fee (qty × price × 0.00055); a non-marketable one rests."""
    sim = make_sim("strict_cross", taker_on_place=True)
    sim.tick("100.0", bid="99.9", ask="100.1")
    buy = sim.place("Buy", "101.0", "0.002")
    sell = sim.place("Sell", "99.0", "0.003")
    resting = sim.place("Buy", "100.0", "0.001")
    buy_fill, sell_fill = sim.acct().executions
    assert (buy.status, sell.status, resting.status) == (
        OrderStatus.FILLED,
        OrderStatus.FILLED,
        OrderStatus.NEW,
    )
    assert (buy_fill.exec_price, buy_fill.is_maker, buy_fill.fee_rate) == (
        D("100.1"),
        False,
        D("0.00055"),
    )
    assert buy_fill.exec_fee == D("0.00011011")  # 0.002 × 100.1 × 0.00055
    assert (sell_fill.exec_price, sell_fill.is_maker) == (D("99.9"), False)
    assert sell_fill.exec_fee == D("0.000164835")  # 0.003 × 99.9 × 0.00055


def test_marketable_order_at_placement_fills_at_the_trade_touch_as_taker() -> None:
    """taker_on_place on the trade path: a taker Sell at 100.0 leaves bid 100.0 / ask
    100.1; a Buy at 100.1 takes the ask, a Sell at 100.0 takes the bid."""
    sim = make_sim("strict_cross", taker_on_place=True)
    sim.trade("100.0", "1", side="Sell")
    sim.place("Buy", "100.1", "0.001")
    sim.place("Sell", "100.0", "0.001")
    assert [(e.side, e.exec_price, e.is_maker) for e in sim.acct().executions] == [
        ("Buy", D("100.1"), False),
        ("Sell", D("100.0"), False),
    ]


def test_marketable_order_rests_when_taker_on_place_is_off_and_fills_later_as_maker() -> None:
    """taker_on_place=False (the reference, B-TICK-1): the order rests and the next
    ticker's rule fills it at its limit with the maker fee."""
    sim = make_sim("strict_cross", taker_on_place=False)
    sim.tick("100.0", bid="99.9", ask="100.1")
    buy = sim.place("Buy", "101.0", "0.002")
    assert buy.status is OrderStatus.NEW and sim.acct().executions == []
    [fill] = sim.tick("100.0")
    assert (fill.exec_price, fill.is_maker, fill.exec_fee) == (D("101.0"), True, D("0.0000404"))


# --- trade path --------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["strict_cross", "trade_through", "book_touch", "queue"])
def test_trade_is_shared_in_price_time_priority_capped_by_its_size_rounded_to_the_lot(
    model: FillModelName,
) -> None:
    """Trade path: a trade through several orders fills them best price first, then by
    arrival, at their limits, for at most the trade size rounded down to the lot step;
    a remainder keeps resting with its leaves reduced."""
    sim = make_sim(model)
    a = sim.place("Buy", "100.0", "0.003")
    b = sim.place("Buy", "100.5", "0.002")
    c = sim.place("Buy", "100.0", "0.002")
    assert sim.trade("99.0", "0.0009") == []  # below one lot step
    fills = sim.trade("99.0", "0.0049")  # 0.004 usable
    assert [(e.order_id, e.exec_price, e.exec_qty) for e in fills] == [
        (b.order_id, D("100.5"), D("0.002")),
        (a.order_id, D("100.0"), D("0.002")),
    ]
    assert (a.status, a.leaves_qty, a.cum_exec_qty) == (
        OrderStatus.PARTIALLY_FILLED,
        D("0.001"),
        D("0.002"),
    )
    assert (c.status, c.leaves_qty) == (OrderStatus.NEW, D("0.002"))
    assert sim.venue.markets[SYMBOL].book.bids.levels[D("100.0")] == [a, c]
    fills = sim.trade("99.5", "0.010")
    assert [(e.order_id, e.exec_qty) for e in fills] == [
        (a.order_id, D("0.001")),
        (c.order_id, D("0.002")),
    ]
    assert a.status is OrderStatus.FILLED and c.status is OrderStatus.FILLED


@pytest.mark.parametrize("model", ["strict_cross", "trade_through", "book_touch", "queue"])
def test_trade_sells_fill_lowest_price_first(model: FillModelName) -> None:
    """Trade path, asks: best (lowest) price first, then arrival; capped by the size."""
    sim = make_sim(model)
    d = sim.place("Sell", "101.0", "0.002")
    e = sim.place("Sell", "100.8", "0.002")
    fills = sim.trade("101.5", "0.003", side="Buy")
    assert [(x.order_id, x.exec_price, x.exec_qty) for x in fills] == [
        (e.order_id, D("100.8"), D("0.002")),
        (d.order_id, D("101.0"), D("0.001")),
    ]


@pytest.mark.parametrize(
    ("model", "fills_at_limit"),
    [("strict_cross", False), ("trade_through", True), ("book_touch", True), ("queue", True)],
)
def test_trade_exactly_at_the_limit_fills_per_model(
    model: FillModelName, fills_at_limit: bool
) -> None:
    """Trade path rules table: strict_cross needs P < L (Buy) / P > L (Sell);
    trade_through, book_touch and queue (nothing ahead) fill at P == L."""
    sim = make_sim(model)
    sim.place("Buy", "100.0", "0.002")
    sim.place("Sell", "101.0", "0.002")
    buys = sim.trade("100.0", "0.005", side="Sell")
    sells = sim.trade("101.0", "0.005", side="Buy")
    expected = [D("0.002")] if fills_at_limit else []
    assert [e.exec_qty for e in buys] == expected
    assert [e.exec_qty for e in sells] == expected


def test_last_cross_trade_path_needs_the_previous_trade_above_the_buy() -> None:
    """Trade path last_cross: a Buy fills iff prev trade > L >= P; none on the first
    trade; each fill capped by the trade size, the rest waits for another cross."""
    sim = make_sim("last_cross")
    buy = sim.place("Buy", "100.0", "0.002")
    assert sim.trade("99.0", "1") == []  # first trade
    assert sim.trade("99.5", "1") == []
    assert sim.trade("100.5", "1") == []
    [fill] = sim.trade("100.0", "0.001")
    assert (fill.exec_price, fill.exec_qty) == (D("100.0"), D("0.001"))
    assert sim.trade("99.9", "1") == []  # prev 100.0 is not above 100.0
    sim.trade("100.2", "1")
    [fill] = sim.trade("99.8", "1")
    assert fill.exec_qty == D("0.001")
    assert buy.status is OrderStatus.FILLED


def test_queue_volume_traded_at_the_price_before_the_order_joined_trades_first() -> None:
    """Queue model: ahead = ahead_fraction × volume traded at the order's price within
    window_s before it joined (here 0.003 + 0.002; a trade 1 ms too old and one at another
    price do not count); trades at the price work it off first, then fill; a trade
    through the price fills without waiting."""
    sim = make_sim("queue", queue=QueueConfig(ahead_fraction=1.0, window_s=300))
    model = sim.venue.fill_model
    assert isinstance(model, QueueModel)
    t = sim.clock.now_ms()
    joined = t + 400_000
    sim.trade("100.0", "0.005", at=t + 99_999)  # 300.001 s before joining: too old
    sim.trade("100.0", "0.003", at=t + 100_000)  # exactly 300 s before: counts
    sim.trade("100.1", "0.007", at=t + 200_000)  # another price
    sim.trade("100.0", "0.002", at=t + 300_000)
    sim.clock.advance_to(joined)
    buy = sim.place("Buy", "100.0", "0.003")
    assert model.ahead(buy.order_id) == D("0.005")
    assert sim.trade("100.0", "0.004") == []
    assert model.ahead(buy.order_id) == D("0.001")
    [fill] = sim.trade("100.0", "0.002")  # 0.001 works off the queue, 0.001 fills
    assert (fill.exec_price, fill.exec_qty, buy.leaves_qty) == (D("100.0"), D("0.001"), D("0.002"))
    [fill] = sim.trade("99.9", "0.001")  # through the price
    assert fill.exec_qty == D("0.001")
    [fill] = sim.trade("100.0", "0.001")  # the level is gone: nothing ahead any more
    assert fill.exec_qty == D("0.001")
    assert buy.status is OrderStatus.FILLED


def test_queue_trade_through_the_price_fills_without_waiting() -> None:
    """Queue model: a trade through the price fills at once whatever is ahead."""
    sim = make_sim("queue", queue=QueueConfig(ahead_fraction=1.0, window_s=300))
    sim.trade("100.0", "0.5")
    buy = sim.place("Buy", "100.0", "0.003")
    [fill] = sim.trade("99.9", "0.002")
    assert (fill.exec_price, fill.exec_qty, buy.leaves_qty) == (D("100.0"), D("0.002"), D("0.001"))


def test_queue_ahead_fraction_scales_the_volume_and_min_ahead_is_the_floor() -> None:
    """Queue model: ahead = max(traded × ahead_fraction, min_ahead)."""
    sim = make_sim(
        "queue", queue=QueueConfig(ahead_fraction=0.5, window_s=60, min_ahead=D("0.002"))
    )
    model = sim.venue.fill_model
    assert isinstance(model, QueueModel)
    sim.trade("100.0", "0.010")
    scaled = sim.place("Buy", "100.0", "0.001")
    floored = sim.place("Buy", "100.5", "0.003")  # nothing traded at 100.5
    assert model.ahead(scaled.order_id) == D("0.005")
    assert model.ahead(floored.order_id) == D("0.002")
    [fill] = sim.trade("100.5", "0.003")
    assert (fill.order_id, fill.exec_qty) == (floored.order_id, D("0.001"))


def test_queue_a_later_order_at_the_same_price_waits_behind_the_earlier_one() -> None:
    """Queue model + price-time priority: 0.002 traded at 100.0 before both joined; a
    0.003 trade at 100.0 works off 0.002 and fills the earlier order's 0.001; the later
    order is behind it and gets nothing (the trade is used up)."""
    sim = make_sim("queue", queue=QueueConfig(ahead_fraction=1.0, window_s=300))
    sim.trade("100.0", "0.002")
    first = sim.place("Buy", "100.0", "0.001")
    later = sim.place("Buy", "100.0", "0.001")
    fills = sim.trade("100.0", "0.003")
    assert [(e.order_id, e.exec_qty) for e in fills] == [(first.order_id, D("0.001"))]
    assert later.cum_exec_qty == 0


# --- follow: recorded executions ---------------------------------------------------------


def _rec(
    ts: int = 0,
    exec_id: str = "e",
    *,
    order_id: str = "",
    link: str = "",
    side: str = "Buy",
    price: str = "100.0",
    qty: str = "0.001",
    fee: str = "0",
    pnl: str = "0",
    maker: bool = True,
) -> RecordedExecution:
    return RecordedExecution(
        ts_ms=ts,
        exec_id=exec_id,
        order_id=order_id,
        order_link_id=link,
        side=side,
        price=D(price),
        qty=D(qty),
        fee=D(fee),
        exec_pnl=D(pnl),
        is_maker=maker,
    )


def test_recorded_tape_drains_by_time_in_time_then_exec_id_order() -> None:
    """B-FILLMODE-5: executions with time in (previous, until] are drained in
    (time, exec_id) order; each exactly once."""
    tape = RecordedTape([_rec(2000, "b"), _rec(1000, "z"), _rec(2000, "a"), _rec(3000, "c")])
    assert len(tape) == 4
    assert [(e.ts_ms, e.exec_id) for e in tape.due(1999)] == [(1000, "z")]
    assert tape.next_ms() == 2000
    assert [(e.ts_ms, e.exec_id) for e in tape.due(2000)] == [(2000, "a"), (2000, "b")]
    assert tape.due(2000) == []
    assert tape.due(2999) == []
    assert [e.exec_id for e in tape.due(10_000)] == ["c"]
    assert tape.next_ms() is None


def test_match_order_rules_link_prefix_then_order_id_then_closest_same_side_price() -> None:
    """B-FILLMODE-5: (1) the recorded link id's prefix before the first '-' equals the
    order's, and a link id that matches nothing matches nothing; (2) without a link id the
    order id; (3) else the same-side order with the closest price, ties to the earlier."""
    sim = make_sim("follow")
    o1 = sim.place("Buy", "100.0", "0.001", link="aaa-1")
    o2 = sim.place("Buy", "99.0", "0.001", link="bbb-2")
    o3 = sim.place("Sell", "101.0", "0.001")
    o4 = sim.place("Buy", "99.6", "0.001")
    o5 = sim.place("Buy", "99.4", "0.001")
    resting = list(sim.acct().open_orders.values())
    assert match_order(resting, _rec(link="bbb-7", order_id=o1.order_id)) is o2
    assert match_order(resting, _rec(link="aaa-9-x", price="99.0")) is o1
    assert match_order(resting, _rec(link="ccc-1", price="100.0")) is None
    assert match_order(resting, _rec(order_id=o2.order_id, price="100.0")) is o2
    assert match_order(resting, _rec(order_id="other", price="99.5")) is o4  # tie 99.6/99.4
    assert match_order([o5, o4], _rec(order_id="other", price="99.5")) is o4  # by arrival
    assert match_order(resting, _rec(order_id="other", side="Sell", price="50.0")) is o3
    assert match_order([o1, o2], _rec(order_id="other", side="Sell")) is None


def test_apply_recorded_fills_the_recorded_price_capped_qty_and_pro_rata_fee_and_pnl() -> None:
    """B-FILLMODE-5: the recorded price and qty capped at the order's leaves; fee and
    closed PnL pro rata (applied / recorded qty); a partial leaves the order resting;
    the wallet books the recorded PnL, the position follows our own accounting."""
    sim = make_sim("follow")
    acct = sim.acct()
    buy = sim.place("Buy", "100.0", "0.003", link="g1-1")
    first = sim.venue.apply_recorded(API, buy, _rec(price="99.8", qty="0.002", fee="0.00004"))
    assert first is not None
    assert (first.exec_price, first.exec_qty, first.exec_fee, first.is_maker) == (
        D("99.8"),
        D("0.002"),
        D("0.00004"),
        True,
    )
    assert first.fee_rate == D("0.0002004008016032064128256513026")  # 0.00004 / (0.002 × 99.8)
    assert (buy.status, buy.leaves_qty) == (OrderStatus.PARTIALLY_FILLED, D("0.001"))
    assert buy.order_id in acct.open_orders
    assert sim.venue.markets[SYMBOL].book.bids.levels[D("100.0")] == [buy]
    second = sim.venue.apply_recorded(
        API, buy, _rec(price="99.9", qty="0.004", fee="0.0001", maker=False)
    )
    assert second is not None
    assert (second.exec_qty, second.exec_fee, second.is_maker) == (D("0.001"), D("0.000025"), False)
    assert buy.status is OrderStatus.FILLED
    long = acct.position(SYMBOL, 1)
    assert (long.size, long.avg_price) == (D("0.003"), D("0.2995") / D("0.003"))
    close = sim.place("Sell", "101.0", "0.003", idx=1)
    third = sim.venue.apply_recorded(
        API, close, _rec(side="Sell", price="101.0", qty="0.006", fee="0.00012", pnl="0.9")
    )
    assert third is not None
    assert (third.exec_qty, third.exec_fee, third.exec_pnl) == (D("0.003"), D("0.00006"), D("0.45"))
    assert acct.realised == D("0.45")  # recorded, not (101.0 − 99.8333…) × 0.003
    assert long.size == 0
    assert acct.wallet == D("10000.449875")  # 10000 + 0.45 − (0.00004 + 0.000025 + 0.00006)
    assert sim.venue.apply_recorded(API, buy, _rec()) is None  # no longer open


def test_a_recorded_stream_keeps_its_order_within_one_millisecond() -> None:
    """A replay's tape is in stream order: an order's two partial fills of one
    millisecond stay in the order the exchange made them, whatever their random ids."""
    tape = RecordedTape([_rec(2000, "f2"), _rec(1000, "x"), _rec(2000, "a1")], as_recorded=True)
    assert [e.exec_id for e in tape.due(2000)] == ["x", "f2", "a1"]
