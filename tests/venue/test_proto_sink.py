"""The kernel's reports as proto events (``venue.proto_sink.ProtoSink``): per fill
OrderUpdate → Execution → Position → Wallet, full-precision Decimals, the pair
liquidation estimate on positions, and funding as an ``Execution`` of type Funding."""

from __future__ import annotations

from decimal import Decimal

import proto
from tests.venue.helpers import Sim, make_sim, utc_ms
from venue import FirstTickFunding

D = Decimal
ACCOUNT = "acct-K1"


def _drain(sim: Sim) -> list[proto.Message]:
    assert sim.sink is not None
    return sim.sink.drain()


def _kinds(events: list[proto.Message]) -> list[type]:
    return [type(e) for e in events]


def test_placing_reports_the_new_order_then_its_leg_then_the_wallet() -> None:
    """Sink order: order → position → wallet for a resting order (no execution)."""
    sim = make_sim("strict_cross", proto=True)
    sim.place("Buy", "100.0", "0.001")
    order, position, wallet = _drain(sim)
    assert isinstance(order, proto.OrderUpdate) and order.status is proto.OrderStatus.NEW
    assert isinstance(position, proto.Position) and position.size == 0
    assert isinstance(wallet, proto.Wallet) and wallet.wallet_balance == D("10000")


def test_ticker_fill_reports_order_execution_position_wallet_with_liq_and_equity() -> None:
    """One fill: OrderUpdate → Execution → Position → Wallet. Buy 0.001 @ 18,283.0 on a
    5 USDT account, mark 18,282.5: fee 0.0036566, wallet 4.9963434, unrealised −0.0005,
    equity 4.9958434, available 4.9958434 − 18.283 / 10 = 3.1675434; long liq (B-RISK-3):
    mm 18.283 × 0.005 = 0.091415, 18,283.0 − (4.9958434 − 0.091415) / 0.001 = 13,378.5716."""
    sim = make_sim("strict_cross", proto=True, usdt="5")
    placed = sim.place("Buy", "18283.0", "0.001")
    _drain(sim)
    sim.tick("18282.9", mark="18282.5")
    now = sim.clock.now_ms()
    events = _drain(sim)
    assert _kinds(events) == [proto.OrderUpdate, proto.Execution, proto.Position, proto.Wallet]
    order, execution, position, wallet = events
    assert isinstance(order, proto.OrderUpdate)
    assert (order.account_id, order.order_id, order.status) == (
        ACCOUNT,
        placed.order_id,
        proto.OrderStatus.FILLED,
    )
    assert (order.qty, order.leaves_qty, order.cum_exec_qty) == (D("0.001"), 0, D("0.001"))
    assert isinstance(execution, proto.Execution)
    assert execution.exec_type is proto.ExecType.TRADE
    assert (execution.side, execution.price, execution.qty) == (
        proto.Side.BUY,
        D("18283.0"),
        D("0.001"),
    )
    assert (execution.fee, execution.fee_rate, execution.is_maker) == (
        D("0.0036566"),
        D("0.0002"),
        True,
    )
    assert (execution.closed_size, execution.leaves_qty, execution.exec_pnl) == (0, 0, 0)
    assert execution.ts_exchange_ms == now
    assert isinstance(position, proto.Position)
    assert (position.position_idx, position.side, position.size, position.avg_price) == (
        1,
        proto.Side.BUY,
        D("0.001"),
        D("18283.0"),
    )
    assert (position.mark_price, position.unrealised_pnl) == (D("18282.5"), D("-0.0005"))
    assert position.liq_price == D("13378.5716")
    assert position.cum_realised_pnl == D("-0.0036566")  # the fee is realised
    assert isinstance(wallet, proto.Wallet)
    assert (wallet.wallet_balance, wallet.unrealised_pnl, wallet.equity) == (
        D("4.9963434"),
        D("-0.0005"),
        D("4.9958434"),
    )
    assert wallet.available_balance == D("3.1675434")


def test_events_keep_the_kernels_full_precision() -> None:
    """No rounding: avg 0.3002 / 0.003 = 100.0666666666666666666666667, unrealised at
    100.0 is −0.0002000000000000000000000001 and equity = wallet_balance + unrealised =
    9999.99993996 − 0.0002000000000000000000000001 (28 significant digits)."""
    sim = make_sim("strict_cross", proto=True)
    sim.place("Buy", "100.0", "0.001")
    sim.tick("99.9")
    sim.place("Buy", "100.1", "0.002")
    _drain(sim)
    sim.tick("100.0")
    *_, position, wallet = _drain(sim)
    assert isinstance(position, proto.Position) and isinstance(wallet, proto.Wallet)
    assert position.avg_price == D("100.0666666666666666666666667")
    assert position.unrealised_pnl == D("-0.0002000000000000000000000001")
    assert wallet.wallet_balance == D("9999.99993996")  # fees 0.00002 + 0.00004004
    assert wallet.unrealised_pnl == D("-0.0002000000000000000000000001")
    assert wallet.equity == D("9999.999739960000000000000000")
    assert wallet.equity == wallet.wallet_balance + wallet.unrealised_pnl


