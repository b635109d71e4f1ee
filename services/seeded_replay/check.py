"""A verdict on a recorded run (V-13/V-14): replay it seeded through the engine and the
simbroker, then compare each strategy's live fills, positions and equity with the
replay's, from the event store, and judge them.

Data problems are SKIP with the reason, never FAIL: a window whose seed is incomplete
(V-17) or whose market data has holes. The overall status is the worst of the
strategies' (any FAIL → FAIL, else any SKIP → SKIP, else PASS).

Each strategy's comparison is written to its folder and stored in ``comparisons``
(V-21), owned by the replay run's user: the user of the accounts it replayed, the live
run's.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import asyncpg

import tenants
from bus import Bus
from compare import CompareOptions, Thresholds
from services.comparator.judge_stored import Replayed, StrategyVerdict, judge_strategy
from services.seeded_replay.session import SeededReplay, SeededResult, run_seeded_replay
from venue import DEFAULT_INSTRUMENTS, InstrumentConfig

__all__ = ["StrategyVerdict", "check_run", "overall_exit"]


async def check_run(
    bus: Bus,
    pool: asyncpg.Pool,
    job: SeededReplay,
    out: Path,
    *,
    options: CompareOptions | None = None,
    thresholds: Thresholds | None = None,
    instruments: tuple[InstrumentConfig, ...] = DEFAULT_INSTRUMENTS,
    show_progress: bool = True,
    live_ref: str | None = None,
) -> tuple[SeededResult, list[StrategyVerdict]]:
    """Replay ``job`` and judge every strategy it traded; raises ``replay.SeedMissing``
    when the window cannot be seeded. ``live_ref`` names the live side in
    ``comparisons`` (the live run's id; default its namespace)."""
    result = await run_seeded_replay(bus, pool, job, show_progress=show_progress)
    async with pool.acquire() as conn:
        replayed = Replayed(
            run_id=result.run_id, ns=result.ns, source_ns=job.source_ns,
            start_ms=result.start_ms, end_ms=result.end_ms, after_seq=result.after_seq,
            fill_model=job.fill_model, latency=job.latency,
            owner=await _owner(conn, result.run_id), manifest=result.manifest,
        )  # fmt: skip
        verdicts = [
            await judge_strategy(conn, replayed, account, symbol, out, options=options,
                                 thresholds=thresholds, instruments=instruments,
                                 live_ref=live_ref)
            for account, symbol in result.strategies
        ]  # fmt: skip
    return result, verdicts


async def _owner(conn: asyncpg.Connection, run_id: str) -> uuid.UUID:
    """The replay run's user (the session made it the accounts' owner)."""
    run = await tenants.find_run(conn, run_id)
    if run is None or run.user_id is None:
        raise ValueError(f"replay run {run_id!r} is not registered to a user")
    return run.user_id


def overall_exit(verdicts: list[StrategyVerdict]) -> int:
    """V-14 over strategies: any FAIL → 1, else any SKIP (or none at all) → 2, else 0."""
    codes = [v.verdict.exit_code for v in verdicts]
    if 1 in codes:
        return 1
    if not codes or 2 in codes:
        return 2
    return 0
