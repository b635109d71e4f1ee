"""One comparison of a live run with its simulation: trades, matching, metrics, equity
and positions over one window. Pure: records in, a :class:`Comparison` out."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import Any

import msgspec

from compare.deltas import Breach, Deltas, breaches, pair_deltas
from compare.equity import EquityMetrics, EquityRow, compare_equity
from compare.grid import grid_points
from compare.matching import Matching, match_trades
from compare.metrics import PnlGrid, TradeMetrics, trade_metrics
from compare.options import CompareOptions
from compare.positions import (
    PositionMetrics,
    PositionRow,
    compare_positions,
    legs_of,
)
from compare.records import LEGS, Side, Window
from compare.trades import Trade, aggregate

__all__ = ["Comparison", "TradeComparison", "compare", "compare_trades", "window_of"]


class Comparison(msgspec.Struct, frozen=True, kw_only=True):
    window: Window
    options: CompareOptions
    #: Trade executions of each side inside the window (V-1): none live → SKIP (V-14).
    live_fills: int
    sim_fills: int
    live_trades: tuple[Trade, ...]
    sim_trades: tuple[Trade, ...]
    matching: Matching
    #: Columns aligned with ``matching.pairs``.
    deltas: Deltas
    breaches: tuple[Breach, ...]
    #: "all", "long", "short".
    trades: dict[str, TradeMetrics]
    equity_rows: tuple[EquityRow, ...]
    equity: EquityMetrics
    position_rows: tuple[PositionRow, ...]
    positions: PositionMetrics
    #: Whether each side's positions were derived from its fills (P-9).
    positions_derived: dict[str, bool]
    manifests: dict[str, Any]


def _first_last(side: Side) -> tuple[int, int] | None:
    times = [f.ts_ms for f in side.fills] + [p.ts_ms for p in side.equity]
    return (min(times), max(times)) if times else None


def _origin(side: Side) -> int | None:
    """Where a side's derived positions start flat: its first event."""
    span = _first_last(side)
    return span[0] if span else None


def window_of(live: Side, sim: Side, options: CompareOptions) -> Window:
    """The options' window; an open bound takes the data's (first event; last event +
    1 ms, the window being half-open)."""
    spans = [s for s in (_first_last(live), _first_last(sim)) if s is not None]
    start = options.start_ms
    if start is None:
        start = min((a for a, _ in spans), default=None)
    end = options.end_ms
    if end is None:
        end = max((b + 1 for _, b in spans), default=None)
    if start is None:
        start = end - 1 if end is not None else 0
    if end is None or end <= start:  # no data inside a given bound: an empty window
        if options.end_ms is not None:
            return Window(options.end_ms - 1, options.end_ms)
        end = start + 1
    return Window(start, end)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """A comparison allocates ~10 objects per fill and makes no reference cycles; the
    cyclic collector would only rescan them, over and over (a quarter of the time on
    200k fills). Paused for the call and restored as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def compare(live: Side, sim: Side, options: CompareOptions | None = None) -> Comparison:
    """Deltas are sim − live; units from the live side's instrument (tick, lot)."""
    options = options or CompareOptions()
    with _collector_paused():
        window = window_of(live, sim, options)
        t = compare_trades(live, sim, window, options)
        grid = grid_points(window, round(options.equity_interval_s * 1000))
        equity_rows, equity = compare_equity(live.equity, sim.equity, grid)
        live_legs, sim_legs = (legs_of(s.positions, s.fills, _origin(s)) for s in (live, sim))
        position_rows, positions = compare_positions(
            live_legs, sim_legs, grid, prices=(live.equity, sim.equity),
            tick_size=live.tick_size, qty_step=live.qty_step,
        )  # fmt: skip
    return Comparison(
        window=window,
        options=options,
        live_fills=t.live_fills,
        sim_fills=t.sim_fills,
        live_trades=t.live_trades,
        sim_trades=t.sim_trades,
        matching=t.matching,
        deltas=t.deltas,
        breaches=t.breaches,
        trades=t.metrics,
        equity_rows=tuple(equity_rows),
        equity=equity,
        position_rows=tuple(position_rows),
        positions=positions,
        positions_derived={"live": live.positions is None, "sim": sim.positions is None},
        manifests={"live": live.manifest, "sim": sim.manifest},
    )


class TradeComparison(msgspec.Struct, frozen=True, kw_only=True):
    """The trade half of a comparison (V-1..V-8, §3)."""

    live_fills: int
    sim_fills: int
    live_trades: tuple[Trade, ...]
    sim_trades: tuple[Trade, ...]
    matching: Matching
    deltas: Deltas
    breaches: tuple[Breach, ...]
    metrics: dict[str, TradeMetrics]


def compare_trades(
    live: Side, sim: Side, window: Window, options: CompareOptions
) -> TradeComparison:
    """Trades formed, matched and measured: aggregation, matching, deltas, breaches and
    the metrics of every scope."""
    with _collector_paused():
        return _compare_trades(live, sim, window, options)


def _compare_trades(
    live: Side, sim: Side, window: Window, options: CompareOptions
) -> TradeComparison:
    live_trades = aggregate(live.fills, window)
    sim_trades = aggregate(sim.fills, window)
    matching = match_trades(
        live_trades, sim_trades, mode=options.match,
        max_time_delta_ms=round(options.max_time_delta_s * 1000),
    )  # fmt: skip
    deltas = pair_deltas(matching.pairs, tick_size=live.tick_size, qty_step=live.qty_step)
    found = breaches(
        matching.pairs, deltas,
        price_tol_ticks=options.price_tol_ticks, qty_tol_lots=options.qty_tol_lots,
    )  # fmt: skip
    counts = {"all": len(found)}
    for leg in LEGS:  # by the live trade's order identity (V-4)
        counts[leg] = sum(1 for b in found if b.pair.live.direction == leg)
    pnl_grid = PnlGrid.cover(window.start_ms, window.end_ms, round(options.pnl_interval_s * 1000))
    metrics = trade_metrics(
        matching.pairs, deltas, matching.live_only, matching.sim_only,
        grid=pnl_grid, above=options.above, breaches=counts,
    )  # fmt: skip
    return TradeComparison(
        live_fills=sum(t.fills for t in live_trades),
        sim_fills=sum(t.fills for t in sim_trades),
        live_trades=tuple(live_trades),
        sim_trades=tuple(sim_trades),
        matching=matching,
        deltas=deltas,
        breaches=tuple(found),
        metrics=metrics,
    )
