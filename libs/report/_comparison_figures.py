"""The comparison page's plotly figures, each returned as an HTML fragment without plotly.js.

Imported only from inside ``render_comparison_report``, like ``report._figures``: plotly is
slow to import and the compare CLI must not pay for it when no report is asked for.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from report._figures import _fragment
from report._format import format_float, iso_utc

if TYPE_CHECKING:
    from report.comparison import LegSizes, ReportMatch, ReportTrade, Series

LIVE, SIM, DELTA = "#0969da", "#8250df", "#cf222e"
PRICE = "#8c959f"
# Trade classes: matched neutral blue, a live trade the sim missed red, a sim phantom amber.
_MATCHED = {"symbol": "circle", "color": LIVE, "size": 7}
_LIVE_ONLY = {"symbol": "x", "color": DELTA, "size": 11}
_SIM_ONLY = {"symbol": "diamond-open", "color": "#bf8700", "size": 11, "line": {"width": 2}}
_HOVER = "%{text}<extra></extra>"


def _line(series: Series, name: str, color: str, **kwargs: object) -> go.Scatter:
    ts, values = series
    return go.Scatter(x=ts, y=values, mode="lines", name=name, line={"color": color}, **kwargs)


def equity_figure(live: Series, sim: Series, delta: Series) -> str:
    """Both equity curves above, sim − live (around zero) below, one shared time axis."""
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.04, row_heights=[0.68, 0.32]
    )
    fig.add_trace(_line(live, "live", LIVE), row=1, col=1)
    fig.add_trace(_line(sim, "sim", SIM), row=1, col=1)
    fig.add_trace(_line(delta, "sim − live", DELTA, fill="tozeroy"), row=2, col=1)
    fig.update_yaxes(title_text="equity", row=1, col=1)
    fig.update_yaxes(title_text="sim − live", zeroline=True, row=2, col=1)
    fig.update_layout(height=560, hovermode="x unified", legend={"orientation": "h", "y": 1.06})
    return _fragment(fig, "fig-equity")


def pnl_figure(live: Series, sim: Series) -> str:
    """Running sums of realised PnL: steps, since PnL is only realised at a fill."""
    fig = go.Figure()
    fig.add_trace(_line(live, "live", LIVE, line_shape="hv"))
    fig.add_trace(_line(sim, "sim", SIM, line_shape="hv"))
    fig.update_layout(
        height=400,
        hovermode="x unified",
        yaxis_title="realised PnL",
        legend={"orientation": "h", "y": 1.08},
    )
    return _fragment(fig, "fig-pnl")


def _who(side: str, direction: str, client_id: str) -> str:
    who = f"{side} {direction}".strip()
    return html.escape(f"{who} · {client_id}" if client_id else who)


def _matched_text(m: ReportMatch) -> str:
    return "<br>".join(
        (
            f"matched: {_who(m.side, m.direction, m.client_id)}",
            f"live {iso_utc(m.live_ts_ms)} @ {format_float(m.live_price)}",
            f"sim {iso_utc(m.sim_ts_ms)} @ {format_float(m.sim_price)}",
            f"Δprice {format_float(m.price_ticks, signed=True)} ticks",
            f"Δt {format_float(m.dt_s, signed=True)} s",
        )
    )


def _unmatched_text(kind: str, t: ReportTrade) -> str:
    return "<br>".join(
        (
            f"{kind}: {_who(t.side, t.direction, t.client_id)}",
            iso_utc(t.ts_ms),
            f"price {format_float(t.price)}",
            f"qty {format_float(t.qty)}",
        )
    )


def _trades(
    name: str, ts: list[int], price: list[float], text: list[str], marker: dict[str, object]
) -> go.Scatter:
    return go.Scatter(
        x=ts, y=price, mode="markers", name=name, marker=marker, text=text,
        hovertemplate=_HOVER, meta="trades",
    )  # fmt: skip


def timeline_figure(
    price: Series,
    matched: Sequence[ReportMatch],
    live_only: Sequence[ReportTrade],
    sim_only: Sequence[ReportTrade],
) -> str:
    """The price with every trade of both sides on it, in three classes (always all three
    traces, an empty class too, so the page always names them). Matched trades sit at the
    live fill; the sim's time and price are in the hover."""
    fig = go.Figure()
    if price[0]:
        fig.add_trace(_line(price, "price", PRICE, hoverinfo="skip", opacity=0.8))
    fig.add_trace(
        _trades(
            "matched",
            [m.live_ts_ms for m in matched],
            [m.live_price for m in matched],
            [_matched_text(m) for m in matched],
            _MATCHED,
        )
    )
    for name, trades, marker in (("live-only", live_only, _LIVE_ONLY),
                                 ("sim-only", sim_only, _SIM_ONLY)):  # fmt: skip
        fig.add_trace(
            _trades(
                name,
                [t.ts_ms for t in trades],
                [t.price for t in trades],
                [_unmatched_text(name, t) for t in trades],
                marker,
            )
        )
    fig.update_layout(height=520, yaxis_title="price", legend={"orientation": "h", "y": 1.06})
    return _fragment(fig, "fig-timeline")


