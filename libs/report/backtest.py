"""One backtest as one self-contained HTML page: headline, equity, fills, levels, metrics."""

from __future__ import annotations

import html
from typing import Any

import msgspec

from report._format import format_float, format_value, iso_utc, json_text
from report._page import document, empty, section, summary_table
from report._series import downsample, drawdown


class ReportFill(msgspec.Struct, frozen=True, kw_only=True):
    """One fill as the report shows it (floats: this is display, not accounting)."""

    ts_ms: int  # exchange time, epoch ms UTC
    side: str  # "Buy" | "Sell"
    direction: str  # "long" | "short"
    price: float
    qty: float
    fee: float
    realized_pnl: float
    opening: bool  # True opens or adds to a leg; False is a reduce-only close
    liquidity: str = "maker"  # "maker" | "taker"


class BacktestReport(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the page shows; series are full resolution, the renderer downsamples."""

    title: str
    symbol: str
    summary: dict[str, Any]  # metric name -> value
    manifest: dict[str, Any]  # config snapshot, code version, inputs with sha256, result hash
    equity_ts_ms: list[int]
    equity: list[float]
    price_ts_ms: list[int]
    price: list[float]
    fills: list[ReportFill]
    initial_balance: float
    profile: str = "reference"  # the behaviour profile that ran

    def __post_init__(self) -> None:
        if len(self.equity_ts_ms) != len(self.equity):
            raise ValueError(
                f"{len(self.equity_ts_ms)} equity timestamps, {len(self.equity)} values"
            )
        if len(self.price_ts_ms) != len(self.price):
            raise ValueError(f"{len(self.price_ts_ms)} price timestamps, {len(self.price)} values")


def _period(r: BacktestReport) -> tuple[int, int] | None:
    firsts = [s[0] for s in (r.equity_ts_ms, r.price_ts_ms) if s]
    lasts = [s[-1] for s in (r.equity_ts_ms, r.price_ts_ms) if s]
    if r.fills:
        firsts.append(min(f.ts_ms for f in r.fills))
        lasts.append(max(f.ts_ms for f in r.fills))
    return (min(firsts), max(lasts)) if firsts else None


def _headline(r: BacktestReport, dd: list[float]) -> str:
    fills = f"fills <b>{len(r.fills)}</b>"
    if not r.equity:
        return f"net PnL {format_value(None)} · {fills} · max drawdown {format_value(None)}"
    net = r.equity[-1] - r.initial_balance
    ret = (
        f" ({format_float(100 * net / r.initial_balance, signed=True)} %)"
        if r.initial_balance
        else ""
    )
    trough = max(range(len(dd)), key=dd.__getitem__)
    peak = r.equity[trough] + dd[trough]
    dd_pct = f" ({format_float(100 * dd[trough] / peak)} %)" if peak else ""
    return (
        f"net PnL <b>{format_float(net, signed=True)}</b>{ret} · {fills} · "
        f"max drawdown <b>{format_float(dd[trough])}</b>{dd_pct}"
    )


def _header(r: BacktestReport, dd: list[float]) -> str:
    period = _period(r)
    span = f"{iso_utc(period[0])} → {iso_utc(period[1])}" if period else format_value(None)
    return (
        f'<header id="overview">\n<h1>{html.escape(r.title)}</h1>\n'
        f'<p class="meta">symbol <b>{html.escape(r.symbol)}</b> · profile '
        f"<b>{html.escape(r.profile)}</b> · period {span}</p>\n"
        f'<p class="headline">{_headline(r, dd)}</p>\n</header>'
    )


def _charts(r: BacktestReport, dd: list[float]) -> tuple[list[str], list[str]]:
    """The chart sections and the scripts they need (plotly.js once, or nothing)."""
    if not (r.equity or r.price or r.fills):
        return [section("charts", "Charts", empty("No data: no ticks and no fills."))], []
    # Lazy on purpose: see report._figures.
    from report import _figures

    if r.equity:
        eq = _figures.equity_figure(
            *downsample(r.equity_ts_ms, r.equity), *downsample(r.equity_ts_ms, dd)
        )
    else:
        eq = empty("No equity data.")
    if r.price or r.fills:
        price = _figures.price_figure(*downsample(r.price_ts_ms, r.price), r.fills)
    else:
        price = empty("No price data.")
    levels = _figures.levels_figure(r.fills) if r.fills else empty("No fills.")
    return [
        section("equity", "Equity and drawdown", eq),
        section("price", "Price and fills", price),
        section("levels", "Fills per grid level", levels),
    ], [_figures.plotly_js()]


def render_backtest_report(report: BacktestReport) -> str:
    """The whole HTML document: one file that opens offline, plotly.js inlined at most once."""
    dd = drawdown(report.equity, report.initial_balance)
    charts, scripts = _charts(report, dd)
    manifest = f"<pre>{html.escape(json_text(report.manifest, indent=2))}</pre>"
    body = "\n".join(
        [
            _header(report, dd),
            *charts,
            summary_table(report.summary),
            section("manifest", "Manifest", manifest),
        ]
    )
    return document(f"{report.title} — {report.symbol}", body, head_scripts=scripts)