def test_wire_money_is_what_the_exchange_wire_gives_a_collector() -> None:
    """The same fills as above with ``wire_money`` (the simbroker's): money at 8
    decimals, half up, as exchange-sim renders it and a collector parses it."""
    sim = make_sim("strict_cross", proto=True, wire_money=True)
    sim.place("Buy", "100.0", "0.001")
    sim.tick("99.9")
    sim.place("Buy", "100.1", "0.002")
    _drain(sim)
    sim.tick("100.0")
    *_, execution, position, wallet = _drain(sim)
    assert isinstance(execution, proto.Execution) and execution.fee == D("0.00004004")
    assert isinstance(position, proto.Position) and isinstance(wallet, proto.Wallet)
    assert position.unrealised_pnl == D("-0.00020000")
    assert wallet.equity == D("9999.99973996") and wallet.unrealised_pnl == D("-0.00020000")


def test_two_fills_of_one_ticker_are_reported_fill_by_fill() -> None:
    """The ticker path flushes after each fill: each fill's four events, in order, with
    the position as it was after that fill."""
    sim = make_sim("strict_cross", proto=True)
    sim.place("Buy", "100.0", "0.001")
    sim.place("Buy", "100.5", "0.002")
    _drain(sim)
    sim.tick("99.0")
    events = _drain(sim)
    assert _kinds(events) == [proto.OrderUpdate, proto.Execution, proto.Position, proto.Wallet] * 2
    first, second = events[2], events[6]
    assert isinstance(first, proto.Position) and isinstance(second, proto.Position)
    assert (first.size, second.size) == (D("0.001"), D("0.003"))


def test_trade_path_batch_reports_orders_then_executions_then_one_position_and_wallet() -> None:
    """The trade path flushes once per call: every order update, then every execution,
    then each touched leg once and the wallet once, in their state at the flush."""
    sim = make_sim("strict_cross", proto=True)
    a = sim.place("Buy", "100.0", "0.001")
    b = sim.place("Buy", "100.5", "0.002")
    _drain(sim)
    sim.trade("99.0", "1")
    events = _drain(sim)
    assert _kinds(events) == [
        proto.OrderUpdate,
        proto.OrderUpdate,
        proto.Execution,
        proto.Execution,
        proto.Position,
        proto.Wallet,
    ]
    o1, o2, e1, e2, position, _ = events
    assert isinstance(o1, proto.OrderUpdate) and isinstance(o2, proto.OrderUpdate)
    assert (o1.order_id, o2.order_id) == (b.order_id, a.order_id)  # best price first
    assert isinstance(e1, proto.Execution) and isinstance(e2, proto.Execution)
    assert (e1.price, e2.price) == (D("100.5"), D("100.0"))
    assert isinstance(position, proto.Position) and position.size == D("0.003")


def test_a_fill_on_one_leg_reports_both_legs_with_the_hedged_pair_liq_estimate() -> None:
    """B-RISK-3, L < S hedged: long 0.001 @ 100,000, short 0.003 @ 100,100 on 50 USDT,
    mark 100,000: equity 50 − 0.08006 fees + 0.3 = 50.21994, mm 0.005 × 400.3 = 2.0015,
    short liq 100,100 + 48.21844 / 0.002 = 124,209.22, long liq 0. The short's fill
    reports the long too: its estimate moved with the short."""
    sim = make_sim("strict_cross", proto=True, usdt="50")
    sim.place("Buy", "100000.0", "0.001")
    sim.tick("99999.9", mark="100000")
    sim.place("Sell", "100100.0", "0.003")
    _drain(sim)
    sim.tick("100100.1", mark="100000")
    events = _drain(sim)
    assert _kinds(events) == [
        proto.OrderUpdate,
        proto.Execution,
        proto.Position,
        proto.Position,
        proto.Wallet,
    ]
    short, long = events[2], events[3]
    assert isinstance(short, proto.Position) and isinstance(long, proto.Position)
    assert (short.position_idx, short.side, short.size, short.unrealised_pnl) == (
        2,
        proto.Side.SELL,
        D("0.003"),
        D("0.3"),
    )
    assert short.liq_price == D("124209.22")
    assert (long.position_idx, long.size, long.liq_price) == (1, D("0.001"), 0)


def test_funding_reports_an_execution_of_type_funding_then_position_and_wallet() -> None:
    """B-FUND-2 as events: long 0.001 pays 0.00997 at 08:00:00.5 (last 99,700): an
    Execution (type Funding, fee 0.00997, rate 0.0001, no order), the leg, the wallet."""
    sim = make_sim(
        "strict_cross", proto=True, funding=FirstTickFunding(D("0.0001")), start=utc_ms(7)
    )
    sim.place("Buy", "99700.0", "0.001")
    sim.tick("99699.9", at=utc_ms(7, 30))
    _drain(sim)
    sim.tick("99700.0", at=utc_ms(8, 0, 0, 500))
    events = _drain(sim)
    assert _kinds(events) == [proto.Execution, proto.Position, proto.Wallet]
    funding, position, wallet = events
    assert isinstance(funding, proto.Execution)
    assert funding.exec_type is proto.ExecType.FUNDING
    assert (funding.side, funding.price, funding.qty) == (proto.Side.BUY, D("99700.0"), D("0.001"))
    assert (funding.fee, funding.fee_rate, funding.order_id) == (D("0.00997"), D("0.0001"), "")
    assert funding.ts_exchange_ms == utc_ms(8, 0, 0, 500)
    assert isinstance(position, proto.Position) and position.size == D("0.001")
    assert isinstance(wallet, proto.Wallet)
    assert wallet.wallet_balance == D("9999.97009")  # 10000 − 0.01994 fee − 0.00997
