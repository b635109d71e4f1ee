"""Per-pair deltas (sim − live) as columns aligned with the matched pairs, in the units
the metrics use, and the breaches (§3)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from itertools import repeat
from operator import attrgetter, sub, truediv

import msgspec

from compare.matching import Pair

__all__ = ["Breach", "Deltas", "breaches", "pair_deltas"]

_LIVE, _SIM = attrgetter("live"), attrgetter("sim")
_TS, _FIRST = attrgetter("ts_ms"), attrgetter("first_ts_ms")
_ZERO = Decimal(0)


class Deltas(msgspec.Struct, frozen=True, kw_only=True):
    """sim − live for every matched pair, column by column (index i is pair i): exact
    Decimals for the files, floats in the metrics' units for the statistics. Columns,
    not one record per pair: each is one C-level pass."""

    price: list[Decimal]
    qty: list[Decimal]
    fee: list[Decimal]
    pnl: list[Decimal]
    price_ticks: list[float]
    qty_lots: list[float]
    #: On the last fill's time (the trade's time), and on the first fill's.
    dt_s: list[float]
    dt_first_s: list[float]
    fee_usdt: list[float]
    pnl_usdt: list[float]

    def __len__(self) -> int:
        return len(self.price)


class Breach(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A matched pair outside the price or qty tolerance (the list is exported)."""

    pair: Pair
    price_ticks: float
    qty_lots: float
    price: bool
    qty: bool


def _in(values: list[Decimal], unit: Decimal) -> list[float]:
    # Decimal division first (0.3 / 0.1 in binary floats is 2.9999999999999996 ticks);
    # mostly zero, and float(Decimal) is slow.
    return [float(v / unit) if v else 0.0 for v in values]


def _floats(values: list[Decimal]) -> list[float]:
    return [float(v) if v else 0.0 for v in values]


def _diff(name: str, live: list[object], sim: list[object]) -> list[Decimal]:
    """sim − live; equal values (the usual case) skip the Decimal subtraction."""
    get = attrgetter(name)
    return [_ZERO if b == a else b - a for a, b in zip(map(get, live), map(get, sim), strict=True)]


def _ms(live: list[object], sim: list[object], get: attrgetter) -> list[int]:  # type: ignore[type-arg]
    return list(map(sub, map(get, sim), map(get, live)))


def pair_deltas(pairs: Sequence[Pair], *, tick_size: Decimal, qty_step: Decimal) -> Deltas:
    live, sim = list(map(_LIVE, pairs)), list(map(_SIM, pairs))
    price, qty = _diff("price", live, sim), _diff("qty", live, sim)
    fee, pnl = _diff("fee", live, sim), _diff("realized_pnl", live, sim)
    return Deltas(
        price=price,
        qty=qty,
        fee=fee,
        pnl=pnl,
        price_ticks=_in(price, tick_size),
        qty_lots=_in(qty, qty_step),
        dt_s=list(map(truediv, _ms(live, sim, _TS), repeat(1000))),
        dt_first_s=list(map(truediv, _ms(live, sim, _FIRST), repeat(1000))),
        fee_usdt=_floats(fee),
        pnl_usdt=_floats(pnl),
    )


def breaches(
    pairs: Sequence[Pair], deltas: Deltas, *, price_tol_ticks: float, qty_tol_lots: float
) -> list[Breach]:
    """Pairs with |Δprice| > ``price_tol_ticks`` or |Δqty| > ``qty_tol_lots``."""
    out = []
    for i, (ticks, lots) in enumerate(zip(deltas.price_ticks, deltas.qty_lots, strict=True)):
        price, qty = abs(ticks) > price_tol_ticks, abs(lots) > qty_tol_lots
        if price or qty:
            out.append(Breach(pair=pairs[i], price_ticks=ticks, qty_lots=lots, price=price,
                              qty=qty))  # fmt: skip
    return out
