"""One comparison as the HTML report's data (``report.ComparisonReport``): exact Decimals
turned into floats for display; the files written by ``compare.outputs`` stay exact."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from itertools import accumulate
from typing import Any

from compare.comparison import Comparison
from compare.records import Window
from compare.trades import Trade
from compare.verdict import Check, Verdict
from report import (
    ComparisonReport,
    ReportCheck,
    ReportMatch,
    ReportPosition,
    ReportTrade,
    render_comparison_report,
)

__all__ = ["comparison_report", "render_report"]

_ZERO = Decimal(0)


def _float(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def _check(k: Check) -> ReportCheck:
    return ReportCheck(
        name=k.name, status=k.status, value=_float(k.value), op=k.op,
        threshold=float(k.threshold), unit=k.unit, reason=k.reason,
    )  # fmt: skip


def _reason(verdict: Verdict) -> str:
    """The verdict's own reason (a SKIP's), else for a FAIL the checks that failed it."""
    if verdict.reason or verdict.status != "FAIL":
        return verdict.reason
    failed = [k.name for k in verdict.checks if k.status == "FAIL" and k.evidence]
    return f"failed: {', '.join(failed)}"


def _cumulative_pnl(trades: Sequence[Trade], window: Window) -> tuple[list[int], list[float]]:
    """Running realised PnL in time order (summed in Decimal: no drift over a long run),
    from 0 at the window's start and held to its last millisecond, so both sides' lines
    span the same time and end on their totals."""
    if not trades:
        return [], []
    ordered = sorted(trades, key=lambda t: t.ts_ms)
    sums = [float(s) for s in accumulate((t.realized_pnl for t in ordered), initial=_ZERO)]
    ts = [window.start_ms, *(t.ts_ms for t in ordered)]
    last = window.end_ms - 1  # the window is half-open
    if ts[-1] < last:
        ts.append(last)
        sums.append(sums[-1])
    return ts, sums


def _unmatched(trades: Sequence[Trade]) -> list[ReportTrade]:
    return [
        ReportTrade(ts_ms=t.ts_ms, price=float(t.price), side=t.side, qty=float(t.qty),
                    direction=t.direction, client_id=t.client_id)
        for t in trades
    ]  # fmt: skip


def _matched(c: Comparison) -> list[ReportMatch]:
    d = c.deltas
    return [
        ReportMatch(
            live_ts_ms=p.live.ts_ms, sim_ts_ms=p.sim.ts_ms, live_price=float(p.live.price),
            sim_price=float(p.sim.price), price_ticks=ticks, dt_s=dt, side=p.live.side,
            direction=p.live.direction, client_id=p.live.client_id,
        )
        for p, ticks, dt in zip(c.matching.pairs, d.price_ticks, d.dt_s, strict=True)
    ]  # fmt: skip


def _positions(c: Comparison) -> list[ReportPosition]:
    return [
        ReportPosition(ts_ms=r.ts_ms, leg=r.leg, live_size=float(r.live_size),
                       sim_size=float(r.sim_size), diverged=r.diverged)
        for r in c.position_rows
    ]  # fmt: skip


def _summary(c: Comparison) -> dict[str, Any]:
    """The headline metrics over all trades (the full set is in metrics.json)."""
    m, e = c.trades["all"], c.equity
    return {
        "live trades": m.n_live,
        "sim trades": m.n_sim,
        "matched": m.matched,
        "match rate": m.match_rate,
        "live-only": m.live_only,
        "sim-only": m.sim_only,
        "sim-only rate": m.sim_only_rate,
        "price |Δ| p95 (ticks)": m.price.p95,
        "time |Δt| p95 (s)": m.time.p95,
        "time mean Δt (s)": m.time.mean_signed,
        "live realised (USDT)": float(m.live_realized),
        "sim realised (USDT)": float(m.sim_realized),
        "realised Δ (USDT)": float(m.realized_delta),
        "fees Δ (USDT)": float(m.fees_delta),
        "equity max |Δ| (USDT)": _float(e.max_abs_delta),
        "equity final Δ (USDT)": _float(e.final_delta),
        "positions diverged share": c.positions.diverged_share,
    }


def comparison_report(
    comparison: Comparison,
    verdict: Verdict,
    *,
    title: str,
    subtitle: str = "",
    price: Sequence[tuple[int, float]] = (),
) -> ComparisonReport:
    """The report of one comparison and its verdict. ``price``: ``(ts_ms, price)`` to draw
    the trades on (the comparison keeps no price series of its own); may be empty."""
    c = comparison
    live_pnl_ts, live_pnl = _cumulative_pnl(c.live_trades, c.window)
    sim_pnl_ts, sim_pnl = _cumulative_pnl(c.sim_trades, c.window)
    return ComparisonReport(
        title=title,
        subtitle=subtitle,
        status=verdict.status,
        reason=_reason(verdict),
        window_start_ms=c.window.start_ms,
        window_end_ms=c.window.end_ms,
        checks=[_check(k) for k in verdict.checks],
        summary=_summary(c),
        equity_ts_ms=[r.ts_ms for r in c.equity_rows],
        live_equity=[_float(r.live) for r in c.equity_rows],
        sim_equity=[_float(r.sim) for r in c.equity_rows],
        live_pnl_ts_ms=live_pnl_ts,
        live_pnl=live_pnl,
        sim_pnl_ts_ms=sim_pnl_ts,
        sim_pnl=sim_pnl,
        price_ts_ms=[ts for ts, _ in price],
        price=[float(p) for _, p in price],
        matched=_matched(c),
        live_only=_unmatched(c.matching.live_only),
        sim_only=_unmatched(c.matching.sim_only),
        positions=_positions(c),
        manifests=c.manifests,
    )


def render_report(
    comparison: Comparison,
    verdict: Verdict,
    *,
    title: str,
    subtitle: str = "",
    price: Sequence[tuple[int, float]] = (),
) -> str:
    """The comparison's self-contained HTML page (report.html)."""
    report = comparison_report(comparison, verdict, title=title, subtitle=subtitle, price=price)
    return render_comparison_report(report)
