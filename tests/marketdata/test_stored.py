"""Trades read back from the event store (real PostgreSQL) as a ``TradeTape``."""

from __future__ import annotations

import random
from decimal import Decimal

import asyncpg
import pytest

import proto
from marketdata import DataError, Gap, TradeTape, load_stored_trades
from store import EventRow, EventWriter
from tenants import create_run, create_user
from tests.fixtures.events import BASE_MS, execution, trade_frame
from tests.fixtures.stored import row_of

T0 = BASE_MS


def _frame(event_id: str, ts: int, *trades: tuple[str, int], backfilled: bool = False):
    return proto.TradeFrame(
        event_id=event_id,
        ts_exchange_ms=ts,
        ts_local_ns=ts * 1_000_000,
        symbol="BTCUSDT",
        backfilled=backfilled,
        trades=[
            proto.Trade(
                trade_id=tid,
                price=Decimal("18000.5") + at - T0,
                qty=Decimal("0.001"),
                side=proto.Side.BUY,
                ts_exchange_ms=at,
            )
            for tid, at in trades
        ],
    )


async def _store(pool: asyncpg.Pool, rows: list[EventRow]) -> None:
    async with pool.acquire() as conn:
        await EventWriter().write(conn, rows)


async def _load(pool: asyncpg.Pool, ns: str = "live", **kw) -> tuple[TradeTape, list[Gap]]:
    async with pool.acquire() as conn:
        return await load_stored_trades(conn, ns, "BTCUSDT", **kw)


def _gap(stream: str, start_ms: int, end_ms: int | None, reason: str) -> list[proto.Message]:
    started_ns = start_ms * 1_000_000 + 7
    start = proto.GapStart(
        event_id=f"gap_start:{stream}:{started_ns}",
        ts_exchange_ms=start_ms,
        ts_local_ns=started_ns,
        service="collector",
        stream=stream,
        reason=reason,
    )
    if end_ms is None:
        return [start]
    end = proto.GapEnd(
        event_id=f"gap_end:{stream}:{started_ns}",
        ts_exchange_ms=end_ms,
        ts_local_ns=end_ms * 1_000_000,
        service="collector",
        stream=stream,
        started_ns=started_ns,
        backfilled_count=3,
    )
    return [start, end]


async def test_frames_come_back_as_one_tape_in_stream_order(pool: asyncpg.Pool) -> None:
    frames = [trade_frame(i) for i in range(300)]
    noise = [trade_frame(i, "ETHUSDT") for i in range(50)] + [execution(i) for i in range(50)]
    rows = [row_of(m, seq) for seq, m in enumerate(frames + noise, start=1)]
    rows += [row_of(trade_frame(i), i + 1, ns="paper") for i in range(400, 410)]
    random.Random(3).shuffle(rows)  # stored in any order: read back by stream_seq
    for k in range(0, len(rows), 97):
        await _store(pool, rows[k : k + 97])

    tape, gaps = await _load(pool)

    trades = [t for f in frames for t in f.trades]
    assert tape.symbol == "BTCUSDT" and gaps == []
    assert tape.trade_id == [t.trade_id for t in trades]
    assert tape.ts_ms == [t.ts_exchange_ms for t in trades]
    assert tape.price == [t.price for t in trades]
    assert tape.size == [t.qty for t in trades]
    assert tape.side == [t.side.value for t in trades]
    assert tape.sources == [("store:live", 0, 600)]


async def test_stream_order_not_time_order_decides_and_time_going_back_is_an_error(
    pool: asyncpg.Pool,
) -> None:
    await _store(
        pool,
        [
            row_of(_frame("f1", T0 + 2000, ("b", T0 + 2000)), seq=1),
            row_of(_frame("f2", T0 + 1000, ("a", T0 + 1000)), seq=2),
        ],
    )
    with pytest.raises(DataError) as err:
        await _load(pool)
    assert (err.value.path, err.value.line) == ("store:live", 0)
    assert "trade a at 1607472001000 (stream_seq 2) is before 1607472002000" in str(err.value)


