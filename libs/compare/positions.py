"""Positions per leg on the V-10 grid (V-12): Δsize in lots, Δentry in ticks, Δunrealised
at the live price; a state divergence (|Δsize| ≥ 1 lot) is counted, never dropped."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import ClassVar

import msgspec

from compare.grid import forward_fill
from compare.records import LEGS, EquityPoint, Fill, PositionPoint
from gridcore.pnl import unrealised_pnl

__all__ = ["LEGS", "LegMetrics", "PositionMetrics", "PositionRow", "compare_positions",
           "derive_positions", "legs_of"]  # fmt: skip

_ZERO = Decimal(0)
_State = tuple[Decimal, Decimal]  # (size, average entry)


def derive_positions(fills: Sequence[Fill], origin_ms: int | None) -> list[PositionPoint]:
    """Each leg's state after every fill, by P-9: an opening fill (long Buy, short Sell)
    moves the size-weighted average entry; a closing fill shrinks the size by
    min(qty, size), and the average resets to 0 when the size reaches 0. Both legs are
    flat from ``origin_ms`` (the side's first event) on."""
    return [
        PositionPoint(ts_ms=ts, direction=leg, size=size, entry=entry)
        for leg, events in _derived(fills, origin_ms).items()
        for ts, (size, entry) in events
    ]


def _derived(fills: Sequence[Fill], origin_ms: int | None) -> dict[str, list[tuple[int, _State]]]:
    """:func:`derive_positions` as each leg's time-ordered ``(ts, (size, entry))``."""
    flat = (_ZERO, _ZERO)
    legs: dict[str, list[tuple[int, _State]]] = {leg: [] for leg in LEGS}
    if origin_ms is not None:
        for leg in LEGS:
            legs[leg].append((origin_ms, flat))
    state = dict.fromkeys(LEGS, flat)
    ordered = fills if _sorted(fills) else sorted(fills, key=lambda f: f.ts_ms)
    for f in ordered:
        size, entry = state[f.direction]
        if (f.side == "Buy") == (f.direction == "long"):  # opening
            new = size + f.qty
            entry = (size * entry + f.qty * f.price) / new if new else _ZERO
            size = new
        else:
            size -= min(f.qty, size)
            if not size:
                entry = _ZERO
        state[f.direction] = now = (size, entry)
        legs[f.direction].append((f.ts_ms, now))
    return legs


def _sorted(fills: Sequence[Fill]) -> bool:
    return all(a.ts_ms <= b.ts_ms for a, b in itertools.pairwise(fills))


class PositionRow(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One leg at one grid point where both sides have a value."""

    ts_ms: int
    leg: str
    live_size: Decimal
    sim_size: Decimal
    live_entry: Decimal
    sim_entry: Decimal
    #: The live price (else the sim's) the unrealised PnL of both sides is valued at.
    price: Decimal | None
    live_unrealised: Decimal | None
    sim_unrealised: Decimal | None
    size_delta_lots: float
    #: None when either leg is flat (a flat leg has no entry).
    entry_delta_ticks: float | None
    unrealised_delta: Decimal | None
    diverged: bool


class LegMetrics(msgspec.Struct, frozen=True, kw_only=True):
    UNITS: ClassVar[dict[str, str]] = {
        "points": "grid_points", "diverged": "grid_points",
        "max_abs_size_lots": "lots", "mean_abs_size_lots": "lots",
        "max_abs_entry_ticks": "ticks", "mean_abs_entry_ticks": "ticks",
        "max_abs_unrealised": "USDT", "mean_abs_unrealised": "USDT",
    }  # fmt: skip

    points: int
    diverged: int
    max_abs_size_lots: float | None
    mean_abs_size_lots: float | None
    max_abs_entry_ticks: float | None
    mean_abs_entry_ticks: float | None
    max_abs_unrealised: Decimal | None
    mean_abs_unrealised: float | None


class PositionMetrics(msgspec.Struct, frozen=True, kw_only=True):
    """Over grid points where both sides have both legs; a point is diverged when
    either leg is. None (n/a) without such points."""

    UNITS: ClassVar[dict[str, str]] = {
        "points": "grid_points", "diverged_points": "grid_points",
        "diverged_share": "ratio", "first_divergence_ms": "time",
    }  # fmt: skip

    points: int
    diverged_points: int
    diverged_share: float | None
    first_divergence_ms: int | None
    long: LegMetrics
    short: LegMetrics


def _prices(equity: Sequence[EquityPoint]) -> list[tuple[int, Decimal]]:
    return sorted(((p.ts_ms, p.price) for p in equity if p.price is not None),
                  key=lambda e: e[0])  # fmt: skip


def _row(g: int, leg: str, a: _State, b: _State, price: Decimal | None,
         tick: Decimal, lot: Decimal) -> PositionRow:  # fmt: skip
    (ls, le), (ss, se) = a, b
    lu = su = ud = None
    if price is not None:
        lu = unrealised_pnl(leg, le, price, ls) if ls else _ZERO  # type: ignore[arg-type]
        su = unrealised_pnl(leg, se, price, ss) if ss else _ZERO  # type: ignore[arg-type]
        ud = su - lu
    size_lots = float((ss - ls) / lot) if ss != ls else 0.0
    entry_ticks = float((se - le) / tick) if ls and ss else None
    return PositionRow(
        ts_ms=g, leg=leg, live_size=ls, sim_size=ss, live_entry=le, sim_entry=se, price=price,
        live_unrealised=lu, sim_unrealised=su, size_delta_lots=size_lots,
        entry_delta_ticks=entry_ticks, unrealised_delta=ud, diverged=abs(size_lots) >= 1,
    )  # fmt: skip


def legs_of(
    positions: Sequence[PositionPoint] | None, fills: Sequence[Fill], origin_ms: int | None
) -> dict[str, list[tuple[int, _State]]]:
    """Each leg's ``(ts, (size, entry))`` in time order: the recorded positions, else
    derived from the fills (P-9)."""
    if positions is None:
        return _derived(fills, origin_ms)
    ordered = sorted(positions, key=lambda p: p.ts_ms)
    return {leg: [(p.ts_ms, (p.size, p.entry)) for p in ordered if p.direction == leg]
            for leg in LEGS}  # fmt: skip


def compare_positions(
    live: dict[str, list[tuple[int, _State]]],
    sim: dict[str, list[tuple[int, _State]]],
    grid: range,
    *,
    prices: tuple[Sequence[EquityPoint], Sequence[EquityPoint]],
    tick_size: Decimal,
    qty_step: Decimal,
) -> tuple[list[PositionRow], PositionMetrics]:
    lv = {leg: forward_fill(live[leg], grid) for leg in LEGS}
    sv = {leg: forward_fill(sim[leg], grid) for leg in LEGS}
    live_px = forward_fill(_prices(prices[0]), grid)
    sim_px = forward_fill(_prices(prices[1]), grid)
    rows: list[PositionRow] = []
    diverged_points, first, points = 0, None, 0
    for k, g in enumerate(grid):
        states = [(leg, lv[leg][k], sv[leg][k]) for leg in LEGS]
        if any(a is None or b is None for _, a, b in states):
            continue
        price = live_px[k] if live_px[k] is not None else sim_px[k]
        at = [_row(g, leg, a, b, price, tick_size, qty_step) for leg, a, b in states]  # type: ignore[arg-type]
        rows.extend(at)
        points += 1
        if any(r.diverged for r in at):
            diverged_points += 1
            first = g if first is None else first
    metrics = PositionMetrics(
        points=points,
        diverged_points=diverged_points,
        diverged_share=diverged_points / points if points else None,
        first_divergence_ms=first,
        long=_leg_metrics([r for r in rows if r.leg == "long"]),
        short=_leg_metrics([r for r in rows if r.leg == "short"]),
    )
    return rows, metrics


def _leg_metrics(rows: Sequence[PositionRow]) -> LegMetrics:
    size = [abs(r.size_delta_lots) for r in rows]
    entry = [abs(r.entry_delta_ticks) for r in rows if r.entry_delta_ticks is not None]
    upnl = [abs(r.unrealised_delta) for r in rows if r.unrealised_delta is not None]
    return LegMetrics(
        points=len(rows),
        diverged=sum(1 for r in rows if r.diverged),
        max_abs_size_lots=max(size) if size else None,
        mean_abs_size_lots=math.fsum(size) / len(size) if size else None,
        max_abs_entry_ticks=max(entry) if entry else None,
        mean_abs_entry_ticks=math.fsum(entry) / len(entry) if entry else None,
        max_abs_unrealised=max(upnl) if upnl else None,
        mean_abs_unrealised=math.fsum(map(float, upnl)) / len(upnl) if upnl else None,
    )
