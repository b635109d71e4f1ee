"""Property tests of the venue kernel over random order flow (both sides, both legs,
reduce-only closes, cancels) and random ticker or trade streams, for every fill model on
its path(s).

At every step a checker that knows only the spec (B-FILLMODE-*, B-FILL-4, B-FUND-*)
replays what it saw and compares with the kernel, exactly in Decimal:

* no fill at a price the market never reached (the model's rule for the ticker or trade),
  and on the ticker path every order the rule reaches is filled whole, in arrival order;
* fills at the limit (maker) or at the touch (taker at placement), never better for us
  than the market, never above the order quantity;
* each leg's size is the signed sum of its fills; a reduce-only close never flips a leg;
* the average entry and realised PnL of every fill (B-FILL-4), every funding payment
  (size × price × rate), and the account totals against sums over the kernel's own
  executions: wallet = initial + realised − fees + funding, equity = wallet + unrealised.

Tickers have a positive last price (the non-positive cases are worked examples in
``test_fill_models.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.venue.helpers import API, SYMBOL, Sim, make_sim, utc_ms
from venue import FillModelName, FirstTickFunding, FundingConfig, FundingSchedule, Tick, Trade
from venue.errors import BybitError, RetCode
from venue.models import Execution, Order, OrderStatus

D = Decimal
ZERO = D(0)
RATE = D("0.0001")
INITIAL = D("10000")
STEP = D("0.001")
TENTH = D("0.1")
HOUR_MS = 3_600_000
START = utc_ms(7, 30)

# --- strategies --------------------------------------------------------------------------

# Prices are tenths of a USDT relative to the market's current price (a random walk
# from 100.0 with occasional sweeps that cross many resting orders at once).
_offsets = st.integers(min_value=-5, max_value=5)
_moves = st.one_of(st.integers(min_value=-3, max_value=3), st.sampled_from([-10, 10]))
_gaps = st.sampled_from([0, 1, 1000, 1000, 600_000, HOUR_MS, 4 * HOUR_MS])
_place = st.tuples(
    st.just("place"),
    st.sampled_from(["Buy", "Sell"]),
    st.sampled_from([1, 2]),
    _offsets,
    st.integers(min_value=1, max_value=5),
)
_cancel = st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=30))
_book = st.one_of(st.none(), st.just("zero"), st.integers(min_value=0, max_value=3))
_tick = st.tuples(
    st.just("tick"), _gaps, _moves, _book, _book, st.one_of(st.none(), st.integers(-3, 3))
)
_trade = st.tuples(
    st.just("trade"),
    _gaps,
    _moves,
    st.sampled_from(["0.0005", "0.001", "0.0015", "0.002", "0.003", "0.005", "0.01"]),
    st.sampled_from(["Buy", "Sell"]),
)


def _flow(market: st.SearchStrategy[tuple[Any, ...]]) -> st.SearchStrategy[list[tuple[Any, ...]]]:
    return st.lists(
        st.one_of(_place, _place, _place, _cancel, market, market, market), min_size=10, max_size=60
    )


# --- what the spec says --------------------------------------------------------------------


def _valid(price: Decimal | None) -> bool:
    return price is not None and price > 0


def ticker_reaches(
    model: str, is_buy: bool, limit: Decimal, tick: Tick, prev: Decimal | None
) -> bool:
    """B-FILLMODE-1..5 for one resting order and one ticker (positive last)."""
    last = tick.last
    if model == "strict_cross":
        return last < limit if is_buy else last > limit
    if model == "trade_through":
        return last <= limit if is_buy else last >= limit
    if model == "book_touch":
        if is_buy:
            return tick.ask <= limit if _valid(tick.ask) else last <= limit  # type: ignore[operator]
        return tick.bid >= limit if _valid(tick.bid) else last >= limit  # type: ignore[operator]
    if model == "last_cross":
        if prev is None:
            return False
        return prev > limit >= last if is_buy else prev < limit <= last
    return False  # follow


def trade_reaches(
    model: str, is_buy: bool, limit: Decimal, price: Decimal, prev: Decimal | None
) -> bool:
    """The trade path rules table of ``venue.fills`` (queue: at the price at the least)."""
    if model == "strict_cross":
        return price < limit if is_buy else price > limit
    if model in ("trade_through", "book_touch", "queue"):
        return price <= limit if is_buy else price >= limit
    if model == "last_cross":
        if prev is None:
            return False
        return prev > limit >= price if is_buy else prev < limit <= price
    return False  # follow


@dataclass
class Leg:
    """B-FILL-4's position tracker (size as a magnitude)."""

    long: bool
    size: Decimal = ZERO
    avg: Decimal = ZERO

    @property
    def signed(self) -> Decimal:
        return self.size if self.long else -self.size

    def apply(self, side: str, qty: Decimal, price: Decimal) -> tuple[Decimal, Decimal]:
        """(realised, closed) of a fill."""
        if (side == "Buy") == self.long:
            self.avg = (self.size * self.avg + qty * price) / (self.size + qty)
            self.size += qty
            return ZERO, ZERO
        close = min(qty, self.size)
        realised = (price - self.avg) * close if self.long else (self.avg - price) * close
        self.size -= close
        if self.size == 0:
            self.avg = ZERO
        return realised, close


