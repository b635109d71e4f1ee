"""V-20: our accounting of a run's executions against what the exchange reported."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import proto
from compare.pnl_check import check_pnl
from tests.venue.helpers import make_sim, utc_ms
from venue import FirstTickFunding
from venue.errors import BybitError

D = Decimal
T0 = 1_607_472_000_000
ACCT = "acc1"
SYM = "BTCUSDT"


def _exec(
    i: int,
    side: str,
    price: str,
    qty: str,
    *,
    fee: str,
    pnl: str = "0",
    closed: str = "0",
    kind: proto.ExecType = proto.ExecType.TRADE,
    rate: str = "0.0002",
    order: str | None = None,
) -> proto.Execution:
    return proto.Execution(
        event_id=f"exec:e{i}",
        ts_exchange_ms=T0 + i * 1000,
        ts_local_ns=(T0 + i * 1000) * 1_000_000,
        account_id=ACCT,
        symbol=SYM,
        exec_id=f"e{i}",
        exec_type=kind,
        order_id=order or f"o{i}",
        order_link_id="",
        side=proto.Side(side),
        price=D(price),
        qty=D(qty),
        fee=D(fee),
        fee_rate=D(rate),
        is_maker=True,
        closed_size=D(closed),
        leaves_qty=D(0),
        exec_pnl=D(pnl),
    )


def _pos(
    i: int,
    idx: int,
    size: str,
    avg: str,
    *,
    cum: str,
    mark: str | None = None,
    upnl: str = "0",
    value: str | None = None,
    im: str | None = None,
    mm: str | None = None,
) -> proto.Position:
    return proto.Position(
        event_id=f"position:{ACCT}:{SYM}:{idx}:{i}",
        ts_exchange_ms=T0 + i * 1000,
        ts_local_ns=(T0 + i * 1000) * 1_000_000,
        account_id=ACCT,
        symbol=SYM,
        position_idx=idx,
        side=proto.Side.BUY if idx == 1 else proto.Side.SELL,
        size=D(size),
        avg_price=D(avg),
        mark_price=None if mark is None else D(mark),
        unrealised_pnl=D(upnl),
        cum_realised_pnl=D(cum),
        position_value=None if value is None else D(value),
        position_im=None if im is None else D(im),
        position_mm=None if mm is None else D(mm),
    )


def _long_session(**overrides: str) -> list[proto.Message]:
    """Long leg: Buy 0.002 @ 18,300 and 0.001 @ 18,000 (average 18,200), Sell 0.002 @
    18,400 closes 0.4 gross, funding at 18,500 × 0.0001 on the 0.001 left pays 0.00185.
    Fees 0.00732 + 0.0036 + 0.00736; cumulative realised 0.4 − 0.01828 − 0.00185 =
    0.37987; at mark 18,500: unrealised 0.3, value 18.5, IM 0.185 (1 %), MM 0.0925."""
    figures = {"fee3": "0.00736", "pnl3": "0.4", "funding": "0.00185", "cum": "0.37987",
               "upnl": "0.3", "value": "18.5", "im": "0.185", "mm": "0.0925"}  # fmt: skip
    figures.update(overrides)
    return [
        _pos(0, 1, "0", "0", cum="0"),
        _exec(1, "Buy", "18300", "0.002", fee="0.00732"),
        _exec(2, "Buy", "18000", "0.001", fee="0.0036"),
        _exec(
            3, "Sell", "18400", "0.002", fee=figures["fee3"], pnl=figures["pnl3"], closed="0.002"
        ),
        _exec(
            4,
            "Buy",
            "18500",
            "0.001",
            fee=figures["funding"],
            rate="0.0001",
            kind=proto.ExecType.FUNDING,
            order="",
        ),
        _pos(
            4,
            1,
            "0.001",
            "18200",
            cum=figures["cum"],
            mark="18500",
            upnl=figures["upnl"],
            value=figures["value"],
            im=figures["im"],
            mm=figures["mm"],
        ),
    ]


def test_exchange_figures_that_follow_the_p_formulas_all_pass() -> None:
    check = check_pnl(_long_session())
    assert check.exit_code == 0 and check.failures == []
    assert (check.executions, check.positions) == (4, 2)
    totals = {t.field: t for t in check.totals()}
    assert totals["execFee"].ours == D("0.01828") and totals["execFee"].checked == 3
    assert totals["execPnl"].ours == D("0.4")
    assert totals["funding"].ours == D("0.00185")
    assert [t.field for t in check.totals()] == [
        "execFee", "execPnl", "funding", "cumRealisedPnl", "unrealisedPnl",
        "positionValue", "positionIM", "positionMM",
    ]  # fmt: skip
    assert "acc1 BTCUSDT long: baseline is its first position event" in check.notes[0]


@pytest.mark.parametrize(
    ("field", "override", "reported"),
    [
        ("execFee", {"fee3": "0.01836"}, "0.01836"),  # a fee 0.011 off
        ("execPnl", {"pnl3": "0.38"}, "0.38"),
        ("funding", {"funding": "0.02"}, "0.02"),
        ("unrealisedPnl", {"upnl": "0.2"}, "0.2"),
        ("positionIM", {"im": "1.85"}, "1.85"),  # value / leverage 10, not the 1 % tier
        ("positionMM", {"mm": "0.2"}, "0.2"),
    ],
)
def test_a_field_off_by_more_than_a_cent_is_a_named_difference(
    field: str, override: dict[str, str], reported: str
) -> None:
    check = check_pnl(_long_session(**{k: v for k, v in override.items()}))
    assert check.exit_code == 1
    bad = [row for row in check.failures if row.field == field]
    assert len(bad) == 1 and bad[0].exchange == D(reported)
    assert {row.field for row in check.failures} == {field}  # ours is never reset to theirs


def test_the_tolerance_is_inclusive_and_configurable() -> None:
    exactly_a_cent = check_pnl(_long_session(fee3="0.01736", cum="0.36987"))
    assert exactly_a_cent.exit_code == 0
    strict = check_pnl(_long_session(fee3="0.00737", cum="0.37986"), tolerance=D("0.000001"))
    assert {row.field for row in strict.failures} == {"execFee", "cumRealisedPnl"}
    with pytest.raises(ValueError, match="tolerance"):
        check_pnl([], tolerance=D("-0.01"))


def test_a_fill_missing_from_the_recording_shows_in_every_later_position_field() -> None:
    session = _long_session()
    del session[2]  # the 0.001 @ 18,000 buy was never recorded
    check = check_pnl(session)
    failed = {row.field for row in check.failures}
    # We closed 0.002 of our 0.002 at average 18,300: pnl 0.2, not the exchange's 0.4;
    # flat afterwards, so no unrealised and no value where it has 0.001 (our funding of 0
    # is within a cent of its 0.00185).
    assert failed == {"execPnl", "cumRealisedPnl", "unrealisedPnl", "positionValue",
                      "positionIM", "positionMM"}  # fmt: skip


def test_baselines_seed_a_window_that_starts_mid_run() -> None:
    before = _pos(-1, 1, "0.002", "18300", cum="1.5")
    window = [_exec(3, "Sell", "18400", "0.002", fee="0.00736", pnl="0.2", closed="0.002"),
              _pos(3, 1, "0", "0", cum="1.69264", mark="18400")]  # fmt: skip
    check = check_pnl(window, baselines={(ACCT, SYM, "long"): before})
    assert check.exit_code == 0
    assert "acc1 BTCUSDT long: baseline is the position at 2020-12-08T23:59:59.000Z" in check.notes
    flat = check_pnl(window)
    assert "acc1 BTCUSDT long: no position before its first execution, starts flat" in flat.notes
    assert {row.field for row in flat.failures} == {"execPnl", "cumRealisedPnl"}


def test_the_leg_of_a_fill_comes_from_its_order_else_from_closed_size() -> None:
    short_open = _exec(1, "Sell", "18300", "0.001", fee="0.00366", order="a")
    short_close = _exec(2, "Buy", "18200", "0.001", fee="0.00364", pnl="0.1", order="b")
    order = proto.OrderUpdate(
        event_id="order:b", ts_exchange_ms=T0 + 2000, ts_local_ns=0, account_id=ACCT,
        symbol=SYM, order_id="b", order_link_id="", side=proto.Side.BUY, position_idx=2,
        price=D("18200"), qty=D("0.001"), leaves_qty=D(0), cum_exec_qty=D("0.001"),
        status=proto.OrderStatus.FILLED,
    )  # fmt: skip
    # No closed size on the close: only the order's position index says it is the short.
    assert check_pnl([short_open, short_close, order]).exit_code == 0
    wrong = check_pnl([short_open, short_close])  # read as a long opening: pnl 0
    assert [row.field for row in wrong.failures] == ["execPnl"]


def test_no_events_is_nothing_checked_and_other_kinds_are_named() -> None:
    assert check_pnl([]).exit_code == 2
    settle = _exec(1, "Buy", "18300", "0.001", fee="0", kind=proto.ExecType.SETTLE)
    one_way = _pos(2, 0, "0", "0", cum="0")
    check = check_pnl([settle, one_way])
    assert check.exit_code == 2
    assert check.notes == [
        "1 Settle executions not checked",
        "1 one-way (position index 0) position events not checked",
    ]


def test_the_venue_kernel_agrees_with_our_accounting_on_both_legs_and_funding() -> None:
    """A hedge-mode session on the venue kernel (the exchange simulator's and the
    simbroker's accounting): fills on both legs, partial closes, funding at 08:00."""
    sim = make_sim("strict_cross", proto=True, funding=FirstTickFunding(D("0.0001")),
                   start=utc_ms(7))  # fmt: skip
    events: list[proto.Message] = []
    sim.place("Buy", "18300.0", "0.003")
    sim.place("Sell", "18350.0", "0.002")
    sim.tick("18320.0", mark="18321.0", at=utc_ms(7, 1))
    sim.tick("18299.0", mark="18299.5", at=utc_ms(7, 2))  # long opens 0.003
    sim.tick("18351.0", mark="18350.5", at=utc_ms(7, 3))  # short opens 0.002
    sim.place("Sell", "18360.0", "0.001", idx=1)  # long closes a third
    sim.place("Buy", "18340.0", "0.001", idx=2)  # short closes half
    sim.tick("18361.0", mark="18360.0", at=utc_ms(7, 4))
    sim.tick("18339.0", mark="18339.5", at=utc_ms(7, 5))
    sim.tick("18345.0", mark="18344.0", at=utc_ms(8, 0, 0, 500))  # funding, both legs
    sim.place("Buy", "18330.0", "0.001")
    sim.tick("18329.0", mark="18329.5", at=utc_ms(8, 1))
    assert sim.sink is not None
    events = sim.sink.drain()
    check = check_pnl(events)
    kinds = {row.field for row in check.rows}
    assert {"execFee", "execPnl", "funding", "cumRealisedPnl", "unrealisedPnl"} <= kinds
    assert sum(row.field == "funding" for row in check.rows) == 2
    assert check.failures == [], check.failures[:3]
    assert check.exit_code == 0


_ORDER = st.tuples(
    st.sampled_from([("Buy", 1), ("Sell", 2), ("Sell", 1), ("Buy", 2)]),
    st.integers(-30, 30),  # price offset from 18,300.0 in 0.5 steps
    st.integers(1, 5),  # qty in 0.001
)


@settings(max_examples=40, deadline=None)
@given(
    orders=st.lists(_ORDER, min_size=1, max_size=12),
    path=st.lists(st.integers(-40, 40), min_size=2, max_size=12),
)
def test_any_kernel_session_agrees_with_our_accounting(
    orders: list[tuple[tuple[str, int], int, int]], path: list[int]
) -> None:
    """Whatever the kernel fills (opens, partial and over-sized reduce-only closes,
    funding on both legs), its fees, realised PnL and positions follow P-9."""
    sim = make_sim("strict_cross", proto=True, funding=FirstTickFunding(D("0.0001")),
                   start=utc_ms(7))  # fmt: skip
    minute = 0
    for i, ((side, idx), offset, lots) in enumerate(orders):
        with contextlib.suppress(BybitError):  # a close with nothing to close is refused
            sim.place(side, str(D("18300.0") + D(offset) / 2), str(D(lots) / 1000), idx=idx)
        step = path[i % len(path)]
        minute += 9
        sim.tick(str(D("18300.0") + D(step) / 2), mark=str(D("18300.0") + D(step) / 2 + 1),
                 at=utc_ms(7) + minute * 60_000)  # fmt: skip
    assert sim.sink is not None
    check = check_pnl(sim.sink.drain())
    assert check.failures == [], check.failures[:3]
