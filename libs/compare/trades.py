"""Trades: one per order lifecycle, formed the same way on both sides (V-1..V-5)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import msgspec

from compare.records import Fill, Window

__all__ = ["Trade", "aggregate"]

_ZERO = Decimal(0)


class Trade(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """The fills of one ``(client id, order id)`` lifecycle, aggregated (V-3)."""

    client_id: str
    order_id: str
    symbol: str
    side: str
    direction: str
    #: VWAP: Σ price·qty / Σ qty.
    price: Decimal
    qty: Decimal
    #: Σ price·qty of the fills (USDT).
    notional: Decimal
    fee: Decimal
    realized_pnl: Decimal
    #: The last fill's time (the trade's time) and the first's.
    ts_ms: int
    first_ts_ms: int
    fills: int
    #: k-th trade of its client id in (time, client id, side) order (V-6), from 0.
    occurrence: int = 0


def aggregate(fills: Iterable[Fill], window: Window | None = None) -> list[Trade]:
    """Fills in ``[start, end)`` grouped per ``(client id, order id)``, sorted by (time,
    client id, side) with occurrences numbered per client id (V-3, V-6).

    The same client id under a new order id is a new lifecycle (levels are re-placed).
    Side and direction are the first fill's: the order's own identity (V-4). The client
    id is the fill's (the link id's prefix, V-2), else the exchange order id.
    """
    if window is not None:
        start, end = window.start_ms, window.end_ms
        fills = [f for f in fills if start <= f.ts_ms < end]
    groups: dict[tuple[str, str], Fill | list[Fill]] = {}
    get = groups.get
    for fill in fills:
        key = (fill.client_order_id or fill.order_id, fill.order_id)
        group = get(key)
        if group is None:
            groups[key] = fill  # most orders fill at once: no list
        elif type(group) is list:
            group.append(fill)
        else:
            groups[key] = [group, fill]  # type: ignore[list-item]
    # Sorted once as plain tuples (the index breaks ties before the payload is reached).
    entries = []
    for (cid, oid), group in groups.items():
        if type(group) is list:
            ts, side = max(f.ts_ms for f in group), group[0].side
        else:
            ts, side = group.ts_ms, group.side  # type: ignore[union-attr]
        entries.append((ts, cid, side, len(entries), oid, group))
    entries.sort()
    counts: dict[str, int] = {}
    trades = []
    for _, cid, _, _, oid, group in entries:
        k = counts.get(cid, 0)
        counts[cid] = k + 1
        trades.append(
            _many(cid, oid, group, k) if type(group) is list else _one(cid, oid, group, k)
        )  # type: ignore[arg-type]
    return trades


def _one(cid: str, oid: str, f: Fill, occurrence: int) -> Trade:
    return Trade(
        client_id=cid, order_id=oid, symbol=f.symbol, side=f.side, direction=f.direction,
        price=f.price, qty=f.qty, notional=f.price * f.qty, fee=f.fee,
        realized_pnl=f.realized_pnl, ts_ms=f.ts_ms, first_ts_ms=f.ts_ms, fills=1,
        occurrence=occurrence,
    )  # fmt: skip


def _many(cid: str, oid: str, group: list[Fill], occurrence: int) -> Trade:
    first = group[0]
    qty = notional = fee = pnl = _ZERO
    last = early = first.ts_ms
    for f in group:  # one pass: these are the partial fills of one order
        qty += f.qty
        notional += f.price * f.qty
        fee += f.fee
        pnl += f.realized_pnl
        last = max(last, f.ts_ms)
        early = min(early, f.ts_ms)
    return Trade(
        client_id=cid, order_id=oid, symbol=first.symbol, side=first.side,
        direction=first.direction, price=notional / qty if qty else first.price, qty=qty,
        notional=notional, fee=fee, realized_pnl=pnl, ts_ms=last, first_ts_ms=early,
        fills=len(group), occurrence=occurrence,
    )  # fmt: skip
