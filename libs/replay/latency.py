"""When each intent of a recorded run reached the exchange, in exchange time: the
simbroker's ``recorded`` latency puts a replayed intent on the venue at the same point
of the market as live (the ``--latency recorded`` model of a seeded replay).

An intent is keyed by its answer's event id, ``{batch event id}:{index}`` (the engine's
batch ids are deterministic, so a replay that decides as live did finds live's times).
A place reached the exchange when its order was created (the first order update's
``created_ms``), a cancel when the order was cancelled (``updated_ms``). Intents live
never carried out (rejected, or a cancel of an order already gone) have no time; for
them, and for intents live never made, ``fallback_ms`` after the batch is used: the
median of the recorded latencies.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median_low

import asyncpg
import msgspec

import proto

__all__ = ["RecordedLatency", "load_recorded_latency"]

_EVENTS = """
SELECT payload FROM events
WHERE ns = $1 AND kind IN ('intents', 'exec_result', 'order') AND account_id = ANY($2::text[])
  AND stream_seq > $3
ORDER BY stream_seq
"""


class RecordedLatency(msgspec.Struct, frozen=True, kw_only=True):
    #: ``{batch event id}:{index}`` → exchange ms the intent took effect live.
    times: dict[str, int]
    fallback_ms: int

    def effective_ms(self, batch: proto.IntentBatch, index: int) -> int:
        at = self.times.get(f"{batch.event_id}:{index}")
        if at is None:
            at = batch.ts_exchange_ms + self.fallback_ms
        return max(at, batch.ts_exchange_ms)  # never before the decision


async def load_recorded_latency(
    conn: asyncpg.Connection, ns: str, accounts: Sequence[str], after_seq: int = 0
) -> RecordedLatency:
    batches: dict[str, int] = {}
    results: list[proto.ExecResult] = []
    created: dict[str, int] = {}
    cancelled: dict[str, int] = {}
    for (payload,) in await conn.fetch(_EVENTS, ns, list(accounts), after_seq):
        match proto.decode(payload):
            case proto.IntentBatch() as batch:
                batches[batch.event_id] = batch.ts_exchange_ms
            case proto.ExecResult(shadow=False) as result:
                results.append(result)
            case proto.OrderUpdate() as update:
                created.setdefault(update.order_id, update.created_ms or update.updated_ms)
                if update.status == proto.OrderStatus.CANCELLED:
                    cancelled.setdefault(update.order_id, update.updated_ms)
    times: dict[str, int] = {}
    delays: list[int] = []
    for result in results:
        known = created if result.action == "place" else cancelled
        at = known.get(result.order_id)
        if at is None:
            continue
        times[result.event_id] = at
        decided = batches.get(result.intent_batch_id)
        if decided is not None:
            delays.append(max(at - decided, 0))
    return RecordedLatency(times=times, fallback_ms=median_low(delays) if delays else 0)
