"""``gridtwin compare`` over runs stored in a real PostgreSQL (V-21): sides read from the
event store by run id, the files written, the comparison stored for the live run's
user; unknown runs, ambiguous strategies and a missing database named in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import asyncpg
import pytest

import proto
from tenants import create_run, create_user, list_comparisons
from tests.fixtures.stored import record
from tests.venue.helpers import make_sim, utc_ms

ACCOUNT = "acct-K1"  # what make_sim's proto sink calls its one account


def _session(model: str) -> list[proto.Message]:
    """Both legs open and close on a few tickers; the kernel's account events."""
    sim = make_sim(model, proto=True, start=utc_ms(7))  # type: ignore[arg-type]
    for n, (side, price, idx) in enumerate(
        [("Buy", "18300.0", 1), ("Sell", "18350.0", 2), ("Sell", "18340.0", 1),
         ("Buy", "18310.0", 2)]
    ):  # fmt: skip
        sim.place(side, price, "0.002", idx=idx, link=f"{n:016x}-{utc_ms(7) + n}")
        sim.tick("18320.0", mark="18320.0", at=utc_ms(7, n * 10 + 1))
        sim.tick("18299.0" if n % 2 == 0 else "18351.0", at=utc_ms(7, n * 10 + 5))
    sim.tick("18345.0", at=utc_ms(7, 50))
    sim.tick("18305.0", at=utc_ms(7, 55))
    assert sim.sink is not None
    return sim.sink.drain()


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli", "compare", *args],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip


def _env(database_url: str | None, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDTWIN_")}
    env["GRIDTWIN_HOME"] = str(home)  # no `gridtwin infra up` state to fall back on
    if database_url:
        env["GRIDTWIN_DATABASE_URL"] = database_url
    return env


async def _runs(pool: asyncpg.Pool) -> uuid.UUID:
    """alice's live run and its replay (one account × symbol in its params), plus bob's
    run of two accounts; the events under the live and the replay namespaces."""
    await record(pool, _session("strict_cross"), "live")
    await record(pool, _session("trade_through"), "replay.rep-1")
    async with pool.acquire() as conn:
        alice, bob = await create_user(conn, "alice"), await create_user(conn, "bob")
        await create_run(conn, alice, "live-1", "live", "live")
        window = {"start_ms": utc_ms(7), "end_ms": utc_ms(8)}
        await create_run(conn, alice, "rep-1", "replay", "replay.rep-1",
                         {"accounts": [ACCOUNT], "symbols": ["BTCUSDT"],
                          "fill_model": "trade_through", **window},
                         source_ns="live")  # fmt: skip
        await create_run(conn, bob, "two-1", "live", "live",
                         {"accounts": [ACCOUNT, "acct-K2"], "symbols": ["BTCUSDT"]})  # fmt: skip
    return alice


async def test_two_stored_runs_are_compared_and_the_comparison_stored(
    pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    alice = await _runs(pool)
    out = tmp_path / "cmp"
    done = _cli(_env(database_url, tmp_path), "--live", "live-1", "--sim", "rep-1",
                "--out", str(out))  # fmt: skip
    verdict = json.loads((out / "verdict.json").read_text())
    assert done.returncode == verdict["exit_code"], done.stdout + done.stderr
    metrics = json.loads((out / "metrics.json").read_text(), parse_float=Decimal)
    assert metrics["fills"]["live"] > 0 and metrics["fills"]["sim"] > 0
    # The replay's own window, not the data's.
    assert metrics["window"] == {
        "start": "2020-12-09T07:00:00.000Z", "end": "2020-12-09T08:00:00.000Z",
    }  # fmt: skip
    async with pool.acquire() as conn:
        (row,) = await list_comparisons(conn, alice)
    assert done.stdout.rstrip().endswith(f"stored as comparison {row.comparison_id}")
    assert (row.live_ref, row.sim_ref, row.account_id, row.symbol) == (
        "live-1", "rep-1", ACCOUNT, "BTCUSDT",
    )  # fmt: skip
    assert (row.window_start_ms, row.window_end_ms) == (utc_ms(7), utc_ms(8))
    assert (row.status, row.exit_code, row.out_dir) == (
        verdict["status"], verdict["exit_code"], str(out.resolve()),
    )  # fmt: skip
    # The row holds the files' documents, money to the digit.
    assert row.metrics == metrics
    assert row.verdict == json.loads((out / "verdict.json").read_text(), parse_float=Decimal)
    assert "trade_through" in (out / "report.html").read_text()  # the replay's manifest


async def test_bad_stored_sides_are_named_in_one_line(
    pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    await _runs(pool)
    env, out = _env(database_url, tmp_path), tmp_path / "cmp"
    cases = [
        (("--live", "nosuch", "--sim", "rep-1"), 2,
         "--live: no run 'nosuch' (nor a folder of that name)"),
        (("--live", "two-1", "--sim", "two-1"), 1,
         f"--account: run 'two-1' traded 2 strategies ({ACCOUNT}/BTCUSDT, acct-K2/BTCUSDT);"
         " choose one with --account and --symbol"),
        (("--live", "live-1", "--sim", "two-1", "--account", ACCOUNT), 1,
         "--sim: run 'two-1' belongs to another user than --live run 'live-1'"),
        (("--live", "live-1", "--sim", "rep-1", "--account", "a b"), 1,
         "--account: 'a b': must be 1-40 characters of A-Z a-z 0-9 _ -"),
    ]  # fmt: skip
    for flags, code, message in cases:
        done = _cli(env, *flags, "--out", str(out))
        assert (done.returncode, done.stderr) == (code, f"gridtwin compare: error: {message}\n")
    assert not out.exists()
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM comparisons") == 0


def test_a_run_id_without_a_database_is_named(tmp_path: Path) -> None:
    done = _cli(_env(None, tmp_path), "--live", "live-1", "--sim", "rep-1",
                "--out", str(tmp_path / "cmp"))  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == (
        "gridtwin compare: error: --live: 'live-1' is not a folder, and no database is"
        " configured to look it up as a run id (set GRIDTWIN_DATABASE_URL or run"
        " `gridtwin infra up`)\n"
    )


@pytest.mark.parametrize("flag", ["--account", "--symbol"])
def test_a_strategy_flag_needs_a_stored_run(flag: str, tmp_path: Path) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    done = _cli(_env(None, tmp_path), "--live", str(folder), "--sim", str(folder),
                "--out", str(tmp_path / "cmp"), flag, "x")  # fmt: skip
    assert done.returncode == 1
    assert done.stderr == (
        f"gridtwin compare: error: {flag}: only with a run id as --live or --sim"
        " (a run folder is one strategy)\n"
    )
