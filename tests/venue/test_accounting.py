"""Fill accounting (commission, average entry, realised PnL), funding (the reference's
first-ticker funding and Bybit's interval funding), the wallet, the wind-down close, the
pair liquidation estimate and liquidation detection of the venue kernel, with worked
numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.venue.helpers import API, SYMBOL, Sim, make_sim, utc_ms
from venue import (
    FirstTickFunding,
    FundingConfig,
    FundingPoint,
    FundingSchedule,
    RecordedFunding,
)
from venue.liquidation import pair_liquidation_prices
from venue.models import Execution, OrderStatus

D = Decimal
RATE = D("0.0001")


def _open_long(sim: Sim, price: str, qty: str, *, at: int | None = None) -> None:
    """A long Buy at ``price`` filled by a ticker one tick below it (strict_cross)."""
    sim.place("Buy", price, qty)
    [fill] = sim.tick(str(D(price) - D("0.1")), at=at)
    assert fill.exec_price == D(price)


def _open_short(sim: Sim, price: str, qty: str, *, at: int | None = None) -> None:
    sim.place("Sell", price, qty)
    [fill] = sim.tick(str(D(price) + D("0.1")), at=at)
    assert fill.exec_price == D(price)


def _funding(sim: Sim) -> list[Execution]:
    return [e for e in sim.acct().executions if e.exec_type == "Funding"]


# --- commission and the position tracker ---------------------------------------------------


def test_commission_is_qty_times_limit_price_times_rate_on_opens_and_closes() -> None:
    """B-FILL-2: 0.001 × 18283.0 × 0.0002 = 0.0036566 on the open; the close pays
    0.001 × 18319.6 × 0.0002 = 0.00366392 and realises (18319.6 − 18283.0) × 0.001 =
    0.0366 gross (fees are not netted into it, B-FILL-4)."""
    sim = make_sim("strict_cross")
    acct = sim.acct()
    sim.place("Buy", "18283.0", "0.001")
    [opened] = sim.tick("18282.9")
    assert (opened.exec_fee, opened.fee_rate, opened.exec_pnl) == (D("0.0036566"), D("0.0002"), 0)
    sim.place("Sell", "18319.6", "0.001", idx=1)
    [closed] = sim.tick("18319.7")
    assert (closed.exec_fee, closed.exec_pnl, closed.closed_size) == (
        D("0.00366392"),
        D("0.0366"),
        D("0.001"),
    )
    assert (acct.realised, acct.fees) == (D("0.0366"), D("0.00732052"))
    assert acct.wallet == D("10000.02927948")  # 10000 + 0.0366 − 0.00732052


def test_long_average_entry_then_partial_and_full_close_realise_against_the_average() -> None:
    """B-FILL-4 long: 0.001 @ 100.0 + 0.002 @ 103.0 → avg 102.0; Sell 0.001 @ 105.0
    realises +0.003 (avg unchanged); Sell 0.002 @ 101.0 realises −0.002, size 0, avg 0."""
    sim = make_sim("strict_cross")
    acct = sim.acct()
    long = acct.position(SYMBOL, 1)
    _open_long(sim, "100.0", "0.001")
    _open_long(sim, "103.0", "0.002")
    assert (long.size, long.avg_price) == (D("0.003"), D("102.0"))
    sim.place("Sell", "105.0", "0.001", idx=1)
    [partial] = sim.tick("105.1")
    assert (partial.exec_pnl, partial.closed_size) == (D("0.003"), D("0.001"))
    assert (long.size, long.avg_price) == (D("0.002"), D("102.0"))
    sim.place("Sell", "101.0", "0.002", idx=1)
    [full] = sim.tick("101.1")
    assert (full.exec_pnl, full.closed_size) == (D("-0.002"), D("0.002"))
    assert (long.size, long.avg_price) == (0, 0)
    assert acct.realised == D("0.001")
    # fees 0.00002 + 0.0000412 + 0.000021 + 0.0000404
    assert acct.fees == D("0.0001226")
    assert acct.wallet == D("10000.0008774")


def test_short_average_entry_then_partial_and_full_close_realise_against_the_average() -> None:
    """B-FILL-4 short: 0.002 @ 200.0 + 0.001 @ 203.0 → avg 201.0; Buy 0.001 @ 198.0
    realises (201 − 198) × 0.001 = +0.003; Buy 0.002 @ 202.0 realises −0.002; avg 0."""
    sim = make_sim("strict_cross")
    acct = sim.acct()
    short = acct.position(SYMBOL, 2)
    _open_short(sim, "200.0", "0.002")
    _open_short(sim, "203.0", "0.001")
    assert (short.size, short.avg_price) == (D("-0.003"), D("201.0"))
    sim.place("Buy", "198.0", "0.001", idx=2)
    [partial] = sim.tick("197.9")
    assert partial.exec_pnl == D("0.003")
    assert (short.size, short.avg_price) == (D("-0.002"), D("201.0"))
    sim.place("Buy", "202.0", "0.002", idx=2)
    [full] = sim.tick("201.9")
    assert full.exec_pnl == D("-0.002")
    assert (short.size, short.avg_price) == (0, 0)
    assert acct.realised == D("0.001")


def test_average_entry_keeps_the_28_digit_tail_and_realised_pnl_inherits_it() -> None:
    """§0, B-FILL-4: 0.001 @ 100.0 + 0.002 @ 100.1 → avg 0.3002 / 0.003 =
    100.0666666666666666666666667; closing 0.003 at 100.2 realises
    0.1333333333333333333333333 × 0.003 = 0.0003999999999999999999999999."""
    sim = make_sim("strict_cross")
    long = sim.acct().position(SYMBOL, 1)
    _open_long(sim, "100.0", "0.001")
    _open_long(sim, "100.1", "0.002")
    assert long.avg_price == D("100.0666666666666666666666667")
    sim.place("Sell", "100.2", "0.003", idx=1)
    [close] = sim.tick("100.3")
    assert close.exec_pnl == D("0.0003999999999999999999999999")


# --- funding: the reference's first ticker of hours 0/8/16 ---------------------------------


def test_first_tick_funding_settles_the_first_ticker_of_each_funding_hour_once() -> None:
    """B-FUND-1/2: long 0.001 at 99,700 pays 0.001 × 99,700 × 0.0001 = 0.00997 at
    08:00:00.5, nothing at 08:30 and 09:00, 0.00997 again at 16:00:01."""
    sim = make_sim("strict_cross", funding=FirstTickFunding(RATE), start=utc_ms(7))
    acct = sim.acct()
    _open_long(sim, "99700.0", "0.001", at=utc_ms(7, 30))
    sim.tick("99700.0", at=utc_ms(8, 0, 0, 500))
    sim.tick("99700.0", at=utc_ms(8, 30))
    sim.tick("99700.0", at=utc_ms(9))
    sim.tick("99700.0", at=utc_ms(16, 0, 1))
    funding = _funding(sim)
    assert [(e.exec_time_ms, e.exec_fee, e.fee_rate) for e in funding] == [
        (utc_ms(8, 0, 0, 500), D("0.00997"), RATE),
        (utc_ms(16, 0, 1), D("0.00997"), RATE),
    ]
    assert acct.funding == D("-0.01994")
    assert acct.wallet == D("10000") - D("0.01994") - D("0.0199400")  # open fee 0.01994


def test_first_tick_funding_notional_is_size_times_the_tickers_last_not_mark_or_entry() -> None:
    """B-FUND-2: notional = size × tick.last_price: 0.001 × 99,800 × 0.0001 = 0.00998,
    whatever the mark (99,000) and the entry (99,700)."""
    sim = make_sim("strict_cross", funding=FirstTickFunding(RATE), start=utc_ms(7))
    _open_long(sim, "99700.0", "0.001", at=utc_ms(7, 30))
    sim.tick("99800.0", mark="99000.0", at=utc_ms(8, 0, 5))
    [funding] = _funding(sim)
    assert (funding.exec_price, funding.exec_qty, funding.exec_fee) == (
        D("99800.0"),
        D("0.001"),
        D("0.00998"),
    )


def test_first_tick_funding_skips_a_funding_hour_without_a_ticker() -> None:
    """B-FUND-1: no ticker inside 08:00–08:59 → no funding for it; the last ms of hour 16
    still counts."""
    sim = make_sim("strict_cross", funding=FirstTickFunding(RATE), start=utc_ms(7))
    _open_long(sim, "99700.0", "0.001", at=utc_ms(7, 30))
    sim.tick("99700.0", at=utc_ms(7, 59, 59, 999))
    sim.tick("99700.0", at=utc_ms(9))
    sim.tick("99700.0", at=utc_ms(15, 59, 59, 999))
    assert _funding(sim) == []
    sim.tick("99700.0", at=utc_ms(16, 59, 59, 999))
    assert [e.exec_time_ms for e in _funding(sim)] == [utc_ms(16, 59, 59, 999)]


def test_first_tick_funding_first_ticker_of_a_run_inside_a_funding_hour_settles() -> None:
    """B-FUND-1: a run starting at 08:20 settles on its first ticker (08:25), once."""
    sim = make_sim(
        "strict_cross", funding=FirstTickFunding(RATE), start=utc_ms(8, 20), taker_on_place=True
    )
    sim.venue.set_initial_price(SYMBOL, D("99700.0"))
    sim.place("Buy", "99700.0", "0.001")  # takes the seeded ask before any ticker
    assert sim.acct().position(SYMBOL, 1).size == D("0.001")
    sim.tick("99700.0", at=utc_ms(8, 25))
    sim.tick("99700.0", at=utc_ms(8, 50))
    assert [(e.exec_time_ms, e.exec_fee) for e in _funding(sim)] == [(utc_ms(8, 25), D("0.00997"))]


def test_first_tick_funding_clock_is_marked_while_flat() -> None:
    """B-FUND-1: a funding ticker while flat pays nothing but uses up the hour: a position
    opened at 08:10 pays first at 16:00."""
    sim = make_sim("strict_cross", funding=FirstTickFunding(RATE), start=utc_ms(7))
    sim.tick("99700.0", at=utc_ms(8, 0, 1))
    assert sim.venue.funding_history == [(SYMBOL, utc_ms(8, 0, 1), RATE)]
    _open_long(sim, "99700.0", "0.001", at=utc_ms(8, 10))
    sim.tick("99700.0", at=utc_ms(8, 30))
    assert _funding(sim) == []
    sim.tick("99700.0", at=utc_ms(16))
    assert [e.exec_time_ms for e in _funding(sim)] == [utc_ms(16)]


def test_first_tick_funding_equal_legs_cancel_exactly() -> None:
    """B-FUND-2: long pays +0.00997500, short receives it; the funding total stays 0."""
    sim = make_sim("strict_cross", funding=FirstTickFunding(RATE), start=utc_ms(7))
    _open_long(sim, "99700.0", "0.001", at=utc_ms(7, 10))
    _open_short(sim, "99700.0", "0.001", at=utc_ms(7, 20))
    sim.tick("99750.0", at=utc_ms(8))
    long_f, short_f = _funding(sim)
    assert (long_f.position_idx, long_f.side, long_f.exec_fee) == (1, "Buy", D("0.009975"))
    assert (short_f.position_idx, short_f.side, short_f.exec_fee) == (2, "Sell", D("-0.009975"))
    assert sim.acct().funding == 0


def test_first_tick_funding_is_paid_on_the_positions_before_the_tickers_fills() -> None:
    """B-TICK-4: the funding ticker also fills a resting Buy; funding (0.001 × 99,500 ×
    0.0001 = 0.00995) is settled first, on the 0.001 held before it."""
    sim = make_sim("strict_cross", funding=FirstTickFunding(RATE), start=utc_ms(7))
    _open_long(sim, "99700.0", "0.001", at=utc_ms(7, 10))
    sim.place("Buy", "99600.0", "0.001")
    sim.tick("99500.0", at=utc_ms(8, 0, 0, 500))
    *_, funding, fill = sim.acct().executions
    assert (funding.exec_type, funding.exec_qty, funding.exec_fee) == (
        "Funding",
        D("0.001"),
        D("0.00995"),
    )
    assert (fill.exec_type, fill.exec_price) == ("Trade", D("99600.0"))


def test_first_tick_funding_on_the_trade_path_uses_the_funding_trades_own_price() -> None:
    """B-FUND-2 with B-IN-3 (each trade is a tick with last = its price): the first trade
    of 08:00–08:59 settles on its own price: 0.001 × 99,700 × 0.0001 = 0.00997."""
    sim = make_sim("strict_cross", funding=FirstTickFunding(RATE), start=utc_ms(7))
    sim.place("Buy", "100000.0", "0.001")
    [opened] = sim.trade("99999.9", "1", at=utc_ms(7, 30))
    assert opened.exec_price == D("100000.0")
    sim.trade("100000.0", "1", at=utc_ms(7, 59))
    sim.trade("99700.0", "1", at=utc_ms(8, 0, 0, 500))
    [funding] = _funding(sim)
    assert (funding.exec_price, funding.exec_fee) == (D("99700.0"), D("0.00997"))


def test_first_tick_funding_next_ms_is_the_earliest_time_a_ticker_could_settle() -> None:
    """B-FUND-1: next_ms is now while due, else the next start of hour 0/8/16 (UTC)."""
    funding = FirstTickFunding(RATE)
    assert funding.next_ms(utc_ms(7, 30)) == utc_ms(8)
    assert funding.next_ms(utc_ms(8, 10)) == utc_ms(8, 10)  # due, not applied yet
    assert funding.due(utc_ms(8, 10)) == [utc_ms(8, 10)]
    assert funding.next_ms(utc_ms(8, 20)) == utc_ms(16)
    assert funding.due(utc_ms(8, 59, 59, 999)) == []
    assert funding.next_ms(utc_ms(17)) == utc_ms(0, day=10)
    assert funding.next_ms(utc_ms(23, 59, 59, 999)) == utc_ms(0, day=10)
    assert FirstTickFunding(RATE, enabled=False).due(utc_ms(8)) == []


def test_first_tick_funding_disabled_still_marks_the_clock() -> None:
    """B-FUND-1 with enable_funding off: nothing is paid and the hour is still used up."""
    funding = FirstTickFunding(RATE, enabled=False)
    assert funding.due(utc_ms(8)) == []
    assert funding.next_ms(utc_ms(8, 30)) == utc_ms(16)


# --- funding: Bybit's interval schedule ----------------------------------------------------


def test_interval_funding_settles_each_boundary_at_the_mark_of_the_ticker_reaching_it() -> None:
    """FundingSchedule: every 8 h boundary passed is settled (timestamped at the boundary)
    at the mark of the first ticker at or after it; a gap over two boundaries settles
    both, at the same mark."""
    sim = make_sim(
        "strict_cross", funding=FundingSchedule(FundingConfig(rate=RATE)), start=utc_ms(7)
    )
    _open_long(sim, "100000.0", "0.001", at=utc_ms(7, 10))
    assert sim.venue.next_funding_ms(utc_ms(7, 10)) == utc_ms(8)
    sim.tick("99700.0", mark="99800.0", at=utc_ms(8))
    sim.tick("99000.0", mark="99100.0", at=utc_ms(16, 0, 5))
    sim.tick("99000.0", mark="99500.0", at=utc_ms(8, 0, 10, day=10))
    assert [(e.exec_time_ms, e.exec_price, e.exec_fee) for e in _funding(sim)] == [
        (utc_ms(8), D("99800.0"), D("0.00998")),
        (utc_ms(16), D("99100.0"), D("0.00991")),
        (utc_ms(0, day=10), D("99500.0"), D("0.00995")),
        (utc_ms(8, day=10), D("99500.0"), D("0.00995")),
    ]
    assert sim.acct().funding == D("-0.03979")
    assert sim.venue.next_funding_ms(utc_ms(8, 0, 10, day=10)) == utc_ms(16, day=10)


def test_interval_funding_counts_boundaries_strictly_after_the_start() -> None:
    """FundingSchedule.start: a venue started exactly on a boundary settles the next one."""
    sim = make_sim(
        "strict_cross", funding=FundingSchedule(FundingConfig(rate=RATE)), start=utc_ms(8)
    )
    assert sim.venue.next_funding_ms(utc_ms(8)) == utc_ms(16)


# --- wallet and the wind-down close ---------------------------------------------------------


def test_wallet_is_starting_plus_realised_minus_fees_plus_funding() -> None:
    """B-EQ-1, accounts: open 0.002 @ 99,700.2 (fee 0.03988008), funding at 08:00 on last
    99,800 (−0.01996), close at 99,600 (realised −0.2004, fee 0.03984)."""
    sim = make_sim("strict_cross", funding=FirstTickFunding(RATE), start=utc_ms(7))
    acct = sim.acct()
    _open_long(sim, "99700.2", "0.002", at=utc_ms(7, 30))
    sim.tick("99800.0", at=utc_ms(8))
    sim.venue.close_position(API, SYMBOL, 1, D("99600"))
    assert (acct.realised, acct.fees, acct.funding) == (
        D("-0.2004"),
        D("0.07972008"),
        D("-0.01996"),
    )
    assert acct.wallet == D("9999.69991992")


def test_close_position_closes_a_long_at_the_given_price_as_maker() -> None:
    """B-END-2: long 0.002 @ 99,700.2 closed at 99,600 → realised −0.2004, fee 0.03984
    (0.002 × 99,600 × 0.0002); a resting close is cancelled, the leg is flat."""
    sim = make_sim("strict_cross")
    acct = sim.acct()
    _open_long(sim, "99700.2", "0.002")
    resting_close = sim.place("Sell", "99800.0", "0.001", idx=1)
    close = sim.venue.close_position(API, SYMBOL, 1, D("99600"), "wind_down_long")
    assert close is not None
    assert (close.side, close.exec_qty, close.exec_price, close.is_maker) == (
        "Sell",
        D("0.002"),
        D("99600"),
        True,
    )
    assert (close.exec_pnl, close.exec_fee, close.closed_size) == (
        D("-0.2004"),
        D("0.03984"),
        D("0.002"),
    )
    assert close.order_link_id == "wind_down_long"
    long = acct.position(SYMBOL, 1)
    assert (long.size, long.avg_price) == (0, 0)
    assert (resting_close.status, resting_close.cancel_type) == (
        OrderStatus.CANCELLED,
        "CancelByReduceOnly",
    )
    assert acct.wallet == D("9999.71987992")  # 10000 − 0.2004 − 0.03988008 − 0.03984


def test_close_position_closes_a_short_with_a_buy_and_a_flat_leg_returns_none() -> None:
    """B-END-2: short 0.001 @ 99,600 closed at 99,700 → realised −0.1, fee 0.01994;
    the flat long leg gives None."""
    sim = make_sim("strict_cross")
    _open_short(sim, "99600.0", "0.001")
    assert sim.venue.close_position(API, SYMBOL, 1, D("99700")) is None
    close = sim.venue.close_position(API, SYMBOL, 2, D("99700"))
    assert close is not None
    assert (close.side, close.exec_pnl, close.exec_fee) == ("Buy", D("-0.1"), D("0.01994"))
    assert sim.acct().position(SYMBOL, 2).size == 0


# --- the pair liquidation estimate -----------------------------------------------------------


@pytest.mark.parametrize(
    ("long_size", "long_entry", "short_size", "short_entry", "equity", "expected"),
    [
        # both flat
        ("0", "0", "0", "0", "10000", ("0", "0")),
        # pool <= 0: mm = 0.005 × (100 + 200) = 1.5 → each open leg's entry
        ("0.001", "100000", "0.002", "100000", "1.5", ("100000", "100000")),
        ("0.001", "100000", "0.002", "100000", "1", ("100000", "100000")),
        ("0", "0", "0.002", "100000", "1", ("0", "100000")),
        ("0.001", "100000", "0", "0", "0.5", ("100000", "0")),
        # L > S: mm = 0.005 × 400.1 = 2.0005; 100000 − 47.9995 / 0.002 = 76000.25
        ("0.003", "100000", "0.001", "100100", "50", ("76000.25", "0")),
        # L > S, below zero → 0: 100000 − 997.9995 / 0.002 < 0
        ("0.003", "100000", "0.001", "100100", "1000", ("0", "0")),
        # L < S hedged: mm = 2.0015; 100100 + 47.9985 / 0.002 = 124099.25
        ("0.001", "100000", "0.003", "100100", "50", ("0", "124099.25")),
        # L < S hedged, uncapped (quirk): 100100 + 9997.9985 / 0.002
        ("0.001", "100000", "0.003", "100100", "10000", ("0", "5099099.25")),
        # short only: mm = 1; 100000 + 49 / 0.002 = 124500 <= 2 × 100000
        ("0", "0", "0.002", "100000", "50", ("0", "124500")),
        # short only at exactly 2 × entry: kept (only above it is dropped)
        ("0", "0", "0.002", "100000", "201", ("0", "200000")),
        # short only above 2 × entry (quirk): 100000 + 9999 / 0.002 → both 0
        ("0", "0", "0.002", "100000", "10000", ("0", "0")),
        # L = S
        ("0.002", "100000", "0.002", "101000", "10", ("0", "0")),
    ],
)
def test_pair_liquidation_estimate_branches(
    long_size: str,
    long_entry: str,
    short_size: str,
    short_entry: str,
    equity: str,
    expected: tuple[str, str],
) -> None:
    """B-RISK-3: every branch of the pair estimate, BTCUSDT tier 1 (mmr 0.005)."""
    got = pair_liquidation_prices(
        SYMBOL, D(long_size), D(long_entry), D(short_size), D(short_entry), D(equity)
    )
    assert got == (D(expected[0]), D(expected[1]))


def test_pair_liquidation_estimate_uses_the_tier_of_the_summed_value() -> None:
    """B-RISK-3 with P-6: 30 BTC @ 100,000 (value 3,000,000) is tier 2: mm = 3e6 × 0.01 −
    10,000 = 20,000; pool 80,000; long 100,000 − 80,000 / 30."""
    got = pair_liquidation_prices(SYMBOL, D(30), D(100000), D(0), D(0), D(100000))
    assert got == (D("97333.33333333333333333333333"), D(0))


# --- liquidation detection --------------------------------------------------------------------


def test_check_liquidation_records_the_crossing_once_and_rearms_after_recovery() -> None:
    """Liquidation detection: equity <= MM, the tier maintenance margin (P-6) on the
    entry-based value (B-EQ-2): 0.01 × 100,000 × 0.005 = 5, whatever the mark (90,000);
    recorded on entering the state, not again while in it, and again after leaving it."""
    sim = make_sim("strict_cross", usdt="10")
    sim.place("Buy", "100000.0", "0.01")
    sim.tick("99999.9", mark="90000")
    venue = sim.venue
    assert venue.check_liquidation(API, D("5"), 1) is True
    assert venue.check_liquidation(API, D("4"), 2) is True
    assert venue.liquidations == [(API, 1, D("5"), D("5"))]
    assert venue.check_liquidation(API, D("5.01"), 3) is False
    assert venue.check_liquidation(API, D("4.5"), 4) is True
    assert venue.liquidations == [(API, 1, D("5"), D("5")), (API, 4, D("4.5"), D("5"))]


def test_check_liquidation_uses_the_tier_of_the_position_value() -> None:
    """P-6 tier 2: 30 BTC @ 100,000 (value 3,000,000): MM = 3e6 × 0.01 − 10,000 = 20,000
    (tier 1's rate alone would give 15,000)."""
    sim = make_sim("strict_cross", usdt="1000000")
    sim.place("Buy", "100000.0", "30")
    sim.tick("99999.9")
    assert sim.venue.check_liquidation(API, D("20000.01"), 1) is False
    assert sim.venue.check_liquidation(API, D("20000"), 2) is True
    assert sim.venue.liquidations == [(API, 2, D("20000"), D("20000"))]


def test_check_liquidation_never_fires_without_a_position() -> None:
    """Liquidation detection: no position → no maintenance margin → never liquidated."""
    sim = make_sim("strict_cross", usdt="10")
    assert sim.venue.check_liquidation(API, D("-1"), 1) is False
    assert sim.venue.liquidations == []


def test_recorded_funding_settles_at_the_recorded_times_and_rates_on_the_mark() -> None:
    """Replays settle funding where the recorded run did: its times, its rates per
    symbol, on the mark at that moment; nothing in between or after."""
    start = utc_ms(7)
    at_8, at_16 = utc_ms(8), utc_ms(16)
    points = (
        FundingPoint(time_ms=at_8, rate=D("0.0003"), symbol="BTCUSDT"),
        FundingPoint(time_ms=at_16, rate=D("-0.0002"), symbol="BTCUSDT"),
        FundingPoint(time_ms=at_16, rate=D("0.5"), symbol="ETHUSDT"),
    )
    sim = make_sim("strict_cross", funding=RecordedFunding(points), start=start)
    sim.place("Buy", "100000.0", "0.002")
    sim.tick("99000.0", at=start + 1000)  # opens the long
    assert sim.venue.next_funding_ms(start + 1000) == at_8
    sim.tick("99500.0", at=at_8 + 5, mark="99400.0")
    sim.tick("99600.0", at=utc_ms(12), mark="99600.0")
    sim.tick("99700.0", at=at_16 + 1, mark="99800.0")
    funding = [e for e in sim.acct().executions if e.exec_type == "Funding"]
    assert [(e.exec_time_ms, e.fee_rate, e.exec_price, e.exec_fee) for e in funding] == [
        (at_8, D("0.0003"), D("99400.0"), D("0.002") * D("99400.0") * D("0.0003")),
        (at_16, D("-0.0002"), D("99800.0"), D("0.002") * D("99800.0") * D("-0.0002")),
    ]
    assert sim.venue.next_funding_ms(at_16 + 1) > utc_ms(23, day=31)  # none left
