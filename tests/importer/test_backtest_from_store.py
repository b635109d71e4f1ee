"""The backtest of the real hour read back from the event store equals the backtest of
the file: same fills, same summary, in both tick modes."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import asyncpg
import pytest

from marketdata import load_stored_trades, read_trades
from tests.backtest.helpers import config, run
from tests.importer.helpers import HOUR_TRADES, run_import


@pytest.mark.parametrize(("ticks", "n_ticks"), [("ms", 36_076), ("trade", 100_311)])
async def test_backtest_of_the_stored_hour_equals_the_backtest_of_the_file(
    pool: asyncpg.Pool, real_trades: pathlib.Path, ticks: str, n_ticks: int
) -> None:
    await run_import(pool, real_trades, name="hour")
    async with pool.acquire() as conn:
        stored, gaps = await load_stored_trades(conn, "import.hour", "BTCUSDT")
    from_file = read_trades([real_trades], "BTCUSDT")
    assert (len(stored), gaps) == (HOUR_TRADES, [])

    cfg = config(ticks=ticks)
    by_store, store_summary = run(cfg, stored)
    by_file, file_summary = run(cfg, from_file)

    assert len(by_store.ticks) == len(by_file.ticks) == n_ticks
    assert len(by_file.fills) > 50  # the comparison below is not vacuous
    assert by_store.fills == by_file.fills
    assert store_summary == file_summary


def _backtest(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDTWIN_")}
    env["GRIDTWIN_DATABASE_URL"] = database_url
    env["GRIDTWIN_DATA_DIR"] = os.environ.get("GRIDTWIN_DATA_DIR", "../shared/data/real")
    return subprocess.run(
        [sys.executable, "-m", "services.cli", "backtest", "--symbol", "BTCUSDT",
         "--grid-count", "50", "--grid-step", "0.2", "--no-report", *args],
        capture_output=True, text=True, timeout=170, env=env,
    )  # fmt: skip


async def test_the_cli_backtests_a_stored_run_like_its_file_and_refuses_a_window_with_holes(
    pool: asyncpg.Pool, database_url: str, real_trades: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    await run_import(pool, real_trades, name="hour")
    by_file = _backtest(database_url, "--trades", str(real_trades), "--out", str(tmp_path / "f"))
    by_run = _backtest(database_url, "--run-id", "hour", "--out", str(tmp_path / "s"))
    assert by_file.returncode == by_run.returncode == 0, by_file.stderr + by_run.stderr
    fills = (tmp_path / "f" / "fills.csv").read_text()
    assert fills.count("\n") == 52
    assert (tmp_path / "s" / "fills.csv").read_text() == fills
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert manifest["inputs"][0]["path"] == "store:import.hour"
    assert manifest["inputs"][0]["trades"] == HOUR_TRADES

    # Data-health preflight: the window asked for reaches 10 minutes past the data.
    late = ("--source-ns", "import.hour", "--start", "2020-12-09T00:50:00Z",
            "--end", "2020-12-09T01:10:00Z")  # fmt: skip
    refused = _backtest(database_url, *late, "--out", str(tmp_path / "late"))
    assert refused.returncode == 2
    assert "store:import.hour" in refused.stderr and "holes" in refused.stderr
    assert "01:10:00" in refused.stderr  # the report names the hole
    assert not (tmp_path / "late").exists()
    allowed = _backtest(database_url, *late, "--allow-gaps", "--out", str(tmp_path / "late"))
    assert allowed.returncode == 0, allowed.stderr
    summary = json.loads((tmp_path / "late" / "summary.json").read_text())
    assert summary["first_tick_ms"] >= 1_607_475_000_000  # 00:50 UTC

    missing = _backtest(database_url, "--run-id", "nope", "--out", str(tmp_path / "x"))
    assert missing.returncode == 1 and "run_id" in missing.stderr