def deltas_figure(matched: Sequence[ReportMatch]) -> str:
    """Histograms over matched trades: Δprice in ticks (left), Δt in s (right)."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1)
    for col, name, values in ((1, "Δprice (ticks)", [m.price_ticks for m in matched]),
                              (2, "Δt (s)", [m.dt_s for m in matched])):  # fmt: skip
        fig.add_trace(
            go.Histogram(x=values, name=name, marker={"color": LIVE if col == 1 else SIM}),
            row=1, col=col,
        )  # fmt: skip
        fig.update_xaxes(title_text=name, row=1, col=col)
        fig.update_yaxes(title_text="matched trades", row=1, col=col)
    fig.update_layout(height=380, showlegend=False, bargap=0.05)
    return _fragment(fig, "fig-deltas")


def positions_figure(legs: Sequence[LegSizes]) -> str:
    """One row per leg: live and sim size as steps, every diverged grid point marked."""
    fig = make_subplots(
        rows=len(legs), cols=1, shared_xaxes=True, vertical_spacing=0.08,
        subplot_titles=[html.escape(leg.leg) for leg in legs],
    )  # fmt: skip
    # One legend entry per kind, not per leg; plotly leaves an empty trace out of the
    # legend, so "diverged" is shown by the first leg that has any.
    diverged_shown = False
    for row, leg in enumerate(legs, 1):
        first = row == 1
        for name, series, color in (("live", leg.live, LIVE), ("sim", leg.sim, SIM)):
            fig.add_trace(
                _line(series, name, color, line_shape="hv", legendgroup=name, showlegend=first),
                row=row, col=1,
            )  # fmt: skip
        show_diverged = bool(leg.diverged) and not diverged_shown
        diverged_shown = diverged_shown or show_diverged
        fig.add_trace(
            go.Scatter(
                x=[p.ts_ms for p in leg.diverged],
                y=[p.sim_size for p in leg.diverged],
                mode="markers", name="diverged", legendgroup="diverged", showlegend=show_diverged,
                marker={"symbol": "x", "color": DELTA, "size": 9},
                text=[
                    f"{html.escape(p.leg)} diverged<br>{iso_utc(p.ts_ms)}<br>"
                    f"live {format_float(p.live_size)}<br>sim {format_float(p.sim_size)}"
                    for p in leg.diverged
                ],
                hovertemplate=_HOVER,
            ),
            row=row, col=1,
        )  # fmt: skip
        fig.update_yaxes(title_text="size", row=row, col=1)
    fig.update_layout(height=max(360, 260 * len(legs)), legend={"orientation": "h", "y": 1.08})
    return _fragment(fig, "fig-positions")
