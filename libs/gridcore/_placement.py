"""E-6 / E-7: turn one direction's book and the grid into an ordered intent plan.

A *plan* is the E-6 output with the E-7 eligibility test left open: cancels are final,
each place is a candidate ``(is_buy, level_price, intent)`` checked against
``last_close`` when the plan runs. A plan depends only on the grid and the book, so the
engine can reuse it while both are unchanged and the price moves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from gridcore._levels import BUY, WAIT
from gridcore.rounding import parse_price_key, round8
from proto.strategy import CancelIntent, CancelReason, Direction, PlaceLimitIntent, RestingOrder

Candidate = tuple[bool, float, PlaceLimitIntent]
PlanStep = CancelIntent | Candidate
Plan = tuple[PlanStep, ...]
MakePlace = Callable[[int], PlaceLimitIntent]


def cancel_intent(
    symbol: str, order: RestingOrder, reason: CancelReason, direction: Direction
) -> CancelIntent:
    """E-10."""
    return CancelIntent(
        symbol=symbol,
        order_id=order.order_id,
        reason=reason,
        price=Decimal(order.price),
        side=order.side,
        direction=direction,
    )


def has_fill_history(cum_exec_qty: str | None) -> bool:
    """E-6.2: ``cumExecQty`` present, not empty, a decimal, and > 0."""
    if not cum_exec_qty:
        return False
    try:
        qty = Decimal(cum_exec_qty)
    except InvalidOperation:
        return False
    return not qty.is_nan() and qty > 0


def centre_index(sides: Sequence[str]) -> int:
    """E-6.3: middle of the Wait run, else ``len // 2`` (0 when empty)."""
    waits = [i for i, side in enumerate(sides) if side == WAIT]
    if waits:
        return (waits[0] + waits[-1]) // 2
    return len(sides) // 2


def _pick_survivor(orders: Sequence[RestingOrder], members: list[int], side: str | None) -> int:
    """E-6.2: side match first, then fill history, then the first member."""
    if len(members) == 1:
        return members[0]
    pool = [i for i in members if orders[i].side == side] if side is not None else []
    if not pool:
        pool = members
    for i in pool:
        if has_fill_history(orders[i].cum_exec_qty):
            return i
    return pool[0]


class Layout(NamedTuple):
    """The grid-only half of E-6, computed once per grid version."""

    keys: list[float]  # round8 of every level price, in list order
    level_side: dict[float, str]  # E-6.2 map, non-Wait levels only (list order, last wins)
    visits: list[int]  # E-6.3 non-Wait level indices by (|index − centre|, price)
    key_set: frozenset[float]  # E-6.5 every level's key, Wait included


def grid_layout(sides: Sequence[str], prices: Sequence[float]) -> Layout:
    keys = list(map(round8, prices))
    pairs = list(zip(sides, keys, strict=True))
    level_side = {key: side for side, key in pairs if side != WAIT}
    centre = centre_index(sides)
    visits = sorted(
        (abs(i - centre), prices[i], i) for i, (side, _) in enumerate(pairs) if side != WAIT
    )
    return Layout(keys, level_side, [i for _, _, i in visits], frozenset(keys))


def build_plan(
    layout: Layout,
    sides: Sequence[str],
    prices: Sequence[float],
    orders: Sequence[RestingOrder],
    direction: Direction,
    symbol: str,
    make_place: MakePlace,
) -> Plan:
    """E-6 steps 1–5 for one direction, in output order."""
    parsed = [parse_price_key(order.price) for order in orders]
    buckets: dict[float, list[int]] = {}
    for i in sorted(range(len(orders)), key=[price for price, _ in parsed].__getitem__):
        key = parsed[i][1]
        members = buckets.get(key)
        if members is None:
            buckets[key] = [i]
        else:
            members.append(i)

    steps: list[PlanStep] = []
    survivors: dict[float, RestingOrder] = {}
    level_side = layout.level_side
    for key, members in buckets.items():
        kept = _pick_survivor(orders, members, level_side.get(key))
        survivors[key] = orders[kept]
        if len(members) > 1:
            steps.extend(
                cancel_intent(symbol, orders[i], "duplicate", direction)
                for i in members
                if i != kept
            )

    keys = layout.keys
    for i in layout.visits:
        survivor = survivors.get(keys[i])
        if survivor is not None:
            if survivor.side == sides[i]:
                continue
            steps.append(cancel_intent(symbol, survivor, "side_mismatch", direction))
        steps.append((sides[i] == BUY, prices[i], make_place(i)))

    key_set = layout.key_set
    steps.extend(
        cancel_intent(symbol, survivor, "outside_grid", direction)
        for key, survivor in survivors.items()
        if key not in key_set
    )
    return tuple(steps)


def eligible(is_buy: bool, price: float, last_close: float, grid_step: float) -> bool:
    """E-7 for one level: on the right side of ``last_close`` and more than half a step
    away. ``last_close == 0`` raises ZeroDivisionError (E-7's faithful crash)."""
    d = (last_close - price) / last_close * 100
    return (d > 0 if is_buy else d < 0) and abs(d) > grid_step / 2


def run_plan(
    plan: Plan, last_close: float | None, grid_step: float
) -> list[CancelIntent | PlaceLimitIntent]:
    """Emit a plan's cancels and the places that pass E-7 at ``last_close``.

    ``last_close == 0`` with a place candidate raises ZeroDivisionError (E-7's faithful
    crash).
    """
    out: list[CancelIntent | PlaceLimitIntent] = []
    for step in plan:
        if type(step) is not tuple:
            out.append(step)
            continue
        if last_close is None:
            continue
        is_buy, price, intent = step
        if eligible(is_buy, price, last_close, grid_step):
            out.append(intent)
    return out
