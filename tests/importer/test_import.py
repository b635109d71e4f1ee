"""``gridtwin import`` on a real PostgreSQL: every trade stored once, resumable,
idempotent, bad files refused whole, the run registered under its owner."""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import signal
import sys
from collections.abc import Iterator

import asyncpg
import msgspec
import pytest
import structlog

import proto
from marketdata import file_sha256, load_stored_trades, read_trades
from services.cli import main
from services.importer import ImportConflict
from tenants import ConfigFieldError, create_run, create_user, list_runs, user_id_by_name
from tests.fixtures.processes import ROOT
from tests.importer.helpers import (
    HOUR_FRAMES,
    HOUR_TRADES,
    REAL_HOUR_BYBIT,
    CrashingWriter,
    binance_rows,
    count_frames,
    run_import,
    stored_rows,
    truncated_copy,
    write_csv,
)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """The CLI configures structlog for the process; put the previous set-up back."""
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)
    structlog.contextvars.clear_contextvars()


@pytest.fixture
def gridtwin_import(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    restore_logging: None,
):
    """``gridtwin import ARGS`` → (exit code, stdout, stderr), in a thread: the CLI runs
    its own event loop, as it does from a shell."""
    monkeypatch.setenv("GRIDTWIN_DATABASE_URL", database_url)

    def gridtwin(*argv: str) -> int:
        with pytest.raises(SystemExit) as exit_info:
            main(["import", *argv])
        return int(exit_info.value.code or 0)

    async def run(*argv: str | pathlib.Path) -> tuple[int, str, str]:
        code = await asyncio.to_thread(gridtwin, *map(str, argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


async def _payload_trades(pool: asyncpg.Pool, ns: str) -> list[str]:
    async with pool.acquire() as conn:
        payloads = await conn.fetch("SELECT payload FROM events WHERE ns = $1", ns)
    return [t.trade_id for (p,) in payloads for t in proto.decode(p).trades]  # type: ignore[union-attr]


async def test_the_real_hour_is_stored_once_per_trade_and_a_second_import_stores_nothing(
    pool: asyncpg.Pool, real_trades: pathlib.Path, gridtwin_import, tmp_path: pathlib.Path
) -> None:
    report = tmp_path / "health.json"
    code, out, err = await gridtwin_import(
        "--name", "hour", "--symbol", "BTCUSDT", "--report", report, real_trades
    )
    assert code == 0, err
    assert "imported 100,311 BTCUSDT trades from 1 file(s) as import.hour" in out
    assert "36,076 frames, 36,076 new" in out
    assert "coverage 100.0%" in out and "gaps (> 60 s): none" in out

    assert await count_frames(pool, "import.hour") == HOUR_FRAMES
    ids = await _payload_trades(pool, "import.hour")
    assert len(ids) == len(set(ids)) == HOUR_TRADES
    async with pool.acquire() as conn:
        stored, gaps = await load_stored_trades(conn, "import.hour", "BTCUSDT")
    expected = read_trades([real_trades], "BTCUSDT")
    for column in ("ts_ms", "price", "size", "side", "trade_id"):
        assert getattr(stored, column) == getattr(expected, column), column
    assert gaps == []

    saved = json.loads(report.read_text())
    assert (saved["trades"], saved["frames"], saved["written"]) == (
        HOUR_TRADES,
        HOUR_FRAMES,
        HOUR_FRAMES,
    )
    health = saved["health"]
    assert (health["minutes"], health["minutes_with_trades"], health["coverage"]) == (60, 60, 1.0)
    assert (health["out_of_order"], health["duplicates"], health["gaps"], health["ok"]) == (
        0,
        0,
        [],
        True,
    )
    assert health["start_ms"] == 1_607_472_000_000 and health["end_ms"] == 1_607_475_599_999
    assert set(health["trades_per_minute"]) == {"min", "median", "mean", "max"}
    assert health["trades_per_minute"]["mean"] == pytest.approx(HOUR_TRADES / 60)

    before = await stored_rows(pool, "import.hour")
    code, out, _ = await gridtwin_import("--name", "hour", "--symbol", "BTCUSDT", real_trades)
    assert code == 0
    assert "36,076 frames, 0 new, 36,075 known stored" in out
    assert await stored_rows(pool, "import.hour") == before

    async with pool.acquire() as conn:
        owner = await user_id_by_name(conn, "import")
        (run,) = await list_runs(conn, owner)
    assert (run.run_id, run.kind, run.ns, run.status) == (
        "hour",
        "import",
        "import.hour",
        "finished",
    )
    assert run.ended_at is not None
    assert run.params["files"] == [
        {"path": str(real_trades), "sha256": file_sha256(real_trades), "trades": HOUR_TRADES}
    ]
    assert (run.params["symbol"], run.params["trades"], run.params["frames"]) == (
        "BTCUSDT", HOUR_TRADES, HOUR_FRAMES,
    )  # fmt: skip
    assert run.params["written"] == 0 and run.params["health"]["ok"] is True


async def test_the_bybit_schema_twin_stores_the_same_trades_under_its_own_name(
    pool: asyncpg.Pool, real_trades: pathlib.Path, data_dir: pathlib.Path
) -> None:
    twin = data_dir / REAL_HOUR_BYBIT
    if not twin.is_file():
        pytest.skip(f"real market data not found at {twin} (set GRIDTWIN_DATA_DIR)")
    binance = await run_import(pool, real_trades, name="bn")
    bybit = await run_import(pool, twin, name="bb")
    assert (bybit.trades, bybit.frames, bybit.written) == (HOUR_TRADES, HOUR_FRAMES, HOUR_FRAMES)
    assert (binance.trades, binance.frames) == (HOUR_TRADES, HOUR_FRAMES)
    ids = await _payload_trades(pool, "import.bb")
    assert len(ids) == len(set(ids)) == HOUR_TRADES
    async with pool.acquire() as conn:
        from_bn, _ = await load_stored_trades(conn, "import.bn", "BTCUSDT")
        from_bb, _ = await load_stored_trades(conn, "import.bb", "BTCUSDT")
    twin_file = read_trades([twin], "BTCUSDT")
    for column in ("ts_ms", "price", "size", "side", "trade_id"):
        assert getattr(from_bb, column) == getattr(twin_file, column), column
        assert getattr(from_bb, column) == getattr(from_bn, column), column


async def test_an_import_interrupted_after_its_first_batch_completes_on_rerun_identically(
    pool: asyncpg.Pool, real_trades: pathlib.Path
) -> None:
    with pytest.raises(ConnectionResetError):
        await run_import(pool, real_trades, name="cut", writer=CrashingWriter(crash_at=2))
    assert await count_frames(pool, "import.cut") == 20_000  # the first batch, whole
    async with pool.acquire() as conn:
        status = await conn.fetchval("SELECT status FROM runs WHERE run_id = 'cut'")
    assert status == "failed"

    resumed = await run_import(pool, real_trades, name="cut")
    assert resumed.resumed and (resumed.skipped, resumed.written) == (19_999, HOUR_FRAMES - 20_000)
    await run_import(pool, real_trades, name="clean")
    assert await stored_rows(pool, "import.cut") == await stored_rows(pool, "import.clean")
    async with pool.acquire() as conn:
        status = await conn.fetchval("SELECT status FROM runs WHERE run_id = 'cut'")
    assert status == "finished"


async def test_an_import_of_a_truncated_copy_is_completed_by_the_whole_file(
    pool: asyncpg.Pool, real_trades: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    part = await asyncio.to_thread(truncated_copy, real_trades, tmp_path / "part.csv.gz", 50_000)
    first = await run_import(pool, part, name="grow")
    assert 50_000 <= first.trades < 50_100
    rest = await run_import(pool, real_trades, name="grow")
    assert rest.written == HOUR_FRAMES - first.frames and rest.skipped == first.frames - 1
    await run_import(pool, real_trades, name="whole")
    assert await stored_rows(pool, "import.grow") == await stored_rows(pool, "import.whole")


async def test_small_batches_crash_anywhere_and_resume_to_the_same_rows(
    pool: asyncpg.Pool, tmp_path: pathlib.Path
) -> None:
    trades = write_csv(tmp_path / "t.csv", binance_rows(frames=50))
    for crash_at in (1, 3, 8):
        name = f"c{crash_at}"
        with pytest.raises(ConnectionResetError):
            await run_import(
                pool, trades, name=name, batch_frames=7, writer=CrashingWriter(crash_at)
            )
        assert await count_frames(pool, f"import.{name}") == 7 * (crash_at - 1)
        done = await run_import(pool, trades, name=name, batch_frames=7)
        assert done.written == 50 - 7 * (crash_at - 1)
    await run_import(pool, trades, name="clean", batch_frames=7)
    clean = await stored_rows(pool, "import.clean")
    assert len(clean) == 50
    for crash_at in (1, 3, 8):
        assert await stored_rows(pool, f"import.c{crash_at}") == clean


async def test_frames_are_one_per_millisecond_with_deterministic_ids_and_order(
    pool: asyncpg.Pool, tmp_path: pathlib.Path
) -> None:
    rows = binance_rows(frames=4, per_frame=2)
    await run_import(pool, write_csv(tmp_path / "t.csv", rows), name="ids")
    stored = await stored_rows(pool, "import.ids")
    assert [r[0] for r in stored] == [
        "imp:BTCUSDT:1000",
        "imp:BTCUSDT:1002",
        "imp:BTCUSDT:1004",
        "imp:BTCUSDT:1006",
    ]
    assert {r[1:3] for r in stored} == {("trade", "BTCUSDT")}
    assert [r[4] for r in stored] == [r[5] // 1_000_000 for r in stored]  # ts_local = ms × 10⁶
    seqs = [r[3] for r in stored]
    assert seqs == sorted(seqs) and len(set(seqs)) == 4
    assert {r[6] for r in stored} == {".md.bybit.BTCUSDT.trade"}
    frame = proto.decode(stored[1][7])
    assert isinstance(frame, proto.TradeFrame)
    assert [(t.trade_id, str(t.price), str(t.qty), t.side) for t in frame.trades] == [
        ("1002", "18000.1", "0.001", proto.Side.SELL),
        ("1003", "18000.1", "0.002", proto.Side.BUY),
    ]


async def test_a_file_cut_inside_a_millisecond_then_extended_is_refused_not_silently_lost(
    pool: asyncpg.Pool, tmp_path: pathlib.Path
) -> None:
    rows = binance_rows(frames=10, per_frame=3)
    await run_import(pool, write_csv(tmp_path / "cut.csv", rows[:14]), name="c")  # 4⅔ frames
    before = await stored_rows(pool, "import.c")
    with pytest.raises(
        ImportConflict,
        match=r"import.c already holds frame imp:BTCUSDT:1012 at 2020-12-09T00:00:00.028Z",
    ):
        await run_import(pool, write_csv(tmp_path / "all.csv", rows), name="c")
    assert await stored_rows(pool, "import.c") == before


BAD_FILES = {
    "bad header": (["time,price", "1607472000000,18000"], 1, "unknown trade columns"),
    "unsorted row": (
        ["1,18000.1,0.001,18,1607472000002,false", "2,18000.2,0.001,18,1607472000005,true",
         "3,18000.3,0.001,18,1607472000004,true"],
        4, "unsorted: time 1607472000004 is before 1607472000005",
    ),
    "non-numeric price": (
        ["1,18000.1,0.001,18,1607472000002,false", "2,abc,0.001,18,1607472000003,true"],
        3, "malformed row '2,abc,0.001,18,1607472000003,true'",
    ),
    "empty file": ([], 0, "empty file (no header, no trades)"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_FILES))
async def test_a_malformed_file_exits_2_naming_file_and_line_and_stores_nothing(
    pool: asyncpg.Pool, gridtwin_import, tmp_path: pathlib.Path, case: str
) -> None:
    lines, line, reason = BAD_FILES[case]
    if case == "bad header":
        bad = write_csv(tmp_path / "bad.csv", lines, header="")
    elif case == "empty file":
        bad = tmp_path / "bad.csv"
        bad.write_bytes(b"")
    else:
        bad = write_csv(tmp_path / "bad.csv.gz", lines)
    good = write_csv(tmp_path / "good.csv", binance_rows(frames=5, start_ms=1_607_480_000_000))
    code, out, err = await gridtwin_import("--name", "bad", "--symbol", "BTCUSDT", good, bad)
    where = f"{bad}:{line}" if line else str(bad)
    assert code == 2 and out == ""
    (message,) = err.splitlines()
    assert message.startswith(f"gridtwin import: error: {where}: {reason}")
    assert await count_frames(pool, "import.bad") == 0
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM runs") == 0


async def test_the_run_belongs_to_its_owner_and_a_reimport_reuses_it(
    pool: asyncpg.Pool, gridtwin_import, tmp_path: pathlib.Path
) -> None:
    trades = write_csv(tmp_path / "t.csv", binance_rows(frames=20))
    async with pool.acquire() as conn:
        alice, bob = await create_user(conn, "alice"), await create_user(conn, "bob")
    for _ in range(2):
        code, _, err = await gridtwin_import(
            "--name", "a1", "--symbol", "BTCUSDT", "--user", "alice", trades
        )
        assert code == 0, err
    async with pool.acquire() as conn:
        runs = await list_runs(conn, alice)
        assert [(r.run_id, r.kind, r.ns, r.status, r.user_id) for r in runs] == [
            ("a1", "import", "import.a1", "finished", alice)
        ]
        assert await list_runs(conn, bob) == []
        assert await conn.fetchval("SELECT count(*) FROM users WHERE name = 'import'") == 0
        # Events of the run belong to its owner (row-level security).
        assert len((await load_stored_trades(conn, "import.a1", "BTCUSDT", user_id=alice))[0]) == 60
        assert len((await load_stored_trades(conn, "import.a1", "BTCUSDT", user_id=bob))[0]) == 0

    code, _, err = await gridtwin_import(
        "--name", "a1", "--symbol", "BTCUSDT", "--user", "bob", trades
    )
    assert (code, err.strip()) == (
        2,
        "gridtwin import: error: name: run 'a1' belongs to another user",
    )
    code, _, err = await gridtwin_import(
        "--name", "g", "--symbol", "BTCUSDT", "--user", "ghost", trades
    )
    assert (code, err.strip()) == (2, "gridtwin import: error: user: no user named 'ghost'")
    async with pool.acquire() as conn:
        await create_run(conn, bob, "r1", "replay", "replay.r1")
    code, _, err = await gridtwin_import(
        "--name", "r1", "--symbol", "BTCUSDT", "--user", "bob", trades
    )
    assert code == 2 and "name: run 'r1' is a replay run of replay.r1, not 'import'" in err
    code, _, err = await gridtwin_import("--name", "a.b", "--symbol", "BTCUSDT", trades)
    assert code == 2 and "name: must be" in err

    code, _, _ = await gridtwin_import("--name", "d", "--symbol", "BTCUSDT", trades)
    assert code == 0
    async with pool.acquire() as conn:
        owner = await user_id_by_name(conn, "import")
        assert [r.run_id for r in await list_runs(conn, owner)] == ["d"]


def test_import_requests_name_the_bad_field(tmp_path: pathlib.Path) -> None:
    from services.importer import ImportRequest

    with pytest.raises(ConfigFieldError, match="name"):
        ImportRequest(name="x y", symbol="BTCUSDT", files=("f",))
    with pytest.raises(ValueError, match="symbol"):
        ImportRequest(name="x", symbol="BTC.USDT", files=("f",))
    with pytest.raises(ValueError, match="files"):
        ImportRequest(name="x", symbol="BTCUSDT", files=())
    with pytest.raises(ValueError, match="gap_s"):
        ImportRequest(name="x", symbol="BTCUSDT", files=("f",), gap_s=0)


async def test_python_m_services_importer_runs_the_same_command(
    pool: asyncpg.Pool, database_url: str, tmp_path: pathlib.Path
) -> None:
    trades = write_csv(tmp_path / "t.csv.gz", binance_rows(frames=30))
    report = tmp_path / "r.json"
    env = {**os.environ, "GRIDTWIN_DATABASE_URL": database_url}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.importer", "--name", "m", "--symbol", "BTCUSDT",
        "--report", str(report), str(trades),
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    assert "imported 90 BTCUSDT trades from 1 file(s) as import.m" in out.decode()
    assert "\r" not in err.decode()  # no progress line off a terminal
    saved = msgspec.json.decode(report.read_bytes())
    assert saved["health"]["trades"] == 90 and saved["files"][0]["sha256"] == file_sha256(trades)
    assert await count_frames(pool, "import.m") == 30

    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.importer", "--name", "m", "--symbol", "BTCUSDT",
        str(tmp_path / "missing.csv"),
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 2
    assert (
        err.decode()
        .strip()
        .startswith(f"gridtwin import: error: {tmp_path / 'missing.csv'}: cannot read")
    )


async def test_ctrl_c_mid_import_keeps_what_was_committed_and_a_rerun_completes(
    pool: asyncpg.Pool, database_url: str, real_trades: pathlib.Path
) -> None:
    env = {**os.environ, "GRIDTWIN_DATABASE_URL": database_url}
    argv = ["--name", "sigint", "--symbol", "BTCUSDT", "--batch-frames", "200", str(real_trades)]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.importer", *argv,
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(60):
        while await count_frames(pool, "import.sigint") < 2_000:
            assert proc.returncode is None, "the import ended before it could be interrupted"
            await asyncio.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 130
    stored = await count_frames(pool, "import.sigint")
    assert 2_000 <= stored < HOUR_FRAMES and stored % 200 == 0  # whole batches only

    resumed = await run_import(pool, real_trades, name="sigint")
    assert resumed.written == HOUR_FRAMES - stored
    await run_import(pool, real_trades, name="clean")
    assert await stored_rows(pool, "import.sigint") == await stored_rows(pool, "import.clean")
