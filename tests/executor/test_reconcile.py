"""Open-order reconciliation and the account stream feeding the executor's view."""

from __future__ import annotations

import time
from decimal import Decimal

import msgspec

from bus import Bus, BusConfig
from proto import (
    ExecReject,
    ExecResult,
    OrderStatus,
    OrderUpdate,
    Position,
    ReconcileReport,
    RejectReason,
    Side,
    Wallet,
)
from services.exchange_sim import ExchangeSim
from services.executor import ShiftedClock
from tests.executor.helpers import (
    ACCOUNT,
    KEY_A,
    NS,
    SYMBOL,
    batch,
    executor_account,
    fast_config,
    inbox,
    limit,
    open_links,
    place,
    results_subject,
    running,
    sim_trade,
    sys_subject,
    until,
)

OURS = "0123456789abcdef"


async def test_reconcile_adopts_ours_reports_orphans_then_missing(
    exchange_sim: ExchangeSim, bus: Bus, bus_config: BusConfig
) -> None:
    sim = exchange_sim
    link = f"{OURS}-1700000000000"
    async with sim_trade(sim) as trade:  # left by an earlier run, and one placed by hand
        mine = await trade.place_order(limit("57000", link))
        foreign = await trade.place_order(limit("56000", "manual-order-1"))
    clock = ShiftedClock()
    async with (
        inbox(bus, sys_subject("reconcile")) as reports,
        inbox(bus, results_subject()) as results,
        running(bus_config, [executor_account(sim)], fast_config(), clock=clock) as executor,
    ):
        await until(lambda: len(reports.messages) == 1)  # sent before intents are taken
        (first,) = reports.of(ReconcileReport)
        assert (first.account_id, first.instance) == (ACCOUNT, executor.config.instance)
        assert first.open_orders == 2
        assert first.adopted == [link]
        assert first.orphans == [foreign.orderId]
        assert first.missing == []

        again = batch(place("57000", coid=OURS))  # the engine re-emits the adopted order
        await bus.publish(NS, again)
        (dup,) = await results.answers(again)
        assert isinstance(dup, ExecReject) and dup.reason == RejectReason.DUPLICATE

        async with sim_trade(sim) as trade:  # cancelled behind the executor's back
            await trade.cancel_order(SYMBOL, order_id=mine.orderId)
        clock.advance(61)  # the next period
        await until(lambda: len(reports.of(ReconcileReport)) == 2)
        second = reports.of(ReconcileReport)[1]
        assert (second.missing, second.adopted, second.orphans) == ([link], [], [foreign.orderId])
        assert second.open_orders == 1

        free = batch(place("57000", coid=OURS), ts_local_ns=clock.time_ns())
        await bus.publish(NS, free)
        (placed,) = await results.answers(free)
        assert isinstance(placed, ExecResult)
    assert sorted(open_links(sim)) == sorted([placed.order_link_id, "manual-order-1"])


async def test_account_stream_feeds_orders_positions_and_wallet(
    exchange_sim: ExchangeSim, bus: Bus, bus_config: BusConfig
) -> None:
    sim = exchange_sim
    async with (
        inbox(bus, results_subject()) as results,
        running(bus_config, [executor_account(sim)], fast_config()) as executor,
    ):
        worker = executor.worker(ACCOUNT)
        assert worker is not None
        b = batch(place("59000"))
        await bus.publish(NS, b)
        (placed,) = await results.answers(b)
        assert worker.book.get(placed.order_link_id) is not None

        now = time.time_ns()
        filled = OrderUpdate(
            event_id="order:x:filled",
            ts_exchange_ms=now // 1_000_000,
            ts_local_ns=now,
            account_id=ACCOUNT,
            symbol=SYMBOL,
            order_id=placed.order_id,
            order_link_id=placed.order_link_id,
            side=Side.BUY,
            position_idx=1,
            price=Decimal("59000"),
            qty=Decimal("0.001"),
            leaves_qty=Decimal(0),
            cum_exec_qty=Decimal("0.001"),
            status=OrderStatus.FILLED,
            updated_ms=now // 1_000_000,
        )
        stale_new = msgspec.structs.replace(filled, status=OrderStatus.NEW, updated_ms=1)
        await bus.publish(NS, filled)
        await bus.publish(NS, stale_new)  # older, and the order is gone: ignored
        await until(lambda: worker.book.get(placed.order_link_id) is None)

        long = Position(
            event_id="position:x",
            ts_exchange_ms=now // 1_000_000,
            ts_local_ns=now,
            account_id=ACCOUNT,
            symbol=SYMBOL,
            position_idx=1,
            side=Side.BUY,
            size=Decimal("0.002"),
            avg_price=Decimal("59000"),
            seq=5,
        )
        await bus.publish(NS, long)
        await until(lambda: worker.book.position_size(SYMBOL, 1) == Decimal("0.002"))
        close = batch(place("61000", side="Sell", reduce_only=True))
        await bus.publish(NS, close)
        (answer,) = await results.answers(close)
        # The gate passed on the streamed position; the simulator has none and refuses.
        assert isinstance(answer, ExecReject) and answer.reason == RejectReason.EXCHANGE
        assert answer.ret_code == 110017

        poor = Wallet(
            event_id="wallet:x",
            ts_exchange_ms=now // 1_000_000,
            ts_local_ns=now,
            account_id=ACCOUNT,
            coin="USDT",
            equity=Decimal(1),
            wallet_balance=Decimal(1),
            available_balance=Decimal(1),
        )
        await bus.publish(NS, poor)
        await until(lambda: worker.wallet.fresh() == Decimal(1))
        opening = batch(place("58000"))
        await bus.publish(NS, opening)
        (answer,) = await results.answers(opening)
        assert answer.reason == RejectReason.LOW_BALANCE
    assert len(sim.orders(KEY_A)) == 1
