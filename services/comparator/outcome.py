"""What every ``gridtwin compare`` ends with, whatever its sides came from: the comparison,
its verdict, the page and the V-21 files under ``--out``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg

import tenants
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
from compare.outputs import metrics_document, verdict_document

__all__ = ["follows", "judge_and_write", "save"]


def follows(manifest: dict[str, Any]) -> bool:
    """A sim that replayed recorded executions (fill model ``follow``) restates them: a
    backtest says so in its config, a stored replay run in its params."""
    config = manifest.get("config")
    if isinstance(config, dict) and config.get("fill_model") == "follow":
        return True
    return manifest.get("fill_model") == "follow"


def judge_and_write(
    live: Side,
    sim: Side,
    options: CompareOptions,
    thresholds: Thresholds,
    out: Path,
    *,
    subtitle: str,
    price: Sequence[tuple[int, float]] = (),
) -> tuple[Comparison, Verdict]:
    comparison = compare(live, sim, options)
    verdict = judge(comparison, thresholds, follow=follows(sim.manifest))
    page = render_report(comparison, verdict, title="live vs sim", subtitle=subtitle, price=price)
    write_outputs(comparison, verdict, out, report=page)
    return comparison, verdict


async def save(
    conn: asyncpg.Connection,
    owner: uuid.UUID,
    comparison: Comparison,
    verdict: Verdict,
    *,
    live_ref: str,
    sim_ref: str,
    account: str | None,
    symbol: str | None,
    out_dir: str,
) -> tenants.StoredComparison:
    """The comparison's row in ``comparisons`` (V-21), owned by the live run's user."""
    return await tenants.save_comparison(
        conn,
        owner,
        live_ref=live_ref,
        sim_ref=sim_ref,
        account_id=account,
        symbol=symbol,
        window_start_ms=comparison.window.start_ms,
        window_end_ms=comparison.window.end_ms,
        status=verdict.status,
        exit_code=verdict.exit_code,
        reason=verdict.reason,
        metrics=metrics_document(comparison),
        verdict=verdict_document(verdict),
        out_dir=out_dir,
    )
