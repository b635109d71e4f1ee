"""What was on its way at a seed point: intents live's engine had published whose outcome
came after it, and the engine's in-flight filter as it stood (V-16, extended).

A window seeded mid-run starts from the recorded state: grid, legs, wallet, open orders.
An intent published before the point and carried out after it is in none of them, yet
live's exchange still received it, and live's engine still held its level back while it
was in flight. Left out, the replay's engine would place that level again at once, and
its venue would never see live's order. So the simbroker receives these intents to carry
out when live's did, and each engine starts with the filter live's had: the recorded
prefix is run through ``runner.PendingIntents`` itself, on the recording's clock (the
local time each event was stamped with), as live's engine ran it.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
import msgspec

import proto
from runner import PendingIntents, PendingState
from tenants.models import StrategySpec

__all__ = ["InFlight", "load_in_flight"]

_KINDS = ("intents", "order", "exec_result", "exec_reject", "position")
_EVENTS = """
SELECT payload FROM events
WHERE ns = $1 AND account_id = ANY($2::text[]) AND kind = ANY($3::text[])
  AND stream_seq <= $4
ORDER BY stream_seq
"""


class InFlight(msgspec.Struct, frozen=True, kw_only=True):
    #: Batches with the indices of their intents still on their way, in recorded order.
    batches: list[tuple[proto.IntentBatch, list[int]]] = msgspec.field(default_factory=list)
    #: Per strategy, its engine's in-flight filter at the seed point.
    pending: dict[str, PendingState] = msgspec.field(default_factory=dict)


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def load_in_flight(
    conn: asyncpg.Connection,
    ns: str,
    strategies: Sequence[StrategySpec],
    *,
    upto_seq: int,
    inflight_s: float,
    reject_backoff_s: float,
) -> InFlight:
    clock = _Clock()
    filters = {
        s.strategy_id: PendingIntents(inflight_s, reject_backoff_s, clock) for s in strategies
    }
    by_key = {(s.account_id, s.symbol): filters[s.strategy_id] for s in strategies}
    accounts = sorted({s.account_id for s in strategies})
    sizes: dict[tuple[str, str, int], object] = {}
    batches: dict[str, tuple[proto.IntentBatch, set[int]]] = {}
    for (payload,) in await conn.fetch(_EVENTS, ns, accounts, list(_KINDS), upto_seq):
        event = proto.decode(payload)
        clock.now = event.ts_local_ns / 1e9
        _apply(event, filters, by_key, sizes, batches)
    in_flight = [(b, sorted(left)) for b, left in batches.values() if left]
    return InFlight(batches=in_flight, pending={sid: f.state() for sid, f in filters.items()})


def _apply(
    event: proto.Message,
    filters: dict[str, PendingIntents],
    by_key: dict[tuple[str, str], PendingIntents],
    sizes: dict[tuple[str, str, int], object],
    batches: dict[str, tuple[proto.IntentBatch, set[int]]],
) -> None:
    """One recorded event as the engine's runner handled it (``runner.StrategyRunner``)."""
    match event:
        case proto.IntentBatch(strategy_id=sid) if sid in filters:
            batches[event.event_id] = (event, set(range(len(event.intents))))
            for intent in event.intents:
                if isinstance(intent, proto.PlaceIntent):
                    filters[sid].allow_place(intent.client_order_id)
                else:
                    filters[sid].allow_cancel(intent.order_id)
        case proto.ExecResult() | proto.ExecReject():
            batch_id, _, index = event.event_id.rpartition(":")
            if batch_id in batches and index.isdigit():
                batches[batch_id][1].discard(int(index))
            if (pending := by_key.get((event.account_id, event.symbol))) is not None:
                pending.on_result(event)
        case proto.OrderUpdate():
            if (pending := by_key.get((event.account_id, event.symbol))) is not None:
                pending.on_order(event)
                if event.status not in (
                    proto.OrderStatus.NEW,
                    proto.OrderStatus.PARTIALLY_FILLED,
                ):
                    pending.on_position_change()
        case proto.Position():
            pending = by_key.get((event.account_id, event.symbol))
            leg = (event.account_id, event.symbol, event.position_idx)
            if pending is not None and sizes.get(leg) != event.size:
                sizes[leg] = event.size
                pending.on_position_change()
