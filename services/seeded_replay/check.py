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
from decimal import Decimal
from pathlib import Path

import asyncpg
import msgspec

import tenants
from bus import Bus
from compare import (
    CompareOptions,
    Thresholds,
    Verdict,
    compare,
    judge,
    render_report,
    write_outputs,
)
from compare.outputs import metrics_document, verdict_document
from services.comparator.console import summary
from services.comparator.stored import load_position_baseline, load_price, load_stored_side
from services.seeded_replay.session import SeededReplay, SeededResult, run_seeded_replay
from venue import DEFAULT_INSTRUMENTS, InstrumentConfig

__all__ = ["StrategyVerdict", "check_run", "overall_exit"]


class StrategyVerdict(msgspec.Struct, frozen=True, kw_only=True):
    account: str
    symbol: str
    verdict: Verdict
    out: str
    #: The comparison's HTML page (report.html in ``out``).
    report: str
    summary: str
    #: Trades (order lifecycles) of each class, over both legs.
    live_trades: int
    matched: int
    live_only: int
    sim_only: int
    #: The row in ``comparisons`` (V-21).
    comparison_id: uuid.UUID | None = None


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
    base = options or CompareOptions()
    options = msgspec.structs.replace(base, start_ms=result.start_ms, end_ms=result.end_ms)
    units = {i.symbol: (i.tick_size, i.qty_step) for i in instruments}
    verdicts = []
    async with pool.acquire() as conn:
        owner = await _owner(conn, result.run_id)
        for account, symbol in result.strategies:
            tick, lot = units.get(symbol, (Decimal("0.01"), Decimal("0.001")))
            sides = [
                await load_stored_side(
                    conn,
                    ns,
                    account,
                    symbol,
                    tick_size=tick,
                    qty_step=lot,
                    start_ms=result.start_ms,
                    end_ms=result.end_ms,
                )
                for ns in (job.source_ns, result.ns)
            ]
            # Both sides' legs start where live's were: the replay was seeded from them.
            baseline = await load_position_baseline(
                conn, job.source_ns, account, symbol, upto_seq=result.after_seq,
                at_ms=result.start_ms,
            )  # fmt: skip
            live, sim = (
                msgspec.structs.replace(side, positions=(*baseline, *(side.positions or ())))
                for side in sides
            )
            sim = msgspec.structs.replace(sim, manifest=result.manifest)
            comparison = compare(live, sim, options)
            verdict = judge(comparison, thresholds, follow=job.fill_model == "follow")
            folder = out / f"{account}-{symbol}"
            price = await load_price(
                conn, job.source_ns, symbol, start_ms=result.start_ms, end_ms=result.end_ms
            )
            page = render_report(
                comparison,
                verdict,
                title=f"{account} {symbol}: live vs replay",
                subtitle=f"{job.source_ns} vs {result.ns} · fill model {job.fill_model}"
                f" · latency {job.latency}",
                price=price,
            )
            write_outputs(comparison, verdict, folder, report=page)
            stored = await tenants.save_comparison(
                conn,
                owner,
                live_ref=live_ref or job.source_ns,
                sim_ref=result.run_id,
                account_id=account,
                symbol=symbol,
                window_start_ms=comparison.window.start_ms,
                window_end_ms=comparison.window.end_ms,
                status=verdict.status,
                exit_code=verdict.exit_code,
                reason=verdict.reason,
                metrics=metrics_document(comparison),
                verdict=verdict_document(verdict),
                out_dir=str(folder.resolve()),
            )
            trades = comparison.trades["all"]
            verdicts.append(
                StrategyVerdict(
                    account=account,
                    symbol=symbol,
                    verdict=verdict,
                    out=str(folder),
                    report=str(folder / "report.html"),
                    summary=summary(comparison, verdict, folder),
                    live_trades=trades.n_live,
                    matched=trades.matched,
                    live_only=trades.live_only,
                    sim_only=trades.sim_only,
                    comparison_id=stored.comparison_id,
                )
            )
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
