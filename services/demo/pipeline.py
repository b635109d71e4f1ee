"""``make run``: record a market stream through the real recorder, replay it through the
real replayer, and check the replay is byte-identical to what was recorded."""

from __future__ import annotations

import asyncio
import time
import uuid

import asyncpg
import msgspec
import structlog
from nats.aio.msg import Msg

import proto
from bus import Bus, BusConfig
from infra import Settings
from obs.progress import Progress
from services.demo import frames as demo_frames
from services.demo.servers import demo_servers
from services.recorder import Recorder, RecorderConfig
from services.replayer import Replayer, ReplayRequest
from store import count_events, create_pool

log = structlog.get_logger(__name__)


class DemoSummary(msgspec.Struct, kw_only=True):
    source: str
    frames: int
    trades: int
    publish_s: float
    record_s: float
    replay_s: float
    stored: int
    dead_letters: int
    replayed: int
    identical: bool
    mismatch: str = ""


async def run_demo(settings: Settings, *, keep: bool = False) -> DemoSummary:
    path = settings.data_file(demo_frames.REAL_HOUR)
    source = str(path) if path else "seeded random walk (real data not found)"
    print(f"market data: {source}")
    stream = await asyncio.to_thread(lambda: demo_frames.frames(demo_frames.trades(path)))
    async with demo_servers(settings, keep=keep) as servers:
        return await _record_and_replay(
            servers.nats_url, servers.database_url, servers.prefix, stream, source
        )


async def _record_and_replay(
    nats_url: str, db_url: str, prefix: str, stream: list[proto.TradeFrame], source: str
) -> DemoSummary:
    pool = await create_pool(db_url, max_size=4)
    try:
        async with Bus(BusConfig(url=nats_url, name="demo", prefix=prefix)) as bus:
            await bus.ensure_stream()
            publish_s, record_s, recorder = await _record(bus, pool, stream)
            replay_s, captured = await _replay(bus, pool)
            async with pool.acquire() as conn:
                stored = await count_events(conn, "live")
                recorded = await conn.fetch(
                    "SELECT subject, payload FROM events ORDER BY stream_seq"
                )
    finally:
        await pool.close()
    mismatch = _compare(recorded, captured)
    return DemoSummary(
        source=source,
        frames=len(stream),
        trades=sum(len(f.trades) for f in stream),
        publish_s=publish_s,
        record_s=record_s,
        replay_s=replay_s,
        stored=stored,
        dead_letters=recorder.stats.dead_letters,
        replayed=len(captured),
        identical=not mismatch,
        mismatch=mismatch,
    )


async def _record(
    bus: Bus, pool: asyncpg.Pool, stream: list[proto.TradeFrame]
) -> tuple[float, float, Recorder]:
    recorder = Recorder(bus, pool, RecorderConfig(report_every_s=30))
    stop = asyncio.Event()
    task = asyncio.create_task(recorder.run(stop))
    t0 = time.monotonic()
    progress = Progress("publish", len(stream))
    for frame in stream:
        subject = proto.subject_for("live", frame)
        await bus.publish_durable_nowait(subject, proto.encode(frame), frame.event_id)
        progress.advance(1)
    await bus.wait_durable(timeout=120)
    publish_s = progress.finish()
    progress = Progress("record", len(stream))
    while recorder.stats.written + recorder.stats.duplicates < len(stream):
        if task.done():
            task.result()  # the recorder died: surface why
        await asyncio.sleep(0.05)
        progress.done = recorder.stats.written
        progress.advance(0)
    progress.finish()
    record_s = time.monotonic() - t0
    stop.set()
    await task
    return publish_s, record_s, recorder


async def _replay(bus: Bus, pool: asyncpg.Pool) -> tuple[float, list[tuple[str, bytes]]]:
    run_id = f"demo{uuid.uuid4().hex[:8]}"
    captured: list[tuple[str, bytes]] = []
    ended = asyncio.Event()

    async def on_msg(msg: Msg) -> None:
        subject = bus.logical(msg.subject)
        if ".sys.replayer." in subject:
            if subject.endswith("replay_end"):
                ended.set()
            return
        captured.append((subject, msg.data))

    sub = await bus.nc.subscribe(bus.wire(f"replay.{run_id}.>"), cb=on_msg, pending_msgs_limit=-1)
    result = await Replayer(bus, pool).replay(ReplayRequest(source_ns="live", run_id=run_id))
    await asyncio.wait_for(ended.wait(), 60)
    await sub.unsubscribe()
    return result.seconds, [(s.replace(f"replay.{run_id}.", "live.", 1), d) for s, d in captured]


def _compare(recorded: list[asyncpg.Record], captured: list[tuple[str, bytes]]) -> str:
    """Empty when the replay equals the recording: same subjects, bytes and order."""
    if len(recorded) != len(captured):
        return f"recorded {len(recorded)} events, replay delivered {len(captured)}"
    for i, (row, (subject, data)) in enumerate(zip(recorded, captured, strict=True)):
        if row["subject"] != subject or bytes(row["payload"]) != data:
            return f"event #{i} differs ({row['subject']} vs {subject})"
    return ""


def render(summary: DemoSummary) -> str:
    rate = lambda n, s: f"{n / s:,.0f}/s" if s > 0 else "-"  # noqa: E731
    verdict = "IDENTICAL" if summary.identical else f"DIFFERENT: {summary.mismatch}"
    return "\n".join(
        [
            "",
            "gridtwin demo — record and replay",
            f"  source        {summary.source}",
            f"  stream        {summary.frames:,} trade frames ({summary.trades:,} trades)",
            f"  published     {summary.frames:,} in {summary.publish_s:.2f}s"
            f" ({rate(summary.frames, summary.publish_s)}) to JetStream",
            f"  recorded      {summary.stored:,} rows in {summary.record_s:.2f}s,"
            f" dead letters {summary.dead_letters}",
            f"  replayed      {summary.replayed:,} in {summary.replay_s:.2f}s"
            f" ({rate(summary.replayed, summary.replay_s)})",
            f"  replay vs recording: {verdict}",
        ]
    )
