"""What was on its way at a seed point: intents published before it and carried out
after it, and the engine's in-flight filter as it stood."""

from __future__ import annotations

import asyncpg
import msgspec

import proto
from replay import load_in_flight
from tenants.models import StrategySpec
from tests.fixtures.stored import record
from tests.replay.test_latency import ACCOUNT, T, _batch, _order, _place, _result

SPEC = StrategySpec(strategy_id="s1", account_id=ACCOUNT, symbol="BTCUSDT")


def _new(cid: str, order_id: str, ts: int) -> proto.OrderUpdate:
    """The order a place made: its link id is the client order id and a suffix."""
    order = _order(order_id, proto.OrderStatus.NEW, ts, ts)
    return msgspec.structs.replace(order, order_link_id=f"{cid}-{ts}")


async def test_intents_published_before_the_point_and_answered_after_it_are_in_flight(
    pool: asyncpg.Pool,
) -> None:
    batch = _batch(1, T, [_place("c0"), _place("c1"), _place("c2")])
    await record(pool, [
        batch,                                                             # seq 1
        _result(batch, 0, "place", "o0"),                                  # 2
        _new("c0", "o0", T + 40),                                          # 3: settles c0
        _result(batch, 2, "place", "o2"),                                  # 4
        # ---- the seed point: stream seq 4 ----
        _result(batch, 1, "place", "o1"),                                  # 5
        _new("c1", "o1", T + 90),                                          # 6
    ])  # fmt: skip
    async with pool.acquire() as conn:
        found = await load_in_flight(
            conn, "live", [SPEC], upto_seq=4, inflight_s=5.0, reject_backoff_s=2.0
        )
    [(batch_in_flight, indices)] = found.batches
    assert batch_in_flight.event_id == batch.event_id and indices == [1]
    # The engine held the places it had no order event for yet (c1 still in flight, c2
    # answered but its order event not recorded by then) until 5 s after deciding,
    # on the recording's clock; c0's order event had settled it.
    state = found.pending["s1"]
    assert state.places == {"c1": T / 1000 + 5.0, "c2": T / 1000 + 5.0}
    assert state.cancels == {} and state.gate_rejected == frozenset()
    # Nothing of the kind before the first intent.
    async with pool.acquire() as conn:
        empty = await load_in_flight(
            conn, "live", [SPEC], upto_seq=0, inflight_s=5.0, reject_backoff_s=2.0
        )
    assert empty.batches == [] and empty.pending["s1"].places == {}
