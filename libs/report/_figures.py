"""The backtest page's plotly figures, each returned as an HTML fragment without plotly.js.

Imported only from inside ``render_backtest_report``: plotly takes a noticeable time to
import, and the backtest CLI must not pay for it when no report is asked for.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from report._format import format_float, iso_utc

if TYPE_CHECKING:
    from report.backtest import ReportFill

_CONFIG = {"displaylogo": False, "responsive": True}
_SIDE_STYLE = {"Buy": ("triangle-up", "#1a7f37"), "Sell": ("triangle-down", "#cf222e")}
_OTHER_STYLE = ("circle", "#6e7781")


def plotly_js() -> str:
    """The plotly.js bundle, to inline once per page."""
    return get_plotlyjs()


def _fragment(fig: go.Figure, div_id: str, *, time_axis: bool = True) -> str:
    if time_axis:
        # Timestamps stay epoch ms (short in the file); a date axis reads them as ms UTC.
        fig.update_xaxes(type="date")
    fig.update_layout(template="plotly_white", margin={"l": 60, "r": 20, "t": 30, "b": 40})
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=_CONFIG)


def equity_figure(
    eq_ts: Sequence[int], equity: Sequence[float], dd_ts: Sequence[int], dd: Sequence[float]
) -> str:
    """Equity above, drawdown (hanging down from zero) below, one shared time axis."""
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.04, row_heights=[0.68, 0.32]
    )
    fig.add_trace(go.Scatter(x=eq_ts, y=equity, mode="lines", name="equity"), row=1, col=1)
    fig.add_trace(
        go.Scatter(
            x=dd_ts, y=dd, mode="lines", name="drawdown", fill="tozeroy", line={"color": "#cf222e"}
        ),
        row=2,
        col=1,
    )
    fig.update_yaxes(title_text="equity", row=1, col=1)
    fig.update_yaxes(title_text="drawdown", autorange="reversed", row=2, col=1)
    fig.update_layout(height=560, hovermode="x unified", showlegend=False)
    return _fragment(fig, "fig-equity")


def _fill_text(fill: ReportFill) -> str:
    kind = "open" if fill.opening else "close"
    return "<br>".join(
        (
            iso_utc(fill.ts_ms),
            html.escape(f"{fill.side} {fill.direction} {kind} ({fill.liquidity})"),
            f"price {format_float(fill.price)}",
            f"qty {format_float(fill.qty)}",
            f"realised PnL {format_float(fill.realized_pnl, signed=True)}",
            f"fee {format_float(fill.fee)}",
        )
    )


def _fill_traces(fills: Sequence[ReportFill]) -> list[go.Scatter]:
    """One trace per (side, open/close): filled markers open a leg, hollow ones close it."""
    groups: dict[tuple[str, bool], list[ReportFill]] = {}
    for fill in fills:
        groups.setdefault((fill.side, fill.opening), []).append(fill)
    traces = []
    for (side, opening), group in sorted(groups.items(), key=lambda kv: (kv[0][0], not kv[0][1])):
        symbol, color = _SIDE_STYLE.get(side, _OTHER_STYLE)
        traces.append(
            go.Scatter(
                x=[f.ts_ms for f in group],
                y=[f.price for f in group],
                mode="markers",
                name=f"{side} {'open' if opening else 'close'}",
                marker={
                    "symbol": symbol if opening else f"{symbol}-open",
                    "color": color,
                    "size": 10,
                    "line": {"width": 1.5, "color": color},
                },
                text=[_fill_text(f) for f in group],
                hovertemplate="%{text}<extra></extra>",
                meta="fills",
            )
        )
    return traces


def price_figure(ts: Sequence[int], price: Sequence[float], fills: Sequence[ReportFill]) -> str:
    """The price the strategy saw, with every fill on it (fills are never downsampled)."""
    fig = go.Figure()
    if price:
        fig.add_trace(
            go.Scatter(
                x=ts, y=price, mode="lines", name="price", line={"color": "#8c959f", "width": 1}
            )
        )
    for trace in _fill_traces(fills):
        fig.add_trace(trace)
    fig.update_layout(height=520, yaxis_title="price", legend={"orientation": "h", "y": 1.06})
    return _fragment(fig, "fig-price")


def levels_figure(fills: Sequence[ReportFill]) -> str:
    """Fill counts per price level (each distinct fill price), stacked by side."""
    counts: dict[str, Counter[float]] = {}
    for fill in fills:
        counts.setdefault(fill.side, Counter())[fill.price] += 1
    fig = go.Figure()
    for side in sorted(counts):
        levels = sorted(counts[side])
        fig.add_trace(
            go.Bar(
                x=[counts[side][p] for p in levels],
                y=levels,
                orientation="h",
                name=side,
                marker_color=_SIDE_STYLE.get(side, _OTHER_STYLE)[1],
                hovertemplate="price %{y}<br>%{x} fills",
            )
        )
    fig.update_layout(
        height=max(360, min(900, 12 * len({f.price for f in fills}))),
        barmode="stack",
        xaxis_title="fills",
        yaxis_title="price level",
    )
    return _fragment(fig, "fig-levels", time_axis=False)
