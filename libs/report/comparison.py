"""One comparison of a live run with its simulation as one self-contained HTML page: the
verdict, its checks, equity, realised PnL, every trade on a timeline, per-trade deltas,
positions and the headline metrics."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import msgspec

from report._format import format_value, iso_utc, json_text, value_cell
from report._page import document, empty, section, summary_table
from report._series import downsample

__all__ = [
    "ComparisonReport",
    "LegSizes",
    "ReportCheck",
    "ReportMatch",
    "ReportPosition",
    "ReportTrade",
    "render_comparison_report",
]

STATUSES = ("PASS", "FAIL", "SKIP")
# Verdict colours: the same green / red / grey the charts use for good / bad / neutral.
_STATUS_COLOR = {"PASS": "#1a7f37", "FAIL": "#cf222e", "SKIP": "#6e7781"}
_BADGE = (
    "display:inline-block;padding:.3rem 1.2rem;border-radius:6px;color:#fff;"
    "font-size:1.8rem;font-weight:700;letter-spacing:.06em;margin-right:.75rem;"
    "vertical-align:middle"
)
_FAIL_ROW = "background:#ffebe9"
_CHECK_COLUMNS = ("check", "status", "value", "op", "threshold", "unit", "reason")

Series = tuple[list[int], list[float]]


class ReportCheck(msgspec.Struct, frozen=True, kw_only=True):
    """One verdict check as shown: passes when ``value op threshold``."""

    name: str
    status: str  # "PASS" | "FAIL" | "SKIP"
    value: float | None  # None: n/a (the check was skipped)
    op: str  # "<=" | ">="
    threshold: float
    unit: str
    reason: str = ""


class ReportMatch(msgspec.Struct, frozen=True, kw_only=True):
    """A matched pair; deltas are sim − live (floats: this is display, not accounting)."""

    live_ts_ms: int
    sim_ts_ms: int
    live_price: float
    sim_price: float
    price_ticks: float
    dt_s: float
    side: str  # "Buy" | "Sell"
    direction: str = ""  # "long" | "short"
    client_id: str = ""


class ReportTrade(msgspec.Struct, frozen=True, kw_only=True):
    """A trade only one side made (live-only or sim-only)."""

    ts_ms: int
    price: float
    side: str
    qty: float
    direction: str = ""
    client_id: str = ""


class ReportPosition(msgspec.Struct, frozen=True, kw_only=True):
    """One leg's size on both sides at one grid point."""

    ts_ms: int
    leg: str  # "long" | "short"
    live_size: float
    sim_size: float
    diverged: bool  # |Δsize| ≥ 1 lot


