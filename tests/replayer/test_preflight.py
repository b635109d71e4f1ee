"""The data-health preflight of ``gridtwin replay``: a window whose market data has holes
is refused with the report, unless ``--allow-gaps``."""

from __future__ import annotations

import os
import subprocess
import sys

import asyncpg

import proto
from marketdata import preflight
from store import EventWriter, event_row
from tests.fixtures.events import BASE_MS, trade_frame

MINUTE = 60_000


async def _record_with_a_hole(pool: asyncpg.Pool) -> None:
    """BTCUSDT every second for 10 min with minutes 4-6 missing; ETHUSDT whole."""
    frames = [
        trade_frame(i, ts_ms=BASE_MS + i * 1000) for i in range(600) if not 4 * 60 <= i < 7 * 60
    ]
    frames += [trade_frame(10_000 + i, "ETHUSDT", ts_ms=BASE_MS + i * 1000) for i in range(600)]
    rows = []
    for seq, frame in enumerate(sorted(frames, key=lambda f: f.ts_exchange_ms), start=1):
        subject = proto.subjects.parse(proto.subject_for("live", frame))
        rows.append(event_row(subject, proto.encode(frame), seq, frame))
    async with pool.acquire() as conn:
        await EventWriter().write(conn, rows)


async def test_preflight_reports_each_symbol_and_the_hole(pool: asyncpg.Pool) -> None:
    await _record_with_a_hole(pool)
    async with pool.acquire() as conn:
        reports = await preflight(conn, "live", gap_s=60)
        (btc_only,) = await preflight(
            conn, "live", ["BTCUSDT"], start_ms=BASE_MS, end_ms=BASE_MS + 3 * MINUTE
        )
        (missing,) = await preflight(conn, "live", ["SOLUSDT"], gap_s=60)
    by_symbol = {r.symbol: r for r in reports}
    assert sorted(by_symbol) == ["BTCUSDT", "ETHUSDT"]
    assert by_symbol["ETHUSDT"].ok
    (gap,) = by_symbol["BTCUSDT"].gaps
    assert (gap.start_ms, gap.end_ms) == (BASE_MS + 239_000, BASE_MS + 420_000)
    assert btc_only.ok  # the hole is outside that window
    assert not missing.ok and missing.trades == 0


def _replay(nats_url: str, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDTWIN_")}
    env |= {"GRIDTWIN_NATS_URL": nats_url, "GRIDTWIN_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "services.cli", "replay", "--source-ns", "live", *args],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip


async def test_replay_refuses_a_window_with_holes_unless_allowed(
    pool: asyncpg.Pool, nats_url: str, database_url: str
) -> None:
    await _record_with_a_hole(pool)
    refused = _replay(nats_url, database_url, "--run-id", "r1")
    assert refused.returncode == 2
    assert "holes" in refused.stderr and "BTCUSDT" in refused.stderr
    assert "ETHUSDT" not in refused.stderr  # only the symbols with holes are reported
    clean = _replay(
        nats_url, database_url, "--run-id", "r2", "--symbols", "ETHUSDT",
    )  # fmt: skip
    assert clean.returncode == 0, clean.stderr
    allowed = _replay(nats_url, database_url, "--run-id", "r3", "--allow-gaps")
    assert allowed.returncode == 0, allowed.stderr
    assert "replayed 1020 events" in allowed.stdout
