"""Live websocket events → bus: one message per exchange frame, ``Nats-Msg-Id`` = event id."""

from __future__ import annotations

from decimal import Decimal

import proto
from bus import Bus, BusConfig
from services.exchange_sim import ExchangeSim
from tests.collector.helpers import (
    ACCOUNT_A,
    SYMBOL,
    Stored,
    account_a,
    collector_config,
    of_type,
    resting_buy,
    running,
    sim_bybit,
    sim_trade_ids,
    stored_trade_ids,
    trader,
    wait_stored,
)


async def test_trades_and_account_events_are_published_with_their_event_ids(
    exchange_sim: ExchangeSim, bus: Bus, bus_config: BusConfig
) -> None:
    sim = exchange_sim
    await bus.ensure_stream()
    async with running(bus_config, sim, collector_config(), [account_a(sim)]) as collector:
        for price in ("60010", "60020.5", "60005"):
            sim.trade(SYMBOL, price, "0.01", side="Buy")
        async with trader(sim) as trade:
            ack = await trade.place_order(resting_buy("59000", "live-1"))
            await wait_stored(
                bus,
                lambda items: any(
                    o.order_id == ack.orderId for o in of_type(items, proto.OrderUpdate)
                ),
                "the resting order",
            )
            sim.trade(SYMBOL, "58990", "0.01", side="Sell")  # strictly through: fills it

            def complete(items: list[Stored]) -> bool:
                kinds = {type(s.message) for s in items if not getattr(s.message, "backfilled", 0)}
                return {proto.Execution, proto.Position, proto.Wallet} <= kinds and set(
                    stored_trade_ids(items)
                ) == set(sim_trade_ids(sim))

            items = await wait_stored(bus, complete, "trades, execution, position, wallet")

        assert collector.stats.stream_failures == 0
    frames = [s for s in items if isinstance(s.message, proto.TradeFrame)]
    assert [s.subject for s in frames] == ["live.md.bybit.BTCUSDT.trade"] * 4
    assert all(not s.message.backfilled for s in frames)
    assert sorted(stored_trade_ids(items)) == sorted(sim_trade_ids(sim))
    for s in items:  # every message: its id is the header, its subject the proto's
        assert s.msg_id == s.message.event_id
        assert s.subject == proto.subject_for("live", s.message)
    (execution,) = of_type(items, proto.Execution)
    assert execution.order_id == ack.orderId and execution.account_id == ACCOUNT_A
    assert execution.price == Decimal("59000") and execution.is_maker
    assert not execution.backfilled
    acct_subjects = {s.subject for s in items if s.subject.startswith("live.acct.")}
    assert {
        f"live.acct.{ACCOUNT_A}.order",
        f"live.acct.{ACCOUNT_A}.execution",
        f"live.acct.{ACCOUNT_A}.position",
        f"live.acct.{ACCOUNT_A}.wallet",
    } <= acct_subjects
    tickers = of_type(items, proto.Ticker)
    assert tickers and tickers[-1].symbol == SYMBOL
    assert collector.stats.published["trade"] == 4


async def test_a_max_speed_feed_is_stored_completely_once(
    exchange_sim_walk: ExchangeSim, bus: Bus, bus_config: BusConfig
) -> None:
    """10k trades (two random walks, speed max) plus their tickers: every frame stored,
    none dropped; a real BTC hour is about 36k frames."""
    sim = exchange_sim_walk
    await bus.ensure_stream()
    config = collector_config(symbols=["BTCUSDT", "ETHUSDT"])
    # A roomy websocket queue: the check is completeness, not how the shared CI machine
    # schedules the simulator against the collector in one process.
    public = sim_bybit(sim, ws_queue_size=100_000)
    async with running(bus_config, sim, config, [], public_config=public) as collector:
        await sim.start_feed()
        played = await sim.feed_done()

        def complete(items: list[Stored]) -> bool:
            return sum(stored_trade_ids(items).values()) >= played

        items = await wait_stored(bus, complete, "every trade of the feed")
        (ws,) = collector.ws_clients
        assert ws.dropped_events == 0 and ws.parse_errors == 0
    trade_ids = stored_trade_ids(items)
    assert len(trade_ids) == played == 10_000 and set(trade_ids.values()) == {1}
    assert collector.stats.publish_retries == 0
    frames = of_type(items, proto.TradeFrame)
    assert collector.stats.published["trade"] == len(frames)
