"""Matching and accounting rules of the exchange core (no server, no I/O)."""

from decimal import Decimal

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.exchange_sim import AccountConfig, FundingConfig, MatchingConfig, RetCode
from services.exchange_sim.clock import VirtualClock
from services.exchange_sim.config import DEFAULT_START_MS, SimConfig
from tests.fixtures.exchange import manual_config
from venue.accounts import Account
from venue.book import Book, is_marketable, touch_after_trade
from venue.errors import BybitError
from venue.funding import FundingSchedule
from venue.ids import IdGen
from venue.kernel import Venue
from venue.models import Order, OrderRequest, OrderStatus, Position, Trade

A, B = "TESTKEYA", "TESTKEYB"
D = Decimal
HOUR_MS = 3_600_000


def make_exchange(clock: VirtualClock | None = None, **overrides: object) -> Venue:
    cfg: SimConfig = manual_config(**overrides)
    clock = clock or VirtualClock(DEFAULT_START_MS, None)
    ex = Venue(cfg, clock.now_ms, IdGen(cfg.seed), FundingSchedule(cfg.funding))
    ex.set_initial_price("BTCUSDT", D("60000"))
    ex.set_initial_price("ETHUSDT", D("3000"))
    return ex


def trade(ex: Venue, price: str, size: str, side: str = "Sell", symbol: str = "BTCUSDT") -> None:
    now = ex.now()
    ex.on_trades([Trade(now, symbol, side, D(price), D(size), f"t{now}-{price}")])


def limit(
    ex: Venue,
    side: str,
    price: str,
    qty: str,
    *,
    idx: int | None = None,
    key: str = A,
    tif: str = "GTC",
    reduce: bool = False,
    link: str = "",
    symbol: str = "BTCUSDT",
) -> Order:
    pos_idx = idx if idx is not None else (1 if side == "Buy" else 2)
    req = OrderRequest(symbol, side, "Limit", D(qty), D(price), tif, pos_idx, link, reduce)
    return ex.place(key, req)


def error_code(fn: object, *args: object, **kwargs: object) -> int:
    with pytest.raises(BybitError) as info:
        fn(*args, **kwargs)  # type: ignore[operator]
    return int(info.value.ret_code)


def test_trade_at_the_price_does_not_fill_but_a_through_trade_fills_at_the_limit() -> None:
    ex = make_exchange()
    order = limit(ex, "Buy", "59990", "0.010")
    trade(ex, "59990", "5")
    assert order.status is OrderStatus.NEW
    trade(ex, "59980", "5")
    assert order.status is OrderStatus.FILLED
    [execution] = ex.accounts[A].executions
    assert execution.exec_price == D("59990")  # the order's limit, not the trade price
    assert execution.is_maker
    assert execution.exec_fee == D("59990") * D("0.010") * D("0.0002")


def test_trade_at_price_fill_rule_is_configurable() -> None:
    ex = make_exchange(matching=MatchingConfig(trade_at_price="fill"))
    order = limit(ex, "Sell", "60010", "0.010")
    trade(ex, "60010", "1", side="Buy")
    assert order.status is OrderStatus.FILLED


def test_partial_fills_are_capped_by_the_trade_size() -> None:
    ex = make_exchange()
    order = limit(ex, "Buy", "59990", "0.010")
    trade(ex, "59980", "0.004")
    assert order.status is OrderStatus.PARTIALLY_FILLED
    assert (order.cum_exec_qty, order.leaves_qty) == (D("0.004"), D("0.006"))
    trade(ex, "59985", "0.100")
    assert order.status is OrderStatus.FILLED
    assert (order.cum_exec_qty, order.leaves_qty) == (D("0.010"), D("0"))
    assert [e.exec_qty for e in ex.accounts[A].executions] == [D("0.004"), D("0.006")]


