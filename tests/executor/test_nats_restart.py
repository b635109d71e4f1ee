"""The executor heals by itself when the NATS server dies and comes back (kill -9, then a
restart on the same port and store): it leads its accounts again and answers intents."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import msgspec

from bus import Bus, BusConfig
from infra.nats_server import EmbeddedNats
from proto import ExecResult
from services.exchange_sim import ExchangeSim
from tests.executor.helpers import (
    ACCOUNT,
    batch,
    executor_account,
    fast_config,
    inbox,
    place,
    results_subject,
    running,
    until,
)

RECOVERY_BOUND_S = 20.0


async def test_executor_answers_again_after_nats_is_killed_and_restarted(
    exchange_sim: ExchangeSim, bus_config: BusConfig, tmp_path: Path
) -> None:
    server = EmbeddedNats(tmp_path / "nats")
    await server.start()
    config = msgspec.structs.replace(bus_config, url=server.url)
    bus = Bus(config)
    await bus.connect()
    try:
        async with (
            inbox(bus, results_subject()) as results,
            running(config, [executor_account(exchange_sim)], fast_config()) as executor,
        ):
            before = batch(place("59000"))
            await bus.publish("live", before)
            assert all(isinstance(m, ExecResult) for m in await results.answers(before))

            await server.kill()
            # Unhealthy while the lease bucket cannot be asked (/healthz says so).
            await until(lambda: not executor.healthy(stuck_s=0.5), timeout=10)
            await asyncio.sleep(1.0)  # with the wait above, longer than the lease TTL
            await server.start()  # same port, same store
            killed_at = time.monotonic()

            await until(lambda: ACCOUNT in executor.leading, timeout=RECOVERY_BOUND_S)
            after = batch(place("58000"))
            await bus.publish("live", after)
            answered = None
            while answered is None and time.monotonic() - killed_at < RECOVERY_BOUND_S:
                with_timeout = results.answers(after, timeout=2.0)
                try:
                    answered = await with_timeout
                except TimeoutError:
                    await bus.publish("live", after)  # a publish lost in the reconnect
                    continue
            recovered_s = time.monotonic() - killed_at
            assert executor.healthy(stuck_s=0.5)
            print(f"executor answering again {recovered_s:.1f} s after the restart")
            assert answered is not None, "no answer after the NATS restart"
            assert all(isinstance(m, ExecResult) for m in answered)
    finally:
        await bus.close()
        await server.stop()
