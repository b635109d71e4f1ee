"""When each live intent took effect on the exchange (``--latency recorded``)."""

from __future__ import annotations

from decimal import Decimal

import asyncpg

import proto
from replay import load_recorded_latency
from tests.fixtures.stored import record

T = 1_607_472_000_000
ACCOUNT = "acc1"


def _batch(
    i: int, ts: int, intents: list[proto.PlaceIntent | proto.CancelIntent]
) -> proto.IntentBatch:
    return proto.IntentBatch(
        event_id=f"s1:ticker:{i}", ts_exchange_ms=ts, ts_local_ns=ts * 1_000_000,
        strategy_id="s1", account_id=ACCOUNT, symbol="BTCUSDT", trigger_event_id=f"ticker:{i}",
        intents=intents,
    )  # fmt: skip


def _place(cid: str) -> proto.PlaceIntent:
    return proto.PlaceIntent(
        client_order_id=cid, symbol="BTCUSDT", side=proto.Side.BUY, direction="long",
        price=Decimal("18300"), qty=Decimal("0.001"), reduce_only=False, grid_level=1,
    )  # fmt: skip


def _result(batch: proto.IntentBatch, index: int, action: str, order_id: str) -> proto.ExecResult:
    wall = 1_796_000_000_000  # the executor stamps its answers with its own clock
    return proto.ExecResult(
        event_id=f"{batch.event_id}:{index}", ts_exchange_ms=wall, ts_local_ns=wall * 10**6,
        account_id=ACCOUNT, symbol="BTCUSDT", intent_batch_id=batch.event_id, action=action,
        client_order_id=f"c{index}", order_id=order_id,
    )  # fmt: skip


def _order(
    order_id: str, status: proto.OrderStatus, created: int, updated: int
) -> proto.OrderUpdate:
    return proto.OrderUpdate(
        event_id=f"order:{order_id}:{updated}:{status}", ts_exchange_ms=updated,
        ts_local_ns=updated * 1_000_000, account_id=ACCOUNT, symbol="BTCUSDT", order_id=order_id,
        order_link_id=f"c-{created}", side=proto.Side.BUY, position_idx=1, price=Decimal("18300"),
        qty=Decimal("0.001"), leaves_qty=Decimal("0.001"), cum_exec_qty=Decimal(0), status=status,
        created_ms=created, updated_ms=updated,
    )  # fmt: skip


async def test_places_at_creation_cancels_at_cancellation_others_at_the_median(
    pool: asyncpg.Pool,
) -> None:
    first = _batch(1, T, [_place("c0"), _place("c1")])
    second = _batch(2, T + 1_000, [proto.CancelIntent(order_id="o1", symbol="BTCUSDT",
                                                     reason="rebuild")])  # fmt: skip
    await record(pool, [
        first,
        _result(first, 0, "place", "o0"), _order("o0", proto.OrderStatus.NEW, T + 40, T + 40),
        _result(first, 1, "place", "o1"), _order("o1", proto.OrderStatus.NEW, T + 90, T + 90),
        second,
        _result(second, 0, "cancel", "o1"),
        _order("o1", proto.OrderStatus.CANCELLED, T + 90, T + 1_030),
    ])  # fmt: skip
    async with pool.acquire() as conn:
        latency = await load_recorded_latency(conn, "live", [ACCOUNT])
    assert latency.times == {"s1:ticker:1:0": T + 40, "s1:ticker:1:1": T + 90,
                             "s1:ticker:2:0": T + 1_030}  # fmt: skip
    assert latency.fallback_ms == 40  # the lower median of 40, 90 and 30
    assert latency.batch_ms(first, [1])[0] == T + 90
    unknown = _batch(9, T + 5_000, [_place("c9")])  # an order live never placed
    assert latency.batch_ms(unknown, [0])[0] == T + 5_040
    # The same order decided two ticks later than live: it takes that decision's delay.
    shifted = _batch(3, T + 20, [_place("c1")])
    assert latency.batch_ms(shifted, [0])[0] == T + 20 + 90
    far = _batch(4, T + 600_000, [_place("c1")])  # beyond the 60 s window: the median
    assert latency.batch_ms(far, [0])[0] == T + 600_040
    early = _batch(1, T + 60, [_place("c0")])  # never before the decision itself
    assert latency.batch_ms(early, [0])[0] == T + 60


async def test_a_batch_takes_effect_in_the_executors_order_rejects_between_neighbours(
    pool: asyncpg.Pool,
) -> None:
    """Live's executor carried a batch out intent by intent (cancels first); an intent
    its gates rejected has no exchange time of its own and was handled after the one
    before it. Replayed, no intent of the batch may overtake the one before it."""
    cancel = proto.CancelIntent(order_id="o7", symbol="BTCUSDT", reason="rebuild")
    batch = _batch(5, T, [_place("c0"), _place("c1"), cancel, _place("c3")])
    await record(pool, [
        batch,
        _result(batch, 2, "cancel", "o7"), _order("o7", proto.OrderStatus.CANCELLED, T - 9, T + 10),
        _result(batch, 0, "place", "o0"), _order("o0", proto.OrderStatus.NEW, T + 50, T + 50),
        # index 1 rejected by a gate: no order, no time
        _result(batch, 3, "place", "o3"), _order("o3", proto.OrderStatus.NEW, T + 30, T + 30),
    ])  # fmt: skip
    async with pool.acquire() as conn:
        latency = await load_recorded_latency(conn, "live", [ACCOUNT])
    order = [2, 0, 1, 3]  # cancels first
    # The reject (1) goes right after 0; 3 was created at T+30 on the exchange but the
    # executor sent it after 0: never before 0's T+50.
    assert latency.batch_ms(batch, order) == [T + 10, T + 50, T + 50, T + 50]
    # A first intent without a time takes the next one's.
    assert latency.batch_ms(batch, [1, 0]) == [T + 50, T + 50]
    # A batch live never made is estimated intent by intent (the median, 40 ms here).
    unknown = _batch(8, T + 1_000, [_place("x0"), _place("x1")])
    fallback = latency.fallback_ms
    assert latency.batch_ms(unknown, [0, 1]) == [T + 1_000 + fallback] * 2
