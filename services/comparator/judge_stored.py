"""One strategy of a finished seeded replay judged against live (V-13/V-14), both sides
read from the event store: the comparison, its verdict, the V-21 files and report.html
under ``{root}/{account}-{symbol}``, and the row in ``comparisons``.

The one copy of this step: ``gridtwin check`` calls it right after its replay, the
comparator service when it hears that a replay finished.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import msgspec

from compare import (
    CompareOptions,
    Comparison,
    Side,
    Thresholds,
    Verdict,
    compare,
    judge,
    render_report,
    write_outputs,
)
from services.comparator.console import summary
from services.comparator.outcome import save
from services.comparator.stored import (
    load_position_baseline,
    load_price,
    load_stored_side,
    starting_from,
)
from venue import DEFAULT_INSTRUMENTS, InstrumentConfig

__all__ = ["Replayed", "StrategyVerdict", "judge_strategy"]

#: Units of a symbol the venue does not list.
_UNITS = (Decimal("0.01"), Decimal("0.001"))


class Replayed(msgspec.Struct, frozen=True, kw_only=True):
    """A finished seeded replay, as much of it as judging needs."""

    run_id: str
    #: The replay's namespace and the recorded one it replayed (live's side).
    ns: str
    source_ns: str
    #: The window ``[start_ms, end_ms)`` both sides are compared over.
    start_ms: int
    end_ms: int
    #: The seed point's stream sequence: the live state up to it seeded the replay, so
    #: both sides' legs start from it.
    after_seq: int
    fill_model: str
    latency: str
    #: Who owns the comparisons: the replay run's user (the accounts', the live run's).
    owner: uuid.UUID
    #: The replay's manifest, shown on the page: job and seed, code version, hashes.
    manifest: dict[str, Any] = msgspec.field(default_factory=dict)


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


async def judge_strategy(
    conn: asyncpg.Connection,
    replayed: Replayed,
    account: str,
    symbol: str,
    root: Path,
    *,
    options: CompareOptions | None = None,
    thresholds: Thresholds | None = None,
    instruments: tuple[InstrumentConfig, ...] = DEFAULT_INSTRUMENTS,
    live_ref: str | None = None,
) -> StrategyVerdict:
    """Judge ``account`` × ``symbol`` of ``replayed``, write its folder under ``root`` and
    store the comparison (``live_ref`` names the live side; default its namespace)."""
    r = replayed
    options = msgspec.structs.replace(
        options or CompareOptions(), start_ms=r.start_ms, end_ms=r.end_ms
    )
    tick, lot = next(((i.tick_size, i.qty_step) for i in instruments if i.symbol == symbol), _UNITS)
    live, sim = [
        await load_stored_side(conn, ns, account, symbol, tick_size=tick, qty_step=lot,
                               start_ms=r.start_ms, end_ms=r.end_ms)
        for ns in (r.source_ns, r.ns)
    ]  # fmt: skip
    # Both sides' legs start where live's were: the replay was seeded from them.
    baseline = await load_position_baseline(
        conn, r.source_ns, account, symbol, upto_seq=r.after_seq, at_ms=r.start_ms
    )
    live = starting_from(live, baseline)
    sim = msgspec.structs.replace(starting_from(sim, baseline), manifest=r.manifest)
    price = await load_price(conn, r.source_ns, symbol, start_ms=r.start_ms, end_ms=r.end_ms)
    folder = root / f"{account}-{symbol}"
    # Matching, the page and the files are CPU and disk work: off the event loop, so a
    # long-running service keeps answering the bus and /healthz meanwhile.
    comparison, verdict = await asyncio.to_thread(
        _judge_and_write, live, sim, options, thresholds, folder, r, account, symbol, price
    )
    stored = await save(
        conn, r.owner, comparison, verdict, live_ref=live_ref or r.source_ns,
        sim_ref=r.run_id, account=account, symbol=symbol, out_dir=str(folder.resolve()),
    )  # fmt: skip
    trades = comparison.trades["all"]
    return StrategyVerdict(
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


def _judge_and_write(
    live: Side,
    sim: Side,
    options: CompareOptions,
    thresholds: Thresholds | None,
    folder: Path,
    r: Replayed,
    account: str,
    symbol: str,
    price: Sequence[tuple[int, float]],
) -> tuple[Comparison, Verdict]:
    comparison = compare(live, sim, options)
    verdict = judge(comparison, thresholds, follow=r.fill_model == "follow")
    page = render_report(
        comparison,
        verdict,
        title=f"{account} {symbol}: live vs replay",
        subtitle=f"{r.source_ns} vs {r.ns} · fill model {r.fill_model} · latency {r.latency}",
        price=price,
    )
    write_outputs(comparison, verdict, folder, report=page)
    return comparison, verdict
