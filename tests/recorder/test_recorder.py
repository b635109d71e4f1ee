"""The recorder against real NATS JetStream and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

import proto
from bus import Bus, BusConfig
from services.recorder import Recorder, RecorderConfig
from store import count_events
from tests.fixtures.events import mixed_stream, trade_frame
from tests.fixtures.wait import until


@contextlib.asynccontextmanager
async def running(recorder: Recorder) -> AsyncIterator[asyncio.Event]:
    stop = asyncio.Event()
    task = asyncio.create_task(recorder.run(stop))
    try:
        yield stop
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def wait_rows(pool: asyncpg.Pool, ns: str, n: int, timeout: float = 20.0) -> int:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with pool.acquire() as conn:
            have = await count_events(conn, ns)
        if have >= n or loop.time() > deadline:
            return have
        await asyncio.sleep(0.05)


async def publish_all(bus: Bus, messages: list[proto.Message], ns: str = "live") -> None:
    for m in messages:
        await bus.publish_durable_nowait(proto.subject_for(ns, m), proto.encode(m), m.event_id)
    await bus.wait_durable()


async def test_restart_resumes_after_the_committed_offset(bus: Bus, pool: asyncpg.Pool) -> None:
    await bus.ensure_stream()
    await publish_all(bus, [trade_frame(i) for i in range(40)])
    first = Recorder(bus, pool, RecorderConfig(batch_size=15))
    async with running(first):
        assert await wait_rows(pool, "live", 40) == 40
    await publish_all(bus, [trade_frame(i) for i in range(40, 60)])
    second = Recorder(bus, pool, RecorderConfig(batch_size=15))
    async with running(second):
        assert await wait_rows(pool, "live", 60) == 60
    assert second.stats.received == 20  # nothing before the offset was read again
    assert second.stats.last_seq == 60


async def test_records_every_event_once_with_stream_order(bus: Bus, pool: asyncpg.Pool) -> None:
    await bus.ensure_stream()
    messages = mixed_stream(3000)
    recorder = Recorder(bus, pool, RecorderConfig(batch_size=500, report_every_s=0.2))
    async with running(recorder):
        await publish_all(bus, messages)
        assert await wait_rows(pool, "live", 3000) == 3000
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT event_id, payload FROM events ORDER BY stream_seq")
    assert [r["event_id"] for r in rows] == [m.event_id for m in messages]
    assert [bytes(r["payload"]) for r in rows] == [proto.encode(m) for m in messages]
    assert recorder.stats.written == 3000


async def test_redelivered_duplicates_never_create_a_second_row(
    bus: Bus, pool: asyncpg.Pool
) -> None:
    await bus.ensure_stream()
    frames = [trade_frame(i) for i in range(50)]
    await publish_all(bus, frames)
    async with running(Recorder(bus, pool, RecorderConfig(batch_size=20))):
        assert await wait_rows(pool, "live", 50) == 50
    # A second reader re-reads the whole stream, as a lost offset would make it.
    again = Recorder(bus, pool, RecorderConfig(durable="second", batch_size=20))
    async with running(again):
        for _ in range(100):
            if again.stats.received >= 50:
                break
            await asyncio.sleep(0.05)
    assert again.stats.received == 50
    assert again.stats.written == 0
    assert again.stats.duplicates == 50
    async with pool.acquire() as conn:
        assert await count_events(conn, "live") == 50


async def test_malformed_payloads_go_to_dead_letters_and_good_ones_are_stored(
    bus: Bus, pool: asyncpg.Pool
) -> None:
    await bus.ensure_stream()
    good = [trade_frame(i) for i in range(30)]
    bad = [
        ("live.md.bybit.BTCUSDT.trade", b"\x00garbage"),
        ("live.md.bybit.BTCUSDT.trade", proto.encode(good[0])[:-3]),  # truncated
        ("live.acct.a1.execution", proto.encode(good[1])),  # trade on an execution subject
        ("live.md.bybit.ETHUSDT.trade", proto.encode(good[3])),  # BTCUSDT frame, ETH subject
        ("live.weird.subject", proto.encode(good[2])),
    ]
    for i, m in enumerate(good):
        await bus.publish_durable_nowait(proto.subject_for("live", m), proto.encode(m), m.event_id)
        if i % 6 == 0 and bad:
            subject, payload = bad.pop()
            await bus.publish_durable_nowait(subject, payload, f"bad-{i}")
    await bus.wait_durable()
    recorder = Recorder(bus, pool, RecorderConfig(batch_size=7))
    async with running(recorder):
        assert await wait_rows(pool, "live", 30) == 30
        for _ in range(100):
            if recorder.stats.dead_letters == 5:
                break
            await asyncio.sleep(0.05)
    async with pool.acquire() as conn:
        dead = await conn.fetch("SELECT subject, reason FROM dead_letters ORDER BY stream_seq")
    assert len(dead) == 5
    reasons = " | ".join(r["reason"] for r in dead)
    assert "published on live.md.bybit.ETHUSDT.trade, expected live.md.bybit.BTCUSDT" in reasons
    assert "unknown family" in reasons
    assert "cannot decode message as acct" in reasons
    assert "truncated" in reasons


def _recorder_env(bus_config: BusConfig, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GRIDTWIN_NATS_URL=bus_config.url,
        GRIDTWIN_DATABASE_URL=database_url,
        GRIDTWIN_BUS_PREFIX=bus_config.prefix,
    )
    return env


async def _spawn_recorder(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.recorder", "--batch-size", "200",
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


@pytest.mark.slow
async def test_sigkill_mid_stream_then_restart_stores_every_event_exactly_once(
    bus: Bus, bus_config: BusConfig, pool: asyncpg.Pool, database_url: str
) -> None:
    await bus.ensure_stream()
    messages = mixed_stream(20_000, seed=11)
    env = _recorder_env(bus_config, database_url)
    proc = await _spawn_recorder(env)
    publisher = asyncio.create_task(publish_all(bus, messages))
    # Kill it while the stream is still arriving and batches are in flight.
    have = await wait_rows(pool, "live", 2000, timeout=30)
    assert 0 < have < 20_000, "recorder should be mid-stream when killed"
    proc.send_signal(signal.SIGKILL)
    await proc.wait()
    await publisher
    proc = await _spawn_recorder(env)
    try:
        assert await wait_rows(pool, "live", 20_000, timeout=45) == 20_000
    finally:
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 15) == 0  # graceful stop on SIGTERM
    async with pool.acquire() as conn:
        ids = [r[0] for r in await conn.fetch("SELECT event_id FROM events ORDER BY stream_seq")]
    assert ids == [m.event_id for m in messages]


async def test_postgres_restart_mid_run_loses_nothing_and_the_recorder_carries_on(
    bus: Bus, tmp_path: Path
) -> None:
    """PostgreSQL stopped under a recording recorder and started again on the same data
    directory: the recorder reports itself unhealthy, waits, resumes from the committed
    offset and stores every event exactly once."""
    from infra.postgres import EmbeddedPostgres
    from store import create_pool

    server = EmbeddedPostgres(tmp_path / "pg")
    await server.start()
    pool = await create_pool(server.url, max_size=4)
    try:
        await bus.ensure_stream()
        recorder = Recorder(bus, pool, RecorderConfig(batch_size=50, reconnect_backoff_s=(0.2,)))
        async with running(recorder):
            await publish_all(bus, [trade_frame(i) for i in range(300)])
            assert await wait_rows(pool, "live", 300) == 300
            assert recorder.healthy
            await server.stop()  # fast shutdown: every connection is cut
            await publish_all(bus, [trade_frame(i) for i in range(300, 800)])
            await until(lambda: not recorder.healthy and recorder.stats.database_outages > 0)
            await server.start()  # same data dir and port
            assert await wait_rows(pool, "live", 800, timeout=60) == 800
            await until(lambda: recorder.healthy)
            await publish_all(bus, [trade_frame(i) for i in range(800, 900)])
            assert await wait_rows(pool, "live", 900) == 900
        async with pool.acquire() as conn:
            ids = await conn.fetchval(
                "SELECT count(DISTINCT event_id) FROM events WHERE ns = 'live'"
            )
        assert ids == 900  # exactly once
        assert recorder.stats.database_outages >= 1
    finally:
        await pool.close()
        await server.stop()
