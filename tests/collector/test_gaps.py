"""Gaps: websocket drops, a restarted collector, REST failing during the back-fill."""

from __future__ import annotations

import asyncio

import proto
from bus import Bus, BusConfig
from services.collector import Collector
from services.exchange_sim import ExchangeSim
from tests.collector.helpers import (
    ACCOUNT_A,
    KEY_A,
    SYMBOL,
    WAIT_S,
    Stored,
    account_a,
    collector_config,
    gaps_closed,
    of_type,
    resting_buy,
    running,
    sim_bybit,
    sim_exec_ids,
    sim_trade_ids,
    stored_exec_ids,
    stored_trade_ids,
    trader,
    wait_stored,
)

PRIVATE_A = f"private:{ACCOUNT_A}"


def everything_once(items: list[Stored], sim: ExchangeSim) -> bool:
    trades, execs = stored_trade_ids(items), stored_exec_ids(items)
    return set(trades) == set(sim_trade_ids(sim)) and set(execs) == set(sim_exec_ids(sim))


def assert_exactly_once(items: list[Stored], sim: ExchangeSim) -> None:
    trades, execs = stored_trade_ids(items), stored_exec_ids(items)
    assert sorted(trades) == sorted(sim_trade_ids(sim)), "every trade, each once"
    assert sorted(execs) == sorted(sim_exec_ids(sim)), "every execution, each once"
    ids = [s.msg_id for s in items]
    assert len(ids) == len(set(ids)), "no event stored twice"


async def test_ws_drop_is_a_gap_and_the_backfill_recovers_every_trade_and_fill(
    exchange_sim: ExchangeSim, bus: Bus, bus_config: BusConfig
) -> None:
    sim = exchange_sim
    await bus.ensure_stream()
    async with running(bus_config, sim, collector_config(), [account_a(sim)]) as collector:
        sim.trade(SYMBOL, "60010", "0.01", side="Buy")
        sim.trade(SYMBOL, "60020", "0.01", side="Sell")
        async with trader(sim) as trade:
            await trade.place_order(resting_buy("59000", "gap-1"))
            await trade.place_order(resting_buy("58000", "gap-2"))
        await wait_stored(bus, lambda i: everything_once(i, sim), "the live trades")
        await wait_stored(bus, lambda i: len(of_type(i, proto.OrderUpdate)) >= 2, "the orders")

        assert sim.faults.drop_ws() == 2  # public and private; nothing below yields
        sim.trade(SYMBOL, "60030", "0.02", side="Buy")
        sim.trade(SYMBOL, "58990", "0.01", side="Sell")  # fills gap-1 while down
        sim.trade(SYMBOL, "59990", "0.03", side="Sell")
        sim.trade(SYMBOL, "57990", "0.01", side="Sell")  # fills gap-2 while down
        missed = sim_trade_ids(sim)[-4:]

        def recovered(items: list[Stored]) -> bool:
            return (
                gaps_closed(items, "public")
                and gaps_closed(items, PRIVATE_A)
                and everything_once(items, sim)
            )

        await wait_stored(bus, recovered, "both gaps closed and everything recovered")
        sim.trade(SYMBOL, "60000", "0.01", side="Buy")  # live again
        items = await wait_stored(bus, lambda i: everything_once(i, sim), "the trade after")
        assert collector.stats.gaps == 2

    assert len(sim_exec_ids(sim)) == 2
    assert_exactly_once(items, sim)
    backfilled = {
        t.trade_id for f in of_type(items, proto.TradeFrame) if f.backfilled for t in f.trades
    }
    assert backfilled == set(missed)
    assert all(e.backfilled for e in of_type(items, proto.Execution))
    (public_end,) = [g for g in of_type(items, proto.GapEnd) if g.stream == "public"]
    (public_start,) = [g for g in of_type(items, proto.GapStart) if g.stream == "public"]
    assert public_end.started_ns == public_start.ts_local_ns
    assert public_end.backfilled_count == 4 + 1  # the missed trades and the ticker
    assert public_start.event_id == f"gap_start:public:{public_start.ts_local_ns}"
    (private_end,) = [g for g in of_type(items, proto.GapEnd) if g.stream == PRIVATE_A]
    assert private_end.backfilled_count >= 2  # the executions, then the snapshots
    # GapStart comes before the back-filled events of its stream, GapEnd after them.
    order = [s.message.event_id for s in items]
    first_bf = min(
        order.index(f.event_id) for f in of_type(items, proto.TradeFrame) if f.backfilled
    )
    assert order.index(public_start.event_id) < first_bf < order.index(public_end.event_id)


