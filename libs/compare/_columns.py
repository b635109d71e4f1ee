"""One comparison's matched pairs and unmatched trades as columns per leg: each value
extracted (and converted to float) once, through C-level ``map`` and ``compress``."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from itertools import compress, repeat
from operator import attrgetter, eq

import msgspec

from compare.deltas import Deltas
from compare.matching import Pair
from compare.trades import Trade

__all__ = ["Columns"]

_LIVE, _SIM = attrgetter("live"), attrgetter("sim")
_LIVE_PNL, _SIM_PNL = attrgetter("live.realized_pnl"), attrgetter("sim.realized_pnl")
_LIVE_DIR = attrgetter("live.direction")
#: Columns field → the Deltas column it takes.
_DELTAS = {"price": "price_ticks", "qty": "qty_lots", "dt": "dt_s", "dt_first": "dt_first_s",
           "fee": "fee_usdt", "pnl": "pnl_usdt"}  # fmt: skip


def _floats(values: Sequence[Decimal]) -> list[float]:
    # float(Decimal) is slow and these are mostly zero (opens realise nothing).
    return [float(v) if v else 0.0 for v in values]


def _get(name: str, items: Sequence[object]) -> list:  # type: ignore[type-arg]
    return list(map(attrgetter(name), items))


class Columns(msgspec.Struct, frozen=True, kw_only=True):
    """One leg. Per pair: the deltas in their units (floats), both sides' exact money,
    realised PnL as floats (for correlations) and times; the unmatched trades of each
    side."""

    price: list[float]
    qty: list[float]
    dt: list[float]
    dt_first: list[float]
    fee: list[float]
    pnl: list[float]
    live_fee: list[Decimal]
    sim_fee: list[Decimal]
    live_pnl: list[Decimal]
    sim_pnl: list[Decimal]
    live_notional: list[Decimal]
    sim_notional: list[Decimal]
    live_pnl_f: list[float]
    sim_pnl_f: list[float]
    live_ts: list[int]
    sim_ts: list[int]
    live_only: list[Trade]
    sim_only: list[Trade]

    @classmethod
    def split(
        cls,
        pairs: Sequence[Pair],
        deltas: Deltas,
        live_only: Sequence[Trade],
        sim_only: Sequence[Trade],
        legs: Sequence[str],
    ) -> tuple[list[float], list[float], dict[str, Columns]]:
        """The realised PnL of every pair as floats (live, sim, in pair order) and each
        leg's columns: pairs by their live trade's direction (its order identity, V-4),
        unmatched trades by their own."""
        live_f = _floats(list(map(_LIVE_PNL, pairs)))
        sim_f = _floats(list(map(_SIM_PNL, pairs)))
        directions = list(map(_LIVE_DIR, pairs))
        out = {}
        for leg in legs:
            mask = list(map(eq, directions, repeat(leg)))
            live = list(map(_LIVE, compress(pairs, mask)))
            sim = list(map(_SIM, compress(pairs, mask)))
            cut = {field: list(compress(getattr(deltas, name), mask))
                   for field, name in _DELTAS.items()}  # fmt: skip
            out[leg] = cls(
                **cut,
                live_fee=_get("fee", live), sim_fee=_get("fee", sim),
                live_pnl=_get("realized_pnl", live), sim_pnl=_get("realized_pnl", sim),
                live_notional=_get("notional", live), sim_notional=_get("notional", sim),
                live_pnl_f=list(compress(live_f, mask)), sim_pnl_f=list(compress(sim_f, mask)),
                live_ts=_get("ts_ms", live), sim_ts=_get("ts_ms", sim),
                live_only=[t for t in live_only if t.direction == leg],
                sim_only=[t for t in sim_only if t.direction == leg],
            )  # fmt: skip
        return live_f, sim_f, out