def test_trade_size_is_shared_in_price_then_time_priority_across_accounts() -> None:
    ex = make_exchange()
    first = limit(ex, "Buy", "59990", "0.005", key=A)
    second = limit(ex, "Buy", "59990", "0.005", key=B)
    better = limit(ex, "Buy", "59995", "0.003", key=B)
    trade(ex, "59980", "0.006")
    assert better.cum_exec_qty == D("0.003")
    assert first.cum_exec_qty == D("0.003")
    assert second.cum_exec_qty == D("0")


def test_post_only_that_would_cross_is_cancelled_with_bybit_reason() -> None:
    ex = make_exchange()  # touch: ask 60000, bid 59999.9
    order = limit(ex, "Buy", "60000", "0.010", tif="PostOnly")
    assert order.status is OrderStatus.CANCELLED
    assert order.reject_reason == "EC_PostOnlyWillTakeLiquidity"
    assert not ex.accounts[A].executions
    resting = limit(ex, "Buy", "59999.9", "0.010", tif="PostOnly")
    assert resting.status is OrderStatus.NEW


def test_marketable_limit_fills_as_taker_at_the_touch() -> None:
    ex = make_exchange()
    trade(ex, "60000", "1", side="Buy")  # ask = 60000
    order = limit(ex, "Buy", "60100", "0.010")
    assert order.status is OrderStatus.FILLED
    [execution] = ex.accounts[A].executions
    assert execution.exec_price == D("60000")
    assert not execution.is_maker
    assert execution.fee_rate == D("0.00055")
    assert execution.exec_fee == D("600.00000") * D("0.00055")


def test_market_order_fills_at_touch_and_ioc_without_liquidity_is_cancelled() -> None:
    ex = make_exchange()
    trade(ex, "60000", "1", side="Sell")  # bid = 60000
    market = ex.place(A, OrderRequest("BTCUSDT", "Sell", "Market", D("0.010"), None, "GTC", 2))
    assert market.status is OrderStatus.FILLED
    assert market.avg_price == D("60000")
    ioc = limit(ex, "Buy", "59000", "0.010", tif="IOC")
    assert ioc.status is OrderStatus.CANCELLED


def test_hedge_positions_avg_price_and_realised_pnl() -> None:
    ex = make_exchange()
    limit(ex, "Buy", "59000", "0.010")
    limit(ex, "Buy", "58000", "0.010")
    trade(ex, "57000", "1")
    limit(ex, "Sell", "61000", "0.010")  # opens a short on idx 2 at the same time
    trade(ex, "61100", "1", side="Buy")
    acct = ex.accounts[A]
    long, short = acct.position("BTCUSDT", 1), acct.position("BTCUSDT", 2)
    assert (long.size, long.avg_price) == (D("0.020"), D("58500"))
    assert (short.size, short.avg_price) == (D("-0.010"), D("61000"))
    close = limit(ex, "Sell", "61200", "0.015", idx=1, reduce=True)
    trade(ex, "61300", "1", side="Buy")
    assert close.status is OrderStatus.FILLED
    assert long.size == D("0.005")
    fees = sum((e.exec_fee for e in acct.executions), D(0))
    gross = D("0.015") * (D("61200") - D("58500"))
    assert acct.executions[-1].exec_pnl == gross
    assert acct.executions[-1].closed_size == D("0.015")
    assert acct.wallet == D("100000") + gross - fees
    mark = D("61300")
    expected_upl = (mark - D("58500")) * D("0.005") + (mark - D("61000")) * D("-0.010")
    assert acct.unrealised(ex.marks) == expected_upl


def test_one_way_mode_nets_and_flips() -> None:
    accounts = (AccountConfig(api_key=A, api_secret="s", hedge_mode=False),)
    ex = make_exchange(accounts=accounts)
    limit(ex, "Buy", "59000", "0.010", idx=0)
    trade(ex, "58900", "1")
    limit(ex, "Sell", "59500", "0.030", idx=0)
    trade(ex, "59600", "1", side="Buy")
    pos = ex.accounts[A].position("BTCUSDT", 0)
    assert (pos.size, pos.avg_price) == (D("-0.020"), D("59500"))
    assert error_code(limit, ex, "Buy", "59000", "0.010", idx=1) == RetCode.PARAMS