class ComparisonReport(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the page shows; series are full resolution, the renderer downsamples
    the lines and never the trades."""

    title: str
    subtitle: str = ""  # e.g. "demo-a BTCUSDT · strict_cross · latency recorded"
    status: str  # the verdict: "PASS" | "FAIL" | "SKIP"
    reason: str = ""
    window_start_ms: int | None = None  # the compared window [start, end), epoch ms UTC
    window_end_ms: int | None = None
    checks: list[ReportCheck] = msgspec.field(default_factory=list)
    summary: dict[str, Any] = msgspec.field(default_factory=dict)  # metric name -> value
    equity_ts_ms: list[int] = msgspec.field(default_factory=list)
    live_equity: list[float | None] = msgspec.field(default_factory=list)  # None: no value yet
    sim_equity: list[float | None] = msgspec.field(default_factory=list)
    live_pnl_ts_ms: list[int] = msgspec.field(default_factory=list)  # cumulative realised
    live_pnl: list[float] = msgspec.field(default_factory=list)
    sim_pnl_ts_ms: list[int] = msgspec.field(default_factory=list)
    sim_pnl: list[float] = msgspec.field(default_factory=list)
    price_ts_ms: list[int] = msgspec.field(default_factory=list)
    price: list[float] = msgspec.field(default_factory=list)
    matched: list[ReportMatch] = msgspec.field(default_factory=list)
    live_only: list[ReportTrade] = msgspec.field(default_factory=list)
    sim_only: list[ReportTrade] = msgspec.field(default_factory=list)
    positions: list[ReportPosition] = msgspec.field(default_factory=list)
    #: Each side's run manifest ("live", "sim"): config, code version, input/output hashes.
    manifests: dict[str, Any] = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        for status in (self.status, *(c.status for c in self.checks)):
            if status not in STATUSES:
                raise ValueError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
        n = len(self.equity_ts_ms)
        if not len(self.live_equity) == len(self.sim_equity) == n:
            raise ValueError(
                f"{n} equity timestamps, {len(self.live_equity)} live values,"
                f" {len(self.sim_equity)} sim values"
            )
        for name in ("live_pnl", "sim_pnl", "price"):
            ts, values = getattr(self, f"{name}_ts_ms"), getattr(self, name)
            if len(ts) != len(values):
                raise ValueError(f"{len(ts)} {name} timestamps, {len(values)} values")


class LegSizes(NamedTuple):
    """One leg's position chart: both sides' sizes (downsampled) and every diverged point."""

    leg: str
    live: Series
    sim: Series
    diverged: list[ReportPosition]


# --- overview and checks --------------------------------------------------------------


def _badge(status: str) -> str:
    color = _STATUS_COLOR.get(status, _STATUS_COLOR["SKIP"])
    return (
        f'<span class="verdict verdict-{html.escape(status.lower(), quote=True)}" '
        f'style="{_BADGE};background:{color}">{html.escape(status)}</span>'
    )


def _window(r: ComparisonReport) -> str:
    if r.window_start_ms is None or r.window_end_ms is None:
        return format_value(None)
    return f"{iso_utc(r.window_start_ms)} → {iso_utc(r.window_end_ms)}"


def _headline(r: ComparisonReport) -> str:
    failed = sum(1 for c in r.checks if c.status == "FAIL")
    return (
        f"matched <b>{len(r.matched)}</b> · live-only <b>{len(r.live_only)}</b> · "
        f"sim-only <b>{len(r.sim_only)}</b> · failed checks <b>{failed}</b> of {len(r.checks)}"
    )


def _overview(r: ComparisonReport) -> str:
    subtitle = f'<p class="meta">{html.escape(r.subtitle)}</p>\n' if r.subtitle else ""
    reason = f'<span class="reason">{html.escape(r.reason)}</span>' if r.reason else ""
    return (
        f'<header id="overview">\n<h1>{html.escape(r.title)}</h1>\n{subtitle}'
        f'<p class="meta">window {_window(r)}</p>\n'
        f'<p class="headline">{_badge(r.status)}{reason}</p>\n'
        f'<p class="headline">{_headline(r)}</p>\n</header>'
    )


def _check_row(c: ReportCheck) -> str:
    # A FAIL is what a reader scans for: the whole row is tinted, its status in red.
    row_attrs = f' class="fail" style="{_FAIL_ROW}"' if c.status == "FAIL" else ""
    color = _STATUS_COLOR.get(c.status, _STATUS_COLOR["SKIP"])
    return (
        f'<tr{row_attrs}><th scope="row">{html.escape(c.name)}</th>'
        f'<td style="color:{color};font-weight:600">{html.escape(c.status)}</td>'
        f"{value_cell(c.value)}<td>{html.escape(c.op)}</td>{value_cell(c.threshold)}"
        f"<td>{html.escape(c.unit)}</td><td>{html.escape(c.reason)}</td></tr>"
    )


def _checks(checks: Sequence[ReportCheck]) -> str:
    if not checks:
        return section("checks", "Checks", empty("No checks."))
    head = "".join(f'<th scope="col">{name}</th>' for name in _CHECK_COLUMNS)
    rows = "\n".join(_check_row(c) for c in checks)
    table = (
        f'<table class="checks">\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{rows}\n</tbody>\n</table>"
    )
    return section("checks", "Checks", table)


# --- charts ---------------------------------------------------------------------------


def _present(ts: Sequence[int], values: Sequence[float | None]) -> Series:
    """The points that have a value (a side has no equity before its first event)."""
    kept = [(t, v) for t, v in zip(ts, values, strict=True) if v is not None]
    return [t for t, _ in kept], [v for _, v in kept]


def _equity(r: ComparisonReport) -> str | None:
    live = _present(r.equity_ts_ms, r.live_equity)
    sim = _present(r.equity_ts_ms, r.sim_equity)
    if not (live[0] or sim[0]):
        return None
    delta = _present(
        r.equity_ts_ms,
        [
            None if a is None or b is None else b - a
            for a, b in zip(r.live_equity, r.sim_equity, strict=True)
        ],
    )
    from report import _comparison_figures as figs

    return figs.equity_figure(downsample(*live), downsample(*sim), downsample(*delta))


def _pnl(r: ComparisonReport) -> str | None:
    if not (r.live_pnl or r.sim_pnl):
        return None
    from report import _comparison_figures as figs

    return figs.pnl_figure(
        downsample(r.live_pnl_ts_ms, r.live_pnl), downsample(r.sim_pnl_ts_ms, r.sim_pnl)
    )


def _timeline(r: ComparisonReport) -> str | None:
    if not (r.price or r.matched or r.live_only or r.sim_only):
        return None
    from report import _comparison_figures as figs

    # The price line is downsampled; trades never are: each one is evidence.
    return figs.timeline_figure(
        downsample(r.price_ts_ms, r.price), r.matched, r.live_only, r.sim_only
    )


def _deltas(r: ComparisonReport) -> str | None:
    if not r.matched:
        return None
    from report import _comparison_figures as figs

    return figs.deltas_figure(r.matched)


def _legs(positions: Sequence[ReportPosition]) -> list[LegSizes]:
    """Per leg in order of first appearance: sizes downsampled, diverged points all kept."""
    by_leg: dict[str, list[ReportPosition]] = {}
    for p in positions:
        by_leg.setdefault(p.leg, []).append(p)
    legs = []
    for leg, rows in by_leg.items():
        ts = [p.ts_ms for p in rows]
        legs.append(
            LegSizes(
                leg=leg,
                live=downsample(ts, [p.live_size for p in rows]),
                sim=downsample(ts, [p.sim_size for p in rows]),
                diverged=[p for p in rows if p.diverged],
            )
        )
    return legs


def _positions(r: ComparisonReport) -> str | None:
    if not r.positions:
        return None
    from report import _comparison_figures as figs

    return figs.positions_figure(_legs(r.positions))


# (section id, heading, figure or None without data, text shown without data)
_CHARTS: tuple[tuple[str, str, Callable[[ComparisonReport], str | None], str], ...] = (
    ("equity", "Equity: live vs sim", _equity, "No equity data."),
    ("pnl", "Cumulative realised PnL", _pnl, "No realised PnL: no trades."),
    ("timeline", "Trades on the price", _timeline, "No price data and no trades."),
    ("deltas", "Δprice and Δt of matched trades (sim − live)", _deltas, "No matched trades."),
    ("positions", "Positions per leg", _positions, "No position data."),
)


def _charts(r: ComparisonReport) -> tuple[list[str], list[str]]:
    """The chart sections and the scripts they need (plotly.js once, or nothing)."""
    sections, drawn = [], False
    for section_id, heading, figure, no_data in _CHARTS:
        fragment = figure(r)
        drawn = drawn or fragment is not None
        sections.append(section(section_id, heading, fragment or empty(no_data)))
    if not drawn:
        return sections, []
    # Lazy on purpose: see report._figures.
    from report._figures import plotly_js

    return sections, [plotly_js()]


def render_comparison_report(report: ComparisonReport) -> str:
    """The whole HTML document: one file that opens offline, plotly.js inlined at most once."""
    charts, scripts = _charts(report)
    manifests = f"<pre>{html.escape(json_text(report.manifests, indent=2))}</pre>"
    body = "\n".join(
        [
            _overview(report),
            _checks(report.checks),
            *charts,
            summary_table(report.summary),
            section("manifests", "Run manifests", manifests),
        ]
    )
    return document(f"{report.title} — {report.status}", body, head_scripts=scripts)
