"""The run's HTML report (``report.html``), built from its result and manifest."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from backtest.result import BacktestResult

__all__ = ["render_page"]


def _display(value: Any) -> Any:
    """Decimals as floats for display (the files keep them exact)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _display(v) for k, v in value.items()}
    return value


def render_page(result: BacktestResult, manifest: dict[str, Any]) -> str:
    from report import BacktestReport, ReportFill, render_backtest_report

    config = result.config
    curve = result.equity.curve
    price = [float(p) for p in curve.price]
    fills = [
        ReportFill(
            ts_ms=f.ts_ms,
            side=f.side,
            direction=f.direction,
            price=float(f.price),
            qty=float(f.qty),
            fee=float(f.fee),
            realized_pnl=float(f.realized_pnl),
            opening=f.opening,
            liquidity=f.liquidity,
        )
        for f in result.fills
    ]
    spec = config.strategy
    title = (
        f"Backtest {spec.symbol}: {spec.grid_count} × {spec.grid_step} %, {spec.amount},"
        f" {config.fill_model}, {config.ticks} ticks"
    )
    return render_backtest_report(
        BacktestReport(
            title=title,
            symbol=spec.symbol,
            summary=_display(result.summary),
            manifest=manifest,
            equity_ts_ms=list(curve.ts_ms),
            equity=[float(e) for e in curve.equity],
            price_ts_ms=list(curve.ts_ms),
            price=price,
            fills=fills,
            initial_balance=float(config.balance),
            profile=config.profile_name,
        )
    )
