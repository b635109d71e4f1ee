"""What one scope's trade metrics are made of, kept mergeable: the "all" scope is the two
legs' parts merged (sorted runs merge in linear time, sums and variances combine), so
the per-direction metrics do not cost the whole computation a second time."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from decimal import Decimal
from itertools import accumulate
from operator import add, mul
from typing import NamedTuple

from compare._columns import Columns
from compare._stats import pearson

__all__ = ["FAMILIES", "Family", "Parts", "cum_correlation", "family", "merge", "parts_of"]

_ZERO = Decimal(0)
#: Delta family → the Columns field holding it, in the family's unit.
FAMILIES = {"price": "price", "qty": "qty", "time": "dt", "time_first": "dt_first",
            "fee": "fee", "pnl": "pnl"}  # fmt: skip
_MONEY = ("live_fee", "sim_fee", "live_pnl", "sim_pnl", "live_notional", "sim_notional")


class Family(NamedTuple):
    """One delta family: the values sorted, |values| sorted, their (exactly rounded)
    sums and the sum of squared deviations from the mean."""

    signed: list[float]
    absolute: list[float]
    total: float
    abs_total: float
    m2: float


def family(values: Sequence[float]) -> Family:
    if not values:
        return Family([], [], 0.0, 0.0, 0.0)
    signed = sorted(values)
    k = bisect_left(signed, 0.0)
    # Negatives reversed and negated form one ascending run, the rest another: the sort
    # below is a linear merge.
    absolute = sorted([-x for x in reversed(signed[:k])] + signed[k:]) if k else signed
    total = math.fsum(signed)
    mu = total / len(signed)
    dev = [x - mu for x in signed]
    return Family(signed, absolute, total, math.fsum(absolute), math.fsum(map(mul, dev, dev)))


def _merge_family(a: Family, b: Family) -> Family:
    na, nb = len(a.signed), len(b.signed)
    if not na or not nb:
        return b if not na else a
    step = b.total / nb - a.total / na  # Chan et al.: M2 of the union
    return Family(
        sorted(a.signed + b.signed),
        sorted(a.absolute + b.absolute),
        math.fsum((a.total, b.total)),
        math.fsum((a.abs_total, b.abs_total)),
        a.m2 + b.m2 + step * step * na * nb / (na + nb),
    )


class Parts(NamedTuple):
    matched: int
    live_only: int
    sim_only: int
    families: dict[str, Family]
    #: Σ over matched pairs (``_MONEY``) and over each side's unmatched trades.
    money: dict[str, Decimal]
    live_bins: list[Decimal]
    sim_bins: list[Decimal]
    cum_r: float | None


def _bins(
    origin: int, step: int, count: int, times: Sequence[int], pnl: Sequence[Decimal],
    more: Sequence[object],
) -> list[Decimal]:  # fmt: skip
    """Realised PnL per clock interval, summed exactly."""
    sums = [_ZERO] * count
    for ts, p in zip(times, pnl, strict=True):
        if p:
            sums[(ts - origin) // step] += p
    for t in more:
        sums[(t.ts_ms - origin) // step] += t.realized_pnl  # type: ignore[attr-defined]
    return sums


def cum_correlation(live: Sequence[float], sim: Sequence[float]) -> float | None:
    """The reference's r: running sums of realised PnL over the matched pairs in live
    time order."""
    return pearson(list(accumulate(live)), list(accumulate(sim)))


def parts_of(cols: Columns, grid: tuple[int, int, int]) -> Parts:
    """``grid``: (origin ms, step ms, intervals) of the PnL increments."""
    lo, so = cols.live_only, cols.sim_only
    money = {name: sum(getattr(cols, name), _ZERO) for name in _MONEY}
    money["live_fee_only"] = sum((t.fee for t in lo), _ZERO)
    money["sim_fee_only"] = sum((t.fee for t in so), _ZERO)
    money["live_pnl_only"] = sum((t.realized_pnl for t in lo), _ZERO)
    money["sim_pnl_only"] = sum((t.realized_pnl for t in so), _ZERO)
    money["live_notional_only"] = sum((t.notional for t in lo), _ZERO)
    money["sim_notional_only"] = sum((t.notional for t in so), _ZERO)
    return Parts(
        matched=len(cols.price),
        live_only=len(lo),
        sim_only=len(so),
        families={name: family(getattr(cols, field)) for name, field in FAMILIES.items()},
        money=money,
        live_bins=_bins(*grid, cols.live_ts, cols.live_pnl, lo),
        sim_bins=_bins(*grid, cols.sim_ts, cols.sim_pnl, so),
        cum_r=cum_correlation(cols.live_pnl_f, cols.sim_pnl_f),
    )


def merge(a: Parts, b: Parts, *, cum_r: float | None) -> Parts:
    """Two disjoint scopes as one; the cumulative r depends on the interleaving, so the
    caller computes it over the union."""
    return Parts(
        matched=a.matched + b.matched,
        live_only=a.live_only + b.live_only,
        sim_only=a.sim_only + b.sim_only,
        families={k: _merge_family(a.families[k], b.families[k]) for k in FAMILIES},
        money={k: a.money[k] + b.money[k] for k in a.money},
        live_bins=list(map(add, a.live_bins, b.live_bins)),
        sim_bins=list(map(add, a.sim_bins, b.sim_bins)),
        cum_r=cum_r,
    )
