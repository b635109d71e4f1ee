"""A verdict on a recorded run (V-13/V-14): replay it seeded through the engine and the
simbroker, then compare each strategy's live fills, positions and equity with the
replay's, from the event store, and judge them.

Data problems are SKIP with the reason, never FAIL: a window whose seed is incomplete
(V-17) or whose market data has holes. The overall status is the worst of the
strategies' (any FAIL → FAIL, else any SKIP → SKIP, else PASS).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import asyncpg
import msgspec

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
from services.comparator.console import summary
from services.comparator.stored import load_price, load_stored_side
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
) -> tuple[SeededResult, list[StrategyVerdict]]:
    """Replay ``job`` and judge every strategy it traded; raises ``replay.SeedMissing``
    when the window cannot be seeded."""
    result = await run_seeded_replay(bus, pool, job, show_progress=show_progress)
    base = options or CompareOptions()
    options = msgspec.structs.replace(base, start_ms=result.start_ms, end_ms=result.end_ms)
    units = {i.symbol: (i.tick_size, i.qty_step) for i in instruments}
    verdicts = []
    async with pool.acquire() as conn:
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
            sim = msgspec.structs.replace(sides[1], manifest=result.manifest)
            comparison = compare(sides[0], sim, options)
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
                )
            )
    return result, verdicts


def overall_exit(verdicts: list[StrategyVerdict]) -> int:
    """V-14 over strategies: any FAIL → 1, else any SKIP (or none at all) → 2, else 0."""
    codes = [v.verdict.exit_code for v in verdicts]
    if 1 in codes:
        return 1
    if not codes or 2 in codes:
        return 2
    return 0
