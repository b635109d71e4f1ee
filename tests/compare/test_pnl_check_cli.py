"""``gridtwin pnl-check`` over a run stored in a real PostgreSQL: the venue kernel's
account events (what the exchange simulator reports) checked against our accounting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import asyncpg

import proto
from tenants import create_run, create_user
from tests.fixtures.stored import record as _store
from tests.venue.helpers import make_sim, utc_ms
from venue import FirstTickFunding

D = Decimal


def _session() -> list[proto.Message]:
    """Both legs trade, funding at 08:00, a close after it; the kernel's event stream."""
    sim = make_sim("strict_cross", proto=True, funding=FirstTickFunding(D("0.0001")),
                   start=utc_ms(7))  # fmt: skip
    sim.place("Buy", "18300.0", "0.003")
    sim.place("Sell", "18350.0", "0.002")
    sim.tick("18320.0", mark="18321.0", at=utc_ms(7, 1))
    sim.tick("18299.0", mark="18299.5", at=utc_ms(7, 2))
    sim.tick("18351.0", mark="18350.5", at=utc_ms(7, 3))
    sim.place("Sell", "18360.0", "0.001", idx=1)
    sim.tick("18361.0", mark="18360.0", at=utc_ms(7, 40))
    sim.tick("18345.0", mark="18344.0", at=utc_ms(8, 0, 0, 500))
    sim.place("Buy", "18330.0", "0.002", idx=2)
    sim.tick("18329.0", mark="18329.5", at=utc_ms(8, 30))
    assert sim.sink is not None
    return sim.sink.drain()


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDTWIN_")}
    env["GRIDTWIN_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "services.cli", "pnl-check", *args],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip


async def test_a_recorded_run_passes_and_writes_its_table(
    pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    await _store(pool, _session(), "live")
    async with pool.acquire() as conn:
        user = await create_user(conn, f"u{uuid.uuid4().hex[:8]}")
        await create_run(conn, user, "live-1", "live", "live")
    out = tmp_path / "pnl"
    done = _cli(database_url, "--run", "live-1", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("PASS")
    assert "funding" in done.stdout and "cumRealisedPnl" in done.stdout
    summary = json.loads((out / "pnl_check.json").read_text())
    assert summary["status"] == "PASS" and summary["differences"] == 0
    assert summary["executions"] >= 6
    header, *rows = (out / "pnl_check.csv").read_text().splitlines()
    assert header == "time,account,symbol,leg,field,ours,exchange,diff,ok,ref"
    assert len(rows) == summary["compared"] and all(",true," in row for row in rows)


async def test_a_window_mid_run_starts_from_the_positions_before_it(
    pool: asyncpg.Pool, database_url: str
) -> None:
    await _store(pool, _session(), "live")
    done = _cli(database_url, "--source-ns", "live", "--start", "2020-12-09T07:30:00Z")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "long: baseline is the position at 2020-12-09T07:" in done.stdout


async def test_a_lost_execution_is_listed_as_differences(
    pool: asyncpg.Pool, database_url: str
) -> None:
    events = _session()
    lost = next(e for e in events if isinstance(e, proto.Execution) and e.side == "Sell"
                and e.closed_size == 0)  # fmt: skip
    await _store(pool, [e for e in events if e is not lost], "live")
    done = _cli(database_url, "--source-ns", "live")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "differences (" in done.stdout and "short" in done.stdout
    assert "FAIL: " in done.stdout


async def test_bad_flags_and_missing_data_are_named(pool: asyncpg.Pool, database_url: str) -> None:
    bad = _cli(database_url, "--source-ns", "live", "--tolerance", "cent")
    assert bad.returncode == 1 and "--tolerance: 'cent' is not a number" in bad.stderr
    order = _cli(database_url, "--source-ns", "live", "--start", "2020-12-09",
                 "--end", "2020-12-08")  # fmt: skip
    assert order.returncode == 1 and "--end 2020-12-08 is not after" in order.stderr
    no_run = _cli(database_url, "--run", "nope")
    assert no_run.returncode == 2 and "no run 'nope'" in no_run.stderr
    empty = _cli(database_url, "--source-ns", "paper")
    assert empty.returncode == 2 and "SKIP: nothing to check" in empty.stdout
