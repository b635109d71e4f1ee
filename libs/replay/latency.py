"""When each intent of a recorded run reached the exchange, in exchange time: the
simbroker's ``recorded`` latency puts a replayed intent on the venue at the same point
of the market as live (the ``--latency recorded`` model of a seeded replay).

An intent is keyed by its answer's event id, ``{batch event id}:{index}`` (the engine's
batch ids are deterministic, so a replay that decides as live did finds live's times).
A place reached the exchange when its order was created (the first order update's
``created_ms``), a cancel when the order was cancelled (``updated_ms``). Intents live
never carried out (rejected, or a cancel of an order already gone) have no time. An
intent live made on another ticker (the same order of the same account, decided a few
ticks earlier or later) takes that one's delay, the nearest decision within
``match_window_ms``; any other takes ``fallback_ms`` after its batch: the median of the
recorded delays.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from statistics import median_low

import asyncpg
import msgspec

import proto
from execution.gates import Verdict

__all__ = ["RecordedLatency", "load_recorded_latency"]

_EXCHANGE = proto.RejectReason.EXCHANGE.value  # the venue's refusal: the replay's decides

_EVENTS = """
SELECT payload FROM events
WHERE ns = $1 AND kind IN ('intents', 'exec_result', 'exec_reject', 'order')
  AND account_id = ANY($2::text[])
  AND stream_seq > $3
ORDER BY stream_seq
"""


class RecordedLatency(msgspec.Struct, frozen=True, kw_only=True):
    #: ``{batch event id}:{index}`` → exchange ms the intent took effect live.
    times: dict[str, int]
    fallback_ms: int
    #: ``(account, action, client order id)`` → ``(decided ms, delay ms)``, by decision.
    by_order: dict[tuple[str, str, str], list[tuple[int, int]]] = msgspec.field(
        default_factory=dict
    )
    match_window_ms: int = 60_000
    #: ``{batch event id}:{index}`` of a place → live executor's gates' answer: None
    #: (passed) or ``(reason, detail)`` (refused). Its view of the account lagged the
    #: exchange's, so a replay takes its answers rather than asking the exact state.
    gates: dict[str, tuple[str, str] | None] = msgspec.field(default_factory=dict)

    @property
    def least_delay_ms(self) -> int:
        """No intent takes effect sooner than this after its decision."""
        delays = [d for seen in self.by_order.values() for _, d in seen]
        return min([*delays, self.fallback_ms]) if delays else 0

    def batch_ms(self, batch: proto.IntentBatch, order: Sequence[int]) -> list[int]:
        """When each intent took effect, for intents carried out one after another in
        ``order`` (the executor's): never before the one before it. An intent live has no
        time for (rejected by a gate, or a cancel of an order already gone) was handled
        between its neighbours: it takes the time of the one before it (or, first, of
        the next one live carried out); a batch live has no time for at all is estimated
        intent by intent."""
        decided, prefix = batch.ts_exchange_ms, batch.event_id
        known = [self.times.get(f"{prefix}:{i}") for i in order]
        if all(t is None for t in known):
            known = [self._estimate(batch, i) for i in order]
        times, last = [], None
        following = next(t for t in known if t is not None)
        for t in known:
            if t is None:
                t = following if last is None else last
            last = t if last is None else max(last, t)
            times.append(max(last, decided))
        return times

    def gates_of(self, batch: proto.IntentBatch) -> dict[int, Verdict | None]:
        """Live executor's gates' answers to ``batch``'s places, by index (those live
        decided; the others are the replay's gates' to answer)."""
        prefix, answers = batch.event_id, {}
        for index in range(len(batch.intents)):
            key = f"{prefix}:{index}"
            if key in self.gates:
                answer = self.gates[key]
                answers[index] = None if answer is None else _verdict(*answer)
        return answers

    def _estimate(self, batch: proto.IntentBatch, index: int) -> int:
        """A decision live did not make on this ticker: the delay of the same order's
        nearest decision, else the median."""
        decided = batch.ts_exchange_ms
        intent = batch.intents[index]
        action = "place" if isinstance(intent, proto.PlaceIntent) else "cancel"
        key = (batch.account_id, action, intent.client_order_id)
        return decided + self._nearest_delay(self.by_order.get(key, ()), decided)

    def _nearest_delay(self, seen: Sequence[tuple[int, int]], decided: int) -> int:
        i = bisect.bisect_left(seen, (decided, -1))
        near = [seen[j] for j in (i - 1, i) if 0 <= j < len(seen)]
        near = [d for d in near if abs(d[0] - decided) <= self.match_window_ms]
        if not near:
            return self.fallback_ms
        return min(near, key=lambda d: abs(d[0] - decided))[1]


async def load_recorded_latency(
    conn: asyncpg.Connection, ns: str, accounts: Sequence[str], after_seq: int = 0
) -> RecordedLatency:
    batches: dict[str, int] = {}
    results: list[proto.ExecResult] = []
    gates: dict[str, tuple[str, str] | None] = {}
    created: dict[str, int] = {}
    cancelled: dict[str, int] = {}
    for (payload,) in await conn.fetch(_EVENTS, ns, list(accounts), after_seq):
        match proto.decode(payload):
            case proto.IntentBatch() as batch:
                batches[batch.event_id] = batch.ts_exchange_ms
            case proto.ExecResult(shadow=False) as result:
                results.append(result)
                if result.action == "place":
                    gates[result.event_id] = None
            case proto.ExecReject(action="place") as reject if reject.reason != _EXCHANGE:
                gates[reject.event_id] = (reject.reason, reject.detail)
            case proto.OrderUpdate() as update:
                created.setdefault(update.order_id, update.created_ms or update.updated_ms)
                if update.status == proto.OrderStatus.CANCELLED:
                    cancelled.setdefault(update.order_id, update.updated_ms)
    times: dict[str, int] = {}
    delays: list[int] = []
    by_order: dict[tuple[str, str, str], list[tuple[int, int]]] = {}
    for result in results:
        known = created if result.action == "place" else cancelled
        at = known.get(result.order_id)
        if at is None:
            continue
        times[result.event_id] = at
        decided = batches.get(result.intent_batch_id)
        if decided is not None:
            delay = max(at - decided, 0)
            delays.append(delay)
            key = (result.account_id, result.action, result.client_order_id)
            by_order.setdefault(key, []).append((decided, delay))
    for seen in by_order.values():
        seen.sort()
    return RecordedLatency(
        times=times, fallback_ms=median_low(delays) if delays else 0, by_order=by_order,
        gates=gates,
    )  # fmt: skip


def _verdict(reason: str, detail: str) -> Verdict:
    return Verdict(proto.RejectReason(reason), detail)
