"""The summary of a run (spec/backtest.md §12), money in Decimal, ratios in float.

Definitions that are the reference's own (and differ from textbook ones) are kept:
``win_rate`` counts opens in the denominator; ``profit_factor`` is 0 (not infinite)
without a losing trade; ``max_drawdown_pct`` divides by the peak at the **end** of the
run; ``drawdown_duration`` is a count of tickers; the Sharpe ratio is annualised from
1-hour buckets of the equity curve starting at its first point (0 for runs shorter than
two buckets).
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from backtest.equity import EquityTracker
from backtest.records import FillRecord, FundingRecord

__all__ = ["hourly_sharpe", "summarize"]

_ZERO = Decimal(0)
_HOUR_MS = 3_600_000
_PERIODS_PER_YEAR = 8766  # 365.25 × 24


def _profit_factor(pnls: Sequence[Decimal]) -> float:
    gains = sum((p for p in pnls if p > 0), _ZERO)
    losses = sum((p for p in pnls if p < 0), _ZERO)
    return float(gains / -losses) if losses else 0.0


def hourly_sharpe(ts_ms: Sequence[int], equity: Sequence[Decimal]) -> float:
    if len(ts_ms) < 2:
        return 0.0
    start, end = ts_ms[0], ts_ms[-1]
    values: list[float] = []
    i, n = 0, len(ts_ms)
    bucket = start
    while bucket <= end:
        stop = bucket + _HOUR_MS
        last: Decimal | None = None
        while i < n and ts_ms[i] < stop:
            last = equity[i]
            i += 1
        if last is not None:
            values.append(float(last))
        bucket = stop
    if len(values) < 2:
        return 0.0
    returns = [b / a - 1 for a, b in itertools.pairwise(values) if a != 0]
    if len(returns) < 2:
        return 0.0
    std = statistics.stdev(returns)
    if std == 0:
        return 0.0
    return statistics.fmean(returns) / std * math.sqrt(_PERIODS_PER_YEAR)


def summarize(
    fills: Sequence[FillRecord],
    funding: Sequence[FundingRecord],
    equity: EquityTracker,
    *,
    initial: Decimal,
    end_positions: dict[str, dict[str, str]],
    liquidations: Sequence[int] = (),
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Every summary metric by name (Decimals stay Decimals; the writer formats them)."""
    pnls = [f.realized_pnl for f in fills]
    realised = sum(pnls, _ZERO)
    fees = sum((f.fee for f in fills), _ZERO)
    funded = sum((f.amount for f in funding), _ZERO)
    unrealised = equity.final_unrealised
    final = initial + realised + unrealised - fees + funded
    net = final - initial
    wins = [p for p in pnls if p > 0]
    losses = [p for p in pnls if p < 0]
    volume = sum((f.qty * f.price for f in fills), _ZERO)
    total = len(fills)
    by_direction = {
        d: [f.realized_pnl for f in fills if f.direction == d] for d in ("long", "short")
    }
    peak = equity.final_peak
    summary: dict[str, Any] = {
        "fills": total,
        "realized_pnl": realised,
        "unrealized_pnl": unrealised,
        "fees": fees,
        "funding": funded,
        "net_pnl": net,
        "final_balance": final,
        "return_pct": net / initial * 100,
        "max_drawdown": equity.max_drawdown,
        "max_drawdown_pct": equity.max_drawdown / peak * 100 if peak else _ZERO,
        "drawdown_duration": equity.drawdown_duration,
        "wins": len(wins),
        "losses": len(losses),
        "win_rate": len(wins) / total if total else 0.0,
        "avg_win": sum(wins, _ZERO) / len(wins) if wins else _ZERO,
        "avg_loss": sum(losses, _ZERO) / len(losses) if losses else _ZERO,
        "profit_factor": _profit_factor(pnls),
        "sharpe": hourly_sharpe(equity.curve.ts_ms, equity.curve.equity),
        "volume": volume,
        "turnover": volume / initial,
        "peak_im": equity.peak_im,
        "peak_mm": equity.peak_mm,
        "peak_imr_pct": equity.peak_imr_pct,
        "peak_mmr_pct": equity.peak_mmr_pct,
        "long": {
            "trades": len(by_direction["long"]),
            "realized_pnl": sum(by_direction["long"], _ZERO),
            "profit_factor": _profit_factor(by_direction["long"]),
        },
        "short": {
            "trades": len(by_direction["short"]),
            "realized_pnl": sum(by_direction["short"], _ZERO),
            "profit_factor": _profit_factor(by_direction["short"]),
        },
        "end_positions": end_positions,
        "liquidations": len(liquidations),
        "first_liquidation_ms": liquidations[0] if liquidations else None,
    }
    if extra:
        summary.update(extra)
    return summary
