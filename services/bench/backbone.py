"""Recorder ingest and replay throughput, each beside its raw baseline in the same run.

* ingest: events already in JetStream → rows committed by the recorder, against one raw
  asyncpg ``COPY`` of the very same rows into a plain table with the same columns.
* replay: stored rows → messages republished by the replayer, against a raw nats-py
  ``publish`` loop of the same payloads. Delivery is what the server delivers to a
  subscriber, counted in C in a child process (``DeliveryCounter``), so neither a slow
  Python subscriber nor a JetStream ingest queue (which drops un-acked publishes past
  its cap) can skew it.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import asyncpg

from bus import Bus
from services.bench._delivery import DeliveryCounter
from services.bench.report import Figure
from services.bench.workload import BENCH_NS, Workload
from services.recorder import Recorder, RecorderConfig
from services.replayer import Replayer, ReplayRequest
from store import count_events

_RAW_TABLE = """
CREATE TABLE bench_raw_copy (
    ns text, event_id text, kind text, symbol text, account_id text,
    ts_exchange_ms bigint, ts_local_ns bigint, stream_seq bigint, subject text, payload bytea
)
"""


# Context only: what the event store's unique key and indexes cost a plain COPY.
_STORE_INDEXES = """
ALTER TABLE bench_raw_copy ADD PRIMARY KEY (ns, event_id);
CREATE INDEX ON bench_raw_copy (ns, stream_seq);
CREATE INDEX ON bench_raw_copy (ns, kind, symbol, account_id, ts_exchange_ms);
"""


async def raw_copy(pool: asyncpg.Pool, work: Workload, *, indexed: bool = False) -> float:
    async with pool.acquire() as conn:
        await conn.execute(_RAW_TABLE)
        if indexed:
            await conn.execute(_STORE_INDEXES)
        t0 = time.perf_counter()
        await conn.copy_records_to_table("bench_raw_copy", records=work.rows)
        elapsed = time.perf_counter() - t0
        await conn.execute("DROP TABLE bench_raw_copy")
    return elapsed


async def preload(bus: Bus, work: Workload) -> float:
    await bus.ensure_stream()
    t0 = time.perf_counter()
    for i in range(len(work)):
        await bus.publish_durable_nowait(work.subjects[i], work.payloads[i], work.event_id(i))
    await bus.wait_durable(timeout=600)
    return time.perf_counter() - t0


async def record(bus: Bus, pool: asyncpg.Pool, n: int) -> tuple[float, int]:
    recorder = Recorder(bus, pool, RecorderConfig(batch_size=5000, report_every_s=60))
    stop = asyncio.Event()
    t0 = time.perf_counter()
    task = asyncio.create_task(recorder.run(stop))
    while recorder.stats.written + recorder.stats.duplicates < n:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - t0
    stop.set()
    await task
    async with pool.acquire() as conn:
        stored = await count_events(conn, BENCH_NS)
        # Untimed: what autovacuum does after a bulk load, so the replay that follows
        # is not measured against the vacuum of the rows just written.
        await conn.execute("VACUUM ANALYZE events, event_keys")
    return elapsed, stored


async def raw_publish(bus: Bus, work: Workload) -> tuple[float, int]:
    tag = uuid.uuid4().hex[:8]
    publish = bus.nc.publish
    wire = bus.wire(f"rawbench{tag}.md.bybit.BTCUSDT.trade")
    async with DeliveryCounter(bus.config.url, bus.wire(f"rawbench{tag}.>")) as delivered:
        t0 = time.perf_counter()
        for payload in work.payloads:
            await publish(wire, payload)
        await bus.nc.flush(timeout=60)
        elapsed = time.perf_counter() - t0
        return elapsed, await delivered.wait(len(work))


async def replay(bus: Bus, pool: asyncpg.Pool, n: int) -> tuple[float, int]:
    run_id = f"bench{uuid.uuid4().hex[:8]}"
    async with DeliveryCounter(bus.config.url, bus.wire(f"replay.{run_id}.md.>")) as delivered:
        result = await Replayer(bus, pool, chunk=10_000).replay(
            ReplayRequest(source_ns=BENCH_NS, run_id=run_id), show_progress=False
        )
        return result.seconds, await delivered.wait(n)


async def run(bus: Bus, pool: asyncpg.Pool, work: Workload) -> list[Figure]:
    n = len(work)
    copy_s = await raw_copy(pool, work)
    indexed_copy_s = await raw_copy(pool, work, indexed=True)
    publish_s = await preload(bus, work)
    record_s, stored = await record(bus, pool, n)
    raw_pub_s, raw_delivered = await raw_publish(bus, work)
    replay_s, replayed = await replay(bus, pool, n)
    ingest, copy_rate = n / record_s, n / copy_s
    rep, raw_rate = n / replay_s, n / raw_pub_s
    return [
        Figure("jetstream publish (pipelined, acked)", n / publish_s, "events/s", note="setup"),
        Figure("raw asyncpg COPY, same rows", copy_rate, "rows/s", note="baseline"),
        Figure(
            "  raw COPY into a table with the store's indexes", n / indexed_copy_s, "rows/s",
            ratio=n / indexed_copy_s / copy_rate, note="context: unique key + 2 indexes",
        ),
        Figure(
            "recorder ingest → rows committed", ingest, "events/s",
            ratio=ingest / copy_rate, loss=n - stored, target="ratio ≥ 0.5, loss 0",
        ),
        Figure(
            "raw nats-py publish, same payloads", raw_rate, "msgs/s",
            loss=n - raw_delivered, note="baseline",
        ),
        Figure(
            "replay rows → republished", rep, "events/s",
            ratio=rep / raw_rate, loss=n - replayed, target="ratio ≥ 0.5, loss 0",
        ),
    ]  # fmt: skip
