"""What every ``gridtwin compare`` ends with, whatever its sides came from: the comparison,
its verdict, the page and the V-21 files under ``--out``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

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

__all__ = ["follows", "judge_and_write"]


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