@dataclass
class Checker:
    """Replays the flow against the spec and checks the kernel after every step."""

    sim: Sim
    model: str
    first_tick_funding: bool
    legs: dict[int, Leg] = field(default_factory=lambda: {1: Leg(True), 2: Leg(False)})
    seen: int = 0
    token: tuple[int, int | None] | None = None
    first_of_token: Decimal | None = None
    prev: Decimal | None = None
    prev_trade: Decimal | None = None
    funded_at: int | None = None
    price: int = 1000  # the market, in tenths

    def walk(self, move: int) -> Decimal:
        self.price = min(max(self.price + move, 900), 1100)
        return D(self.price) * TENTH

    @property
    def acct(self) -> Any:
        return self.sim.acct()

    def new_executions(self) -> list[Execution]:
        out = self.acct.executions[self.seen :]
        self.seen = len(self.acct.executions)
        return out

    # -- actions --------------------------------------------------------------------------
    def place(self, side: str, idx: int, offset: int, lots: int) -> None:
        price, qty = D(self.price + offset) * TENTH, D(lots) * STEP
        touch = self.sim.venue.markets[SYMBOL].touch
        closing = (side == "Sell") == (idx == 1)
        try:
            order = self.sim.place(side, str(price), str(qty), idx=idx)
        except BybitError as err:
            assert closing and err.ret_code == RetCode.REDUCE_ONLY
            assert self.legs[idx].size == 0
            return
        assert order.reduce_only == closing
        assert order.qty == (min(qty, self.legs[idx].size) if closing else qty)
        fills = self.new_executions()
        for e in fills:  # taker at placement: the touch, for the order's whole quantity
            assert touch is not None and not e.is_maker and e.order_id == order.order_id
            assert e.exec_price == (touch.ask if side == "Buy" else touch.bid)
            assert e.exec_price <= price if side == "Buy" else e.exec_price >= price
            assert e.exec_qty == order.qty
            self.book(e)
        if not fills:
            assert order.is_open

    def cancel(self, k: int) -> None:
        open_orders = list(self.acct.open_orders.values())
        if not open_orders:
            return
        order = open_orders[k % len(open_orders)]
        self.sim.venue.cancel(API, SYMBOL, order.order_id, "")
        assert order.status is OrderStatus.CANCELLED and not self.new_executions()

    def tick(self, gap: int, move: int, bid: Any, ask: Any, mark: int | None) -> None:
        last = self.walk(move)
        ts = self.sim.clock.now_ms() + gap
        tick = Tick(
            symbol=SYMBOL,
            ts_ms=ts,
            last=last,
            mark=None if mark is None else last + D(mark) * TENTH,
            bid=ZERO if bid == "zero" else None if bid is None else last - D(bid) * TENTH,
            ask=ZERO if ask == "zero" else None if ask is None else last + D(ask) * TENTH,
            local_ms=ts,
        )
        self.advance_prev(tick)
        funded = self.funding_due(ts)
        before = {o.order_id: (o, o.leaves_qty) for o in self.acct.open_orders.values()}
        self.sim.clock.advance_to(ts)
        returned = self.sim.venue.on_ticker(tick)
        new = self.new_executions()
        payments = [e for e in new if e.exec_type == "Funding"]
        fills = [e for e in new if e.exec_type == "Trade"]
        assert fills == returned
        self.check_funding(payments, funded, last)
        self.check_ticker_fills(fills, before, tick)

    def trade(self, gap: int, move: int, size: str, side: str) -> None:
        price = self.walk(move)
        ts = self.sim.clock.now_ms() + gap
        self.sim.clock.advance_to(ts)
        before = {o.order_id: o for o in self.acct.open_orders.values()}
        self.sim.venue.on_trades([Trade(ts, SYMBOL, side, price, D(size), f"t{self.seen}")])
        new = self.new_executions()
        for e in (e for e in new if e.exec_type == "Funding"):
            self.check_payment(e)
        fills = [e for e in new if e.exec_type == "Trade"]
        usable = (D(size) / STEP).to_integral_value(rounding="ROUND_DOWN") * STEP
        assert sum((e.exec_qty for e in fills), ZERO) <= usable
        for e in fills:
            order = before[e.order_id]
            assert e.is_maker and e.exec_price == order.price
            assert trade_reaches(self.model, order.is_buy, order.price, price, self.prev_trade)
            self.book(e)
        self.prev_trade = price

    # -- the spec's state ---------------------------------------------------------------------
    def advance_prev(self, tick: Tick) -> None:
        """B-FILLMODE-4: once per token, prev = the first last of the previous token."""
        token = (tick.ts_ms, tick.local_ms)
        if token != self.token:
            self.prev = self.first_of_token
            self.token = token
            self.first_of_token = tick.last

    def funding_due(self, ts: int) -> list[int]:
        """B-FUND-1: the legs (idx) that pay or receive funding on a ticker at ``ts``."""
        if not self.first_tick_funding:
            return []
        hour = ts // HOUR_MS % 24
        last = self.funded_at
        if hour not in (0, 8, 16) or (
            last is not None and ts - last < 7 * HOUR_MS and last // HOUR_MS % 24 == hour
        ):
            return []
        self.funded_at = ts
        return [idx for idx, leg in self.legs.items() if leg.size]

    # -- checks -------------------------------------------------------------------------------
    def check_funding(self, payments: list[Execution], legs: list[int], last: Decimal) -> None:
        if self.first_tick_funding:
            assert [e.position_idx for e in payments] == legs
            assert all(e.exec_price == last for e in payments)
        for e in payments:
            self.check_payment(e)

    def check_payment(self, e: Execution) -> None:
        """B-FUND-2: size × price × rate, paid by a long, received by a short."""
        leg = self.legs[e.position_idx]
        assert e.exec_qty == leg.size
        assert e.exec_fee == leg.signed * e.exec_price * e.fee_rate
        assert e.fee_rate == RATE

    def check_ticker_fills(
        self, fills: list[Execution], before: dict[str, tuple[Order, Decimal]], tick: Tick
    ) -> None:
        """Whole fills at the limit, in arrival order, exactly the orders the rule reaches."""
        seqs = [before[e.order_id][0].seq for e in fills]
        assert seqs == sorted(seqs)
        filled = set()
        for e in fills:
            order, leaves = before[e.order_id]
            assert e.is_maker and e.exec_price == order.price
            if order.reduce_only:
                assert e.exec_qty <= leaves
            else:
                assert e.exec_qty == leaves
            filled.add(order.order_id)
            self.book(e)
        for order, leaves in before.values():
            reached = ticker_reaches(self.model, order.is_buy, order.price, tick, self.prev)
            by_reduce_only = (
                order.reduce_only
                and order.status is OrderStatus.CANCELLED
                and order.cancel_type == "CancelByReduceOnly"
            )
            if reached:
                assert order.status is OrderStatus.FILLED or by_reduce_only
            else:
                assert order.order_id not in filled
                assert (order.is_open and order.leaves_qty == leaves) or by_reduce_only

    def book(self, e: Execution) -> None:
        """B-FILL-4 for one fill, against the kernel's execution."""
        leg = self.legs[e.position_idx]
        realised, closed = leg.apply(e.side, e.exec_qty, e.exec_price)
        assert (e.exec_pnl, e.closed_size) == (realised, closed)
        if e.reduce_only:
            assert closed == e.exec_qty  # a close never opens the other way
        rate = D("0.0002") if e.is_maker else D("0.00055")
        assert e.exec_fee == e.exec_qty * e.exec_price * rate

    def check_state(self) -> None:
        acct, venue = self.acct, self.sim.venue
        long, short = acct.position(SYMBOL, 1), acct.position(SYMBOL, 2)
        assert long.size >= 0 and short.size <= 0
        assert (long.size, long.avg_price) == (self.legs[1].signed, self.legs[1].avg)
        assert (short.size, short.avg_price) == (self.legs[2].signed, self.legs[2].avg)
        trades = [e for e in acct.executions if e.exec_type == "Trade"]
        for idx, pos in ((1, long), (2, short)):
            signed = sum(
                (e.exec_qty if e.side == "Buy" else -e.exec_qty)
                for e in trades
                if e.position_idx == idx
            )
            assert pos.size == signed
        realised = sum((e.exec_pnl for e in trades), ZERO)
        fees = sum((e.exec_fee for e in trades), ZERO)
        funding = -sum((e.exec_fee for e in acct.executions if e.exec_type == "Funding"), ZERO)
        assert (acct.realised, acct.fees, acct.funding) == (realised, fees, funding)
        assert acct.wallet == INITIAL + realised - fees + funding
        mark = venue.marks.get(SYMBOL)
        if mark is not None:
            unrealised = sum(
                ((mark - leg.avg) * leg.signed for leg in self.legs.values() if leg.size), ZERO
            )
            assert acct.equity(venue.marks) == INITIAL + realised - fees + funding + unrealised
        for order in acct.orders.values():
            assert ZERO <= order.cum_exec_qty <= order.qty
            assert order.leaves_qty + order.cum_exec_qty == order.qty

    def run(self, flow: list[tuple[Any, ...]]) -> None:
        for kind, *args in flow:
            getattr(self, kind)(*args)
            self.check_state()


