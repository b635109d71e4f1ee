"""The short console summary: classes, key deltas, each check."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from compare import Check, Comparison, Verdict, iso

__all__ = ["summary"]


def _n(value: float | Decimal | None, digits: int = 3) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, Decimal):  # money: to 6 places, trailing zeros dropped
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        return "0" if text in ("0", "-0") else text
    return f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f} %"


def _check(k: Check) -> str:
    line = f"  {k.status:<4} {k.name:<12} {_n(k.value, 4)} {k.op} {_n(k.threshold, 4)} {k.unit}"
    return f"{line}  ({k.reason})" if k.reason else line


def summary(c: Comparison, v: Verdict, out: Path) -> str:
    m = c.trades["all"]
    e, p = c.equity, c.positions
    lines = [
        f"window {iso(c.window.start_ms)} → {iso(c.window.end_ms)} · {c.matching.mode} matching"
        f" · fills live {c.live_fills} sim {c.sim_fills}",
        f"trades live {m.n_live} sim {m.n_sim} · matched {m.matched} ({_pct(m.match_rate)})"
        f" · live-only {m.live_only} · sim-only {m.sim_only} ({_pct(m.sim_only_rate)})"
        f" · breaches {m.breaches}",
        f"deltas price p95 {_n(m.price.p95, 2)} ticks · qty p95 {_n(m.qty.p95, 2)} lots"
        f" · Δt mean {_n(m.time.mean_signed)} s p95 |Δt| {_n(m.time.p95)} s"
        f" · fees Δ {_n(m.fees_delta)} · realised Δ {_n(m.realized_delta)} USDT"
        f" · PnL r {_n(m.pnl_correlation)} (cumulative {_n(m.pnl_cum_correlation)})",
        f"equity max |Δ| {_n(e.max_abs_delta)} · final Δ {_n(e.final_delta)} USDT over"
        f" {e.points} points · positions diverged {_pct(p.diverged_share)} of {p.points}"
        f" points (first {iso(p.first_divergence_ms) or 'never'})",
        "checks",
        *map(_check, v.checks),
        f"verdict {v.status}{f' ({v.reason})' if v.reason else ''} → {out}",
    ]
    return "\n".join(lines)
