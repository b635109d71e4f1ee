"""Replay: recorded payloads republished byte for byte, in order, under replay.<run>."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from nats.aio.msg import Msg

import proto
from bus import Bus
from services.replayer import Replayer, ReplayRequest
from tests.fixtures.events import mixed_stream
from tests.fixtures.stored import record as _record


async def _capture(bus: Bus, run_id: str) -> tuple[list[tuple[str, bytes]], asyncio.Event]:
    got: list[tuple[str, bytes]] = []
    ended = asyncio.Event()

    async def on_msg(msg: Msg) -> None:
        subject = bus.logical(msg.subject)
        got.append((subject, msg.data))
        if subject.endswith(".sys.replayer.replay_end"):
            ended.set()

    await bus.nc.subscribe(bus.wire(f"replay.{run_id}.>"), cb=on_msg, pending_msgs_limit=-1)
    return got, ended


async def test_replay_is_byte_identical_same_subjects_same_order(
    bus: Bus, pool: asyncpg.Pool
) -> None:
    messages = mixed_stream(2500)
    await _record(pool, messages)
    got, ended = await _capture(bus, "r1")
    result = await Replayer(bus, pool, chunk=300).replay(
        ReplayRequest(source_ns="live", run_id="r1"), show_progress=False
    )
    await asyncio.wait_for(ended.wait(), 10)
    assert result.events == 2500
    start, *body, end = got
    assert start[0] == "replay.r1.sys.replayer.replay_start"
    assert end[0] == "replay.r1.sys.replayer.replay_end"
    expected = [(proto.subject_for("replay.r1", m), proto.encode(m)) for m in messages]
    assert body == expected
    framed_end = proto.decode(end[1])
    assert isinstance(framed_end, proto.ReplayEnd) and framed_end.events == 2500
    async with pool.acquire() as conn:
        run = await conn.fetchrow("SELECT kind, ns, source_ns, status FROM runs WHERE run_id='r1'")
    assert tuple(run) == ("replay", "replay.r1", "live", "finished")


async def test_replay_filters_by_symbol_and_window(bus: Bus, pool: asyncpg.Pool) -> None:
    messages = mixed_stream(400)
    await _record(pool, messages)
    lo, hi = messages[100].ts_exchange_ms, messages[300].ts_exchange_ms
    got, ended = await _capture(bus, "r2")
    await Replayer(bus, pool).replay(
        ReplayRequest(source_ns="live", run_id="r2", symbols=("ETHUSDT",), start_ms=lo, end_ms=hi),
        show_progress=False,
    )
    await asyncio.wait_for(ended.wait(), 10)
    wanted = [
        proto.encode(m)
        for m in messages
        if lo <= m.ts_exchange_ms < hi and proto.symbol_of(m) == "ETHUSDT"
    ]
    assert wanted, "the window should hold ETHUSDT events"
    assert [data for _, data in got[1:-1]] == wanted


async def test_replay_at_speed_paces_by_recorded_exchange_time(
    bus: Bus, pool: asyncpg.Pool
) -> None:
    messages = mixed_stream(21)  # exchange time spans 200 ms (10 ms apart)
    await _record(pool, messages)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    await Replayer(bus, pool).replay(
        ReplayRequest(source_ns="live", run_id="r3", speed=0.5), show_progress=False
    )
    elapsed = loop.time() - t0
    assert 0.38 <= elapsed < 1.5  # 200 ms of market time at ×0.5 is 400 ms


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"source_ns": "prod", "run_id": "x"}, "namespace"),
        ({"source_ns": "live", "run_id": "a.b"}, "run id"),
        ({"source_ns": "live", "run_id": "x", "start_ms": 5, "end_ms": 5}, "end_ms"),
    ],
)
def test_bad_replay_request_names_the_field(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ReplayRequest(**kwargs)  # type: ignore[arg-type]


async def test_a_failed_replay_is_marked_failed_under_its_owner(
    bus: Bus, pool: asyncpg.Pool
) -> None:
    """The run row goes through tenants.runs: owned (the `replay` system user for `live`
    market data), and marked failed with the error when publishing breaks."""
    from tenants import list_runs, user_id_by_name

    await _record(pool, mixed_stream(300))

    class Broken(Exception):
        pass

    async def broken(*_: object, **__: object) -> None:
        raise Broken("the bus went away")

    replayer = Replayer(bus, pool)
    replayer._publish = broken  # type: ignore[method-assign]  # a fault mid-replay
    with pytest.raises(ExceptionGroup) as raised:
        await replayer.replay(ReplayRequest(source_ns="live", run_id="rf"), show_progress=False)
    async with pool.acquire() as conn:
        owner = await user_id_by_name(conn, "replay")
        (run,) = [r for r in await list_runs(conn, owner) if r.run_id == "rf"]
    assert raised.group_contains(Broken)
    assert (run.kind, run.status, run.params["error"]) == ("replay", "failed", "the bus went away")
    assert run.ended_at is not None
