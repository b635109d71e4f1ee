"""Trade metrics (§3): coverage, deltas in the instrument's units, totals over all trades
and over matched ones, PnL correlation on a clock grid, volume; for all trades and per
direction."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import ClassVar

import msgspec

from compare._columns import Columns
from compare._parts import FAMILIES, Family, Parts, cum_correlation, family, merge, parts_of
from compare._stats import median, pearson, percentile
from compare.deltas import Deltas
from compare.matching import Pair
from compare.options import AboveThresholds
from compare.records import LEGS
from compare.trades import Trade

__all__ = ["DeltaStats", "PnlGrid", "TradeMetrics", "delta_stats", "trade_metrics"]


class DeltaStats(msgspec.Struct, frozen=True, kw_only=True):
    """One delta family over the matched pairs, in ``unit``: signed mean and median
    (systematic bias), mean/median/p95/max of |Δ|, and the robust figures: std of the
    signed Δ (population), spike = max − median of |Δ|, count of |Δ| > ``threshold``."""

    unit: str
    count: int
    mean_signed: float | None
    median_signed: float | None
    mean: float | None
    median: float | None
    p95: float | None
    max: float | None
    std: float | None
    spike: float | None
    above: int
    threshold: float


def _stats(f: Family, unit: str, threshold: float) -> DeltaStats:
    n = len(f.signed)
    if not n:
        return DeltaStats(unit=unit, count=0, mean_signed=None, median_signed=None,
                          mean=None, median=None, p95=None, max=None, std=None, spike=None,
                          above=0, threshold=threshold)  # fmt: skip
    med, top = median(f.absolute, presorted=True), f.absolute[-1]
    return DeltaStats(
        unit=unit,
        count=n,
        mean_signed=f.total / n,
        median_signed=median(f.signed, presorted=True),
        mean=f.abs_total / n,
        median=med,
        p95=percentile(f.absolute, 0.95, presorted=True),
        max=top,
        std=math.sqrt(f.m2 / n),
        spike=top - med,  # type: ignore[operator]
        above=n - bisect_right(f.absolute, threshold),
        threshold=threshold,
    )


def delta_stats(values: Sequence[float], unit: str, threshold: float) -> DeltaStats:
    return _stats(family(values), unit, threshold)


class PnlGrid(msgspec.Struct, frozen=True):
    """Clock-aligned intervals ``[origin + k·step, origin + (k+1)·step)`` covering the
    window: the bins of per-interval realised-PnL increments."""

    origin_ms: int
    step_ms: int
    bins: int

    @classmethod
    def cover(cls, start_ms: int, end_ms: int, step_ms: int) -> PnlGrid:
        origin = start_ms // step_ms * step_ms
        return cls(origin, step_ms, -(-(end_ms - origin) // step_ms))


class TradeMetrics(msgspec.Struct, frozen=True, kw_only=True):
    """§3 over one scope (all trades, or one direction). Money in Decimal (USDT), deltas
    sim − live; rates and correlations None (n/a) where undefined, never 0 or 1."""

    UNITS: ClassVar[dict[str, str]] = {
        "match_rate": "ratio", "sim_only_rate": "ratio",
        "pnl_correlation": "pearson_r", "pnl_cum_correlation": "pearson_r",
    }  # fmt: skip

    n_live: int
    n_sim: int
    matched: int
    live_only: int
    sim_only: int
    #: matched / n_live; None without live trades (never 1).
    match_rate: float | None
    sim_only_rate: float | None
    price: DeltaStats
    qty: DeltaStats
    time: DeltaStats
    time_first: DeltaStats
    fee: DeltaStats
    pnl: DeltaStats
    live_fees: Decimal
    sim_fees: Decimal
    fees_delta: Decimal
    live_fees_matched: Decimal
    sim_fees_matched: Decimal
    fees_delta_matched: Decimal
    live_realized: Decimal
    sim_realized: Decimal
    realized_delta: Decimal
    live_realized_matched: Decimal
    sim_realized_matched: Decimal
    realized_delta_matched: Decimal
    #: Pearson r of per-interval realised increments (differs from the reference).
    pnl_correlation: float | None
    #: The reference's r of two running sums over the matched pairs in live-time order.
    pnl_cum_correlation: float | None
    live_volume: Decimal
    sim_volume: Decimal
    volume_delta: Decimal
    breaches: int


def _finish(p: Parts, above: AboveThresholds, breaches: int) -> TradeMetrics:
    m = p.money
    n_live, n_sim = p.matched + p.live_only, p.matched + p.sim_only
    lf, sf = m["live_fee"] + m["live_fee_only"], m["sim_fee"] + m["sim_fee_only"]
    lr, sr = m["live_pnl"] + m["live_pnl_only"], m["sim_pnl"] + m["sim_pnl_only"]
    lv = m["live_notional"] + m["live_notional_only"]
    sv = m["sim_notional"] + m["sim_notional_only"]
    over = {
        "price": above.price_ticks,
        "qty": above.qty_lots,
        "time": above.time_s,
        "time_first": above.time_s,
        "fee": above.fee_usdt,
        "pnl": above.pnl_usdt,
    }
    units = {"price": "ticks", "qty": "lots", "time": "s", "time_first": "s", "fee": "USDT",
             "pnl": "USDT"}  # fmt: skip
    stats = {k: _stats(p.families[k], units[k], over[k]) for k in FAMILIES}
    return TradeMetrics(
        n_live=n_live,
        n_sim=n_sim,
        matched=p.matched,
        live_only=p.live_only,
        sim_only=p.sim_only,
        match_rate=p.matched / n_live if n_live else None,
        sim_only_rate=p.sim_only / n_sim if n_sim else None,
        **stats,
        live_fees=lf, sim_fees=sf, fees_delta=sf - lf,
        live_fees_matched=m["live_fee"], sim_fees_matched=m["sim_fee"],
        fees_delta_matched=m["sim_fee"] - m["live_fee"],
        live_realized=lr, sim_realized=sr, realized_delta=sr - lr,
        live_realized_matched=m["live_pnl"], sim_realized_matched=m["sim_pnl"],
        realized_delta_matched=m["sim_pnl"] - m["live_pnl"],
        pnl_correlation=pearson(list(map(float, p.live_bins)), list(map(float, p.sim_bins))),
        pnl_cum_correlation=p.cum_r,
        live_volume=lv, sim_volume=sv, volume_delta=sv - lv,
        breaches=breaches,
    )  # fmt: skip


def trade_metrics(
    pairs: Sequence[Pair],
    deltas: Deltas,
    live_only: Sequence[Trade],
    sim_only: Sequence[Trade],
    *,
    grid: PnlGrid,
    above: AboveThresholds,
    breaches: Mapping[str, int],
) -> dict[str, TradeMetrics]:
    """The scopes "all", "long" and "short"; pairs by their live trade's direction (its
    order identity, V-4). ``breaches``: the count per scope."""
    g = (grid.origin_ms, grid.step_ms, grid.bins)
    live_f, sim_f, columns = Columns.split(pairs, deltas, live_only, sim_only, LEGS)
    legs = {leg: parts_of(cols, g) for leg, cols in columns.items()}
    whole = legs[LEGS[0]]
    for leg in LEGS[1:]:  # the legs partition the trades: "all" is their merge
        whole = merge(whole, legs[leg], cum_r=None)
    if whole.matched + whole.live_only + whole.sim_only != (
        len(pairs) + len(live_only) + len(sim_only)
    ):
        raise ValueError(f"a trade's direction is not one of {', '.join(LEGS)}")
    whole = whole._replace(cum_r=cum_correlation(live_f, sim_f))
    scopes = {"all": whole, **legs}
    return {name: _finish(p, above, breaches.get(name, 0)) for name, p in scopes.items()}
