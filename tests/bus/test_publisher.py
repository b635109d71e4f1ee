"""Durable publishing: pipelined, retried until stored, never dropped."""

from __future__ import annotations

import asyncio

import proto
from bus import Bus, DurablePublisher, PublishStats
from tests.collector.helpers import WAIT_S, stored
from tests.fixtures.events import trade_frame


def _publisher(bus: Bus, stats: PublishStats, **kw: float) -> DurablePublisher:
    options = {"timeout_s": 2.0, "max_in_flight": 100, "retry_max_s": 0.2, **kw}
    return DurablePublisher(bus, "live", stats, **options)  # type: ignore[arg-type]


async def test_events_published_before_the_stream_exists_are_stored_once_it_does(
    bus: Bus,
) -> None:
    stats = PublishStats()
    publisher = _publisher(bus, stats)
    acks = asyncio.create_task(publisher.run())
    try:
        frames = [trade_frame(i) for i in range(5)]
        done = [await publisher.publish(f) for f in frames]
        async with asyncio.timeout(WAIT_S):  # no stream: refused, retried with backoff
            while stats.publish_retries < 3:  # noqa: ASYNC110 (a counter)
                await asyncio.sleep(0.05)
        assert not any(d.done() for d in done[1:])
        await bus.ensure_stream()
        await asyncio.wait_for(asyncio.gather(*done), WAIT_S)
        assert await publisher.flush(WAIT_S)
    finally:
        acks.cancel()
    items = await stored(bus)
    assert sorted(s.msg_id for s in items) == sorted(f.event_id for f in frames)
    assert stats.published["trade"] == 5 and publisher.in_flight == 0


async def test_pipelined_publishes_keep_their_order_and_bound(bus: Bus) -> None:
    await bus.ensure_stream()
    stats = PublishStats()
    publisher = _publisher(bus, stats, max_in_flight=8)
    acks = asyncio.create_task(publisher.run())
    try:
        frames = [trade_frame(i) for i in range(500)]
        for frame in frames:
            await publisher.publish(frame)
            assert publisher.in_flight <= 8
        assert await publisher.flush(WAIT_S)
    finally:
        acks.cancel()
    items = await stored(bus)
    assert [s.message.event_id for s in items] == [f.event_id for f in frames]
    assert stats.publish_retries == 0 and stats.published_total == 500
    assert isinstance(items[0].message, proto.TradeFrame)