async def test_a_restarted_collector_recovers_what_happened_while_it_was_down(
    exchange_sim: ExchangeSim, bus: Bus, bus_config: BusConfig
) -> None:
    sim = exchange_sim
    await bus.ensure_stream()
    config = collector_config()
    async with trader(sim) as trade:
        async with running(bus_config, sim, config, [account_a(sim)]):
            await trade.place_order(resting_buy("59000", "rs-1"))
            sim.trade(SYMBOL, "58990", "0.01", side="Sell")  # a live fill
            await wait_stored(bus, lambda i: everything_once(i, sim), "the live fill")
        # Stopped: the market and the account move on.
        await trade.place_order(resting_buy("58500", "rs-2"))
        sim.trade(SYMBOL, "58400", "0.01", side="Sell")  # fills rs-2
        sim.trade(SYMBOL, "58450", "0.02", side="Buy")
        async with running(bus_config, sim, config, [account_a(sim)]) as second:
            items = await wait_stored(
                bus,
                lambda i: gaps_closed(i, "public") and gaps_closed(i, PRIVATE_A),
                "the restart gaps",
            )
            sim.trade(SYMBOL, "58460", "0.01", side="Buy")  # live again
            items = await wait_stored(bus, lambda i: everything_once(i, sim), "all of it")
            assert second.stats.gaps == 2

    assert_exactly_once(items, sim)
    first, second_exec = sorted(of_type(items, proto.Execution), key=lambda e: e.ts_exchange_ms)
    assert not first.backfilled and second_exec.backfilled
    assert {g.reason for g in of_type(items, proto.GapStart)} == {"collector restart"}


async def test_a_cancelled_collector_loses_nothing_on_restart(
    exchange_sim: ExchangeSim, bus: Bus, bus_config: BusConfig
) -> None:
    """Cancelled mid-run (no graceful drain): the next run still stores each event once."""
    sim = exchange_sim
    await bus.ensure_stream()
    config = collector_config()
    async with trader(sim) as trade, Bus(bus_config) as collector_bus:
        first = Collector(collector_bus, config, sim_bybit(sim), [account_a(sim)])
        task = asyncio.create_task(first.run(asyncio.Event()))
        await asyncio.wait_for(first.ready.wait(), WAIT_S)
        await trade.place_order(resting_buy("59000", "cx-1"))
        sim.trade(SYMBOL, "58990", "0.01", side="Sell")
        await wait_stored(bus, lambda i: everything_once(i, sim), "the live fill")
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await trade.place_order(resting_buy("58000", "cx-2"))
        sim.trade(SYMBOL, "57990", "0.01", side="Sell")
        async with running(bus_config, sim, config, [account_a(sim)]):
            items = await wait_stored(bus, lambda i: everything_once(i, sim), "all of it")
    assert_exactly_once(items, sim)
    assert len(sim_exec_ids(sim, KEY_A)) == 2


async def test_rest_errors_during_a_backfill_are_counted_and_recovered_later(
    exchange_sim: ExchangeSim, bus: Bus, bus_config: BusConfig
) -> None:
    sim = exchange_sim
    await bus.ensure_stream()
    async with running(bus_config, sim, collector_config(), []) as collector:
        sim.trade(SYMBOL, "60010", "0.01", side="Buy")
        await wait_stored(bus, lambda i: everything_once(i, sim), "the live trade")
        sim.faults.set_error_rate(1.0, "http_5xx")
        sim.faults.drop_ws()
        sim.trade(SYMBOL, "60020", "0.01", side="Buy")
        sim.trade(SYMBOL, "60030", "0.01", side="Sell")
        items = await wait_stored(bus, lambda i: gaps_closed(i, "public"), "the failed gap")
        (end,) = of_type(items, proto.GapEnd)
        assert end.backfilled_count == 0
        assert collector.stats.backfill_errors >= 3
        assert collector.stats.backfill_incomplete >= 1
        sim.faults.clear()  # the retry after backfill_retry_after_s now succeeds
        items = await wait_stored(bus, lambda i: everything_once(i, sim), "the retried back-fill")
        sim.trade(SYMBOL, "60040", "0.01", side="Buy")
        items = await wait_stored(bus, lambda i: everything_once(i, sim), "the next live trade")
        assert collector.stats.stream_failures == 0
    assert_exactly_once(items, sim)
    assert collector.stats.backfilled >= 2