async def test_window_bounds_are_both_inclusive(pool: asyncpg.Pool) -> None:
    await _store(
        pool,
        [
            row_of(_frame(f"f{s}", T0 + s * 1000, (f"t{s}", T0 + s * 1000)), seq=s)
            for s in range(1, 6)
        ],
    )
    tape, _ = await _load(pool, start_ms=T0 + 2000, end_ms=T0 + 4000)
    assert tape.trade_id == ["t2", "t3", "t4"]
    tape, _ = await _load(pool, start_ms=T0 + 4000)
    assert tape.trade_id == ["t4", "t5"]
    tape, _ = await _load(pool, end_ms=T0 + 1999)
    assert tape.trade_id == ["t1"]
    tape, _ = await _load(pool, start_ms=T0 + 6000)
    assert (len(tape), tape.sources) == (0, [("store:live", 0, 0)])


async def test_a_back_filled_copy_of_a_trade_is_kept_once(pool: asyncpg.Pool) -> None:
    await _store(
        pool,
        [
            row_of(_frame("live1", T0, ("1", T0), ("2", T0)), seq=1),
            row_of(_frame("bf:1:3", T0 + 5, ("2", T0), ("3", T0 + 5), backfilled=True), seq=2),
            row_of(_frame("live2", T0 + 9, ("3", T0 + 5), ("4", T0 + 9)), seq=3),
        ],
    )
    tape, _ = await _load(pool)
    assert tape.trade_id == ["1", "2", "3", "4"]
    assert tape.ts_ms == [T0, T0, T0 + 5, T0 + 9]


async def test_collector_gaps_of_the_namespace_overlapping_the_window(pool: asyncpg.Pool) -> None:
    trades = [_frame(f"f{s}", T0 + s * 1000, (f"t{s}", T0 + s * 1000)) for s in range(0, 100)]
    sys_events = [
        *_gap("public", T0 - 50_000, T0 - 40_000, "before the window"),
        *_gap("public", T0 + 10_000, T0 + 25_000, "ws closed"),
        *_gap("private:acc1", T0 + 30_000, T0 + 35_000, "an account stream"),
        *_gap("public", T0 + 60_000, None, "collector restart"),  # never ended
    ]
    rows = [row_of(m, seq) for seq, m in enumerate(trades + sys_events, start=1)]
    rows += [row_of(m, 900 + i, ns="paper") for i, m in enumerate(_gap("public", T0, T0 + 1, "x"))]
    await _store(pool, rows)

    _, gaps = await _load(pool, start_ms=T0, end_ms=T0 + 80_000)
    assert gaps == [
        Gap(start_ms=T0 + 10_000, end_ms=T0 + 25_000, reason="collector gap: ws closed"),
        Gap(start_ms=T0 + 60_000, end_ms=T0 + 80_000, reason="collector gap: collector restart"),
    ]
    _, gaps = await _load(pool)  # open window: an open gap runs to the last trade
    assert [(g.start_ms - T0, g.end_ms - T0) for g in gaps] == [
        (-50_000, -40_000),
        (10_000, 25_000),
        (60_000, 99_000),
    ]
    _, gaps = await _load(pool, start_ms=T0 + 26_000, end_ms=T0 + 59_999)
    assert gaps == []


async def test_a_run_namespace_is_read_under_its_owner_row_level_security(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        alice, bob = await create_user(conn, "alice"), await create_user(conn, "bob")
        await create_run(conn, alice, "hour", "import", "import.hour")
    await _store(pool, [row_of(trade_frame(i), i + 1, ns="import.hour") for i in range(10)])
    await _store(pool, [row_of(trade_frame(i), i + 1) for i in range(3)])  # live: public

    assert len((await _load(pool, "import.hour"))[0]) == 20  # the connection's own role
    assert len((await _load(pool, "import.hour", user_id=alice))[0]) == 20
    assert len((await _load(pool, "import.hour", user_id=bob))[0]) == 0
    assert len((await _load(pool, "live", user_id=bob))[0]) == 6  # market data is public


async def test_an_undecodable_payload_and_a_bad_namespace_are_errors(pool: asyncpg.Pool) -> None:
    good = row_of(_frame("f1", T0, ("1", T0)), seq=1)
    await _store(pool, [good._replace(event_id="bad", stream_seq=2, payload=b"\x92junk")])
    with pytest.raises(DataError, match=r"store:live: stream_seq 2: cannot decode"):
        await _load(pool)
    with pytest.raises(ValueError, match="namespace"):
        await _load(pool, "prod")
