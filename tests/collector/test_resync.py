"""``ResyncRequest`` → snapshots published (acknowledged) → ``ResyncDone`` reply."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import proto
from bus import Bus, BusConfig
from bybit import PlaceOrder
from services.collector.resync import NOT_SERVED
from services.exchange_sim import ExchangeSim
from tests.collector.helpers import (
    ACCOUNT_A,
    KEY_A,
    RESYNC_SUBJECT,
    SYMBOL,
    account_a,
    collector_config,
    resting_buy,
    running,
    trader,
)


async def _request(bus: Bus, request: proto.ResyncRequest) -> proto.ResyncDone:
    """Request/reply on a subject the capture stream holds: JetStream stores the request
    and answers with its PubAck too, so wait for the reply that is a ``ResyncDone``
    (``nc.request`` would return whichever comes first, usually the PubAck)."""
    inbox = bus.nc.new_inbox()
    sub = await bus.nc.subscribe(inbox)
    try:
        await bus.nc.publish(bus.wire(RESYNC_SUBJECT), proto.encode(request), reply=inbox)
        async with asyncio.timeout(20):
            while True:
                msg = await sub.next_msg(timeout=20)
                try:
                    done = proto.decode(msg.data, proto.Family.SYS)
                except proto.ProtoDecodeError:
                    continue  # {"stream": …, "seq": …}: the stream stored the request
                assert isinstance(done, proto.ResyncDone)
                return done
    finally:
        await sub.unsubscribe()


async def test_resync_publishes_every_snapshot_before_replying(
    exchange_sim: ExchangeSim, bus: Bus, bus_config: BusConfig
) -> None:
    sim = exchange_sim
    await bus.ensure_stream()
    async with running(bus_config, sim, collector_config(), [account_a(sim)], public=False):
        async with trader(sim) as trade:
            await trade.place_order(resting_buy("59000", "rq-1"))
            await trade.place_order(resting_buy("58000", "rq-2"))
            await trade.place_order(
                PlaceOrder(
                    symbol=SYMBOL, side="Buy", orderType="Market", qty="0.002", positionIdx=1
                )
            )
        received: list[proto.Message] = []

        async def on_event(subject: str, message: proto.Message) -> None:
            received.append(message)

        sub = await bus.subscribe(f"live.acct.{ACCOUNT_A}.>", on_event)
        await bus.flush()
        request = proto.ResyncRequest(
            event_id="rs-1",
            ts_exchange_ms=0,
            ts_local_ns=0,
            requester="engine-1",
            accounts=[ACCOUNT_A, "elsewhere"],
            symbols=[SYMBOL],
        )
        done = await _request(bus, request)
        # Only the snapshot is back-filled (the start-up back-fill ran before ready).
        snapshot = [m for m in received if getattr(m, "backfilled", False)]
        await sub.unsubscribe()

    # In the simulator's own terms: open orders, both hedge-mode legs of the symbol, USDT.
    legs = {idx: sim.position(KEY_A, SYMBOL, idx) for idx in (1, 2)}
    expected = len(sim.open_orders(KEY_A)) + len(legs) + 1
    assert expected == 5
    assert done.published == {ACCOUNT_A: expected}
    assert done.failed == {"elsewhere": NOT_SERVED}
    assert done.event_id == "resync_done:rs-1"
    assert len(snapshot) == expected  # all of them arrived before the reply
    assert sorted(type(m).__name__ for m in snapshot) == [
        "OrderUpdate",
        "OrderUpdate",
        "Position",
        "Position",
        "Wallet",
    ]
    orders = {m.order_link_id for m in snapshot if isinstance(m, proto.OrderUpdate)}
    assert orders == {"rq-1", "rq-2"}
    sizes = {m.position_idx: m.size for m in snapshot if isinstance(m, proto.Position)}
    assert sizes == {idx: Decimal(leg["size"]) for idx, leg in legs.items()}
    assert sizes[1] > 0


async def test_resync_reports_rest_failures_per_account(
    exchange_sim: ExchangeSim, bus: Bus, bus_config: BusConfig
) -> None:
    sim = exchange_sim
    await bus.ensure_stream()
    config = collector_config(backfill_attempts=2)
    async with running(bus_config, sim, config, [account_a(sim)], public=False) as collector:
        sim.faults.set_error_rate(1.0, "http_5xx")
        request = proto.ResyncRequest(
            event_id="rs-2",
            ts_exchange_ms=0,
            ts_local_ns=0,
            requester="engine-1",
            accounts=[ACCOUNT_A],
        )
        done = await _request(bus, request)
        sim.faults.clear()
        assert done.published == {ACCOUNT_A: 0}
        assert "open orders" in done.failed[ACCOUNT_A] and "wallet" in done.failed[ACCOUNT_A]
        assert collector.stats.backfill_errors >= 2 * 3  # orders, positions, wallet
        again = await _request(
            bus,
            proto.ResyncRequest(
                event_id="rs-3",
                ts_exchange_ms=0,
                ts_local_ns=0,
                requester="engine-1",
                accounts=[ACCOUNT_A],
            ),
        )
    assert again.failed == {}
    assert again.published[ACCOUNT_A] >= 3  # flat BTCUSDT legs and the wallet