# --- the properties ------------------------------------------------------------------------

TICKER_MODELS = ["strict_cross", "trade_through", "book_touch", "last_cross", "follow"]
TRADE_MODELS = ["strict_cross", "trade_through", "book_touch", "last_cross", "queue", "follow"]


@pytest.mark.parametrize("model", TICKER_MODELS)
@settings(max_examples=200, deadline=None)
@given(flow=_flow(_tick), taker_on_place=st.booleans())
def test_ticker_path_fills_only_what_the_rule_reaches_and_the_books_balance(
    model: FillModelName, flow: list[tuple[Any, ...]], taker_on_place: bool
) -> None:
    """B-FILLMODE-1..5, B-FILL-1/2/4, B-FUND-1/2, B-TICK-4 over random ticker streams:
    every order the model's rule reaches on a ticker fills whole at its limit in arrival
    order and no other does; legs, realised PnL, funding and wallet match the spec."""
    sim = make_sim(
        model, funding=FirstTickFunding(RATE), start=START, taker_on_place=taker_on_place
    )
    Checker(sim, model, first_tick_funding=True).run(flow)


@pytest.mark.parametrize("model", TRADE_MODELS)
@settings(max_examples=200, deadline=None)
@given(flow=_flow(_trade), taker_on_place=st.booleans())
def test_trade_path_fills_only_reached_orders_within_the_trade_and_the_books_balance(
    model: FillModelName, flow: list[tuple[Any, ...]], taker_on_place: bool
) -> None:
    """Trade path (``venue.fills`` table), B-FILL-4, interval funding over random trade
    streams: a fill only where the trade price reached the limit, at the limit, at most
    the trade size on the lot grid; legs, realised PnL, funding and wallet balance."""
    sim = make_sim(
        model,
        funding=FundingSchedule(FundingConfig(rate=RATE)),
        start=START,
        taker_on_place=taker_on_place,
    )
    Checker(sim, model, first_tick_funding=False).run(flow)
