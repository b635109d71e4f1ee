"""The executor's answers are recorded: a JetStream publish the server refuses is
re-published until stored, never replaced by an unrecorded core publish."""

from __future__ import annotations

import asyncio

import structlog

from bus import Bus
from proto import ExecutorLease
from services.executor.clock import SystemClock
from services.executor.outbox import Outbox
from services.executor.stats import ExecutorStats
from tests.collector.helpers import WAIT_S, stored
from tests.executor.helpers import ACCOUNT, fast_config


async def test_an_answer_refused_by_jetstream_is_stored_once_the_stream_is_back(
    bus: Bus,
) -> None:
    stats = ExecutorStats()
    outbox = Outbox(
        bus, fast_config(), ACCOUNT, clock=SystemClock(), stats=stats,
        log=structlog.get_logger("test"),
    )  # fmt: skip
    acks = asyncio.create_task(outbox.run_acks())
    try:
        # No capture stream yet: JetStream refuses; emit waits its bound, then returns.
        emitted = asyncio.create_task(outbox.lease(active=True, term=7))
        async with asyncio.timeout(WAIT_S):
            while stats.publish_retries < 2:  # noqa: ASYNC110 (a counter)
                await asyncio.sleep(0.05)
        await bus.ensure_stream()
        await asyncio.wait_for(emitted, WAIT_S)
        await outbox.close(WAIT_S)
    finally:
        acks.cancel()
    items = await stored(bus)
    (lease,) = [s.message for s in items if isinstance(s.message, ExecutorLease)]
    assert (lease.account_id, lease.active) == (ACCOUNT, True)
    assert stats.unacknowledged_at_stop == 0