def test_reduce_only_rules() -> None:
    ex = make_exchange()
    assert error_code(limit, ex, "Sell", "61000", "0.010", idx=1, reduce=True) == 110017
    limit(ex, "Buy", "59000", "0.010")
    trade(ex, "58000", "1")
    truncated = limit(ex, "Sell", "61000", "0.050", idx=1, reduce=True)
    assert truncated.qty == D("0.010")
    other = limit(ex, "Sell", "62000", "0.010", idx=1, reduce=True)
    trade(ex, "61500", "1", side="Buy")
    assert truncated.status is OrderStatus.FILLED
    assert other.status is OrderStatus.CANCELLED
    assert other.cancel_type == "CancelByReduceOnly"
    assert ex.accounts[A].position("BTCUSDT", 1).size == 0


def test_duplicate_order_link_id_is_110072_even_after_cancel() -> None:
    ex = make_exchange()
    order = limit(ex, "Buy", "59000", "0.010", link="grid-1")
    assert error_code(limit, ex, "Buy", "58000", "0.010", link="grid-1") == 110072
    ex.cancel(A, "BTCUSDT", order.order_id, "")
    assert error_code(limit, ex, "Buy", "58000", "0.010", link="grid-1") == 110072
    assert limit(ex, "Buy", "58000", "0.010", link="grid-1", key=B).is_open  # per account


def test_insufficient_available_balance_is_110007() -> None:
    accounts = (AccountConfig(api_key=A, api_secret="s", usdt=D("100"), leverage=D("10")),)
    ex = make_exchange(accounts=accounts)
    limit(ex, "Buy", "50000", "0.010")  # IM 50
    assert error_code(limit, ex, "Buy", "50000", "0.011") == 110007  # IM 55 > 50 left
    assert limit(ex, "Buy", "50000", "0.009").is_open


@pytest.mark.parametrize(
    ("price", "qty", "code"),
    [
        ("59000.05", "0.010", 10001),  # off tick
        ("59000", "0.0105", 10001),  # off qty step
        ("59000", "0", 10001),
        ("59000", "2000", 10001),  # above max qty
        ("2000000", "0.001", 110003),  # above max price
        ("1000", "0.001", 110094),  # notional 1 USDT < 5
    ],
)
def test_instrument_rules(price: str, qty: str, code: int) -> None:
    ex = make_exchange()
    assert error_code(limit, ex, "Buy", price, qty) == code


def test_eth_rules_differ_from_btc() -> None:
    ex = make_exchange()
    assert error_code(limit, ex, "Buy", "2999.99", "0.001", symbol="ETHUSDT") == 10001
    assert limit(ex, "Buy", "2999.99", "0.01", symbol="ETHUSDT").is_open


def test_active_order_limit_is_110020() -> None:
    ex = make_exchange(matching=MatchingConfig(max_active_orders=2))
    limit(ex, "Buy", "59000", "0.010")
    limit(ex, "Buy", "58000", "0.010")
    assert error_code(limit, ex, "Buy", "57000", "0.010") == 110020


def test_funding_is_an_execution_every_8_hours() -> None:
    clock = VirtualClock(DEFAULT_START_MS, None)
    ex = make_exchange(clock, funding=FundingConfig(rate=D("0.0001")))
    limit(ex, "Buy", "59000", "0.010")
    limit(ex, "Sell", "61000", "0.020", key=B)
    trade(ex, "58000", "1")
    trade(ex, "62000", "1", side="Buy")
    clock.advance_to(DEFAULT_START_MS + 8 * HOUR_MS - 1)
    trade(ex, "60000", "0.1", side="Buy")  # mark at the boundary
    clock.advance_to(DEFAULT_START_MS + 8 * HOUR_MS)
    trade(ex, "60500", "0.1", side="Buy")
    [long_funding] = [e for e in ex.accounts[A].executions if e.exec_type == "Funding"]
    [short_funding] = [e for e in ex.accounts[B].executions if e.exec_type == "Funding"]
    assert long_funding.exec_time_ms == DEFAULT_START_MS + 8 * HOUR_MS
    assert long_funding.exec_fee == D("0.010") * D("60000") * D("0.0001")  # long pays
    assert short_funding.exec_fee == -D("0.020") * D("60000") * D("0.0001")  # short receives
    assert long_funding.exec_price == D("60000")
    assert ("BTCUSDT", DEFAULT_START_MS + 8 * HOUR_MS, D("0.0001")) in ex.funding_history


def test_funding_rate_series_overrides_the_constant() -> None:
    boundary = DEFAULT_START_MS + 8 * HOUR_MS
    series = ({"time_ms": boundary, "rate": "-0.0005", "symbol": "BTCUSDT"},)
    funding = msgspec.convert({"rate": "0.0001", "series": series}, FundingConfig, strict=False)
    schedule = FundingSchedule(funding)
    assert schedule.rate_at("BTCUSDT", boundary) == D("-0.0005")
    assert schedule.rate_at("ETHUSDT", boundary) == D("0.0001")
    assert schedule.rate_at("BTCUSDT", boundary - 1) == D("0.0001")
    assert schedule.next_after(DEFAULT_START_MS) == boundary


def test_book_and_touch_helpers() -> None:
    touch = touch_after_trade("Sell", D("100"), D("0.1"))
    assert (touch.bid, touch.ask) == (D("100"), D("100.1"))
    assert is_marketable("Sell", D("100"), touch)
    assert not is_marketable("Buy", D("100"), touch)
    assert not is_marketable("Buy", D("1"), None)
    assert len(Book()) == 0


@settings(max_examples=60, deadline=None)
@given(
    fills=st.lists(
        st.tuples(
            st.sampled_from(["Buy", "Sell"]),
            st.integers(min_value=1, max_value=50),
            st.integers(min_value=50_000, max_value=70_000),
        ),
        min_size=1,
        max_size=30,
    ),
    mark=st.integers(min_value=40_000, max_value=80_000),
)
def test_equity_equals_cash_flows_plus_mark_to_market(
    fills: list[tuple[str, int, int]], mark: int
) -> None:
    """wallet + unrealised == start - Σ signed notional - fees + size * mark (one-way)."""
    acct = Account(AccountConfig(api_key="P", api_secret="s", usdt=D("1000")))
    pos = Position(symbol="BTCUSDT", idx=0, leverage=D("10"))
    acct.positions[("BTCUSDT", 0)] = pos
    cash = D("1000")
    for side, lots, price in fills:
        qty, px = D(lots) * D("0.001"), D(price)
        fee = qty * px * D("0.0002")
        acct.apply_fill(pos, side, qty, px, fee, 0)
        cash += (-qty if side == "Buy" else qty) * px - fee
    equity = acct.wallet + acct.unrealised({"BTCUSDT": D(mark)})
    # avg price is a 28-digit Decimal quotient, so allow for its last-digit rounding
    assert abs(equity - (cash + pos.size * D(mark))) < D("1e-15")


def test_one_trade_through_two_reduce_only_orders_fills_only_the_position() -> None:
    ex = make_exchange()
    limit(ex, "Buy", "59000", "0.010")
    trade(ex, "58000", "1")
    near = limit(ex, "Sell", "61000", "0.010", idx=1, reduce=True)
    far = limit(ex, "Sell", "61100", "0.010", idx=1, reduce=True)
    trade(ex, "61200", "1", side="Buy")
    assert near.status is OrderStatus.FILLED
    assert (far.status, far.cancel_type, far.cum_exec_qty) == (
        OrderStatus.CANCELLED,
        "CancelByReduceOnly",
        D(0),
    )
    assert ex.accounts[A].position("BTCUSDT", 1).size == 0
