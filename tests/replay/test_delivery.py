"""Where live's engine learnt of each account event, and live's exchange clock along the
feed (the other half of ``--latency recorded``)."""

from __future__ import annotations

from decimal import Decimal

import asyncpg

import proto
from replay import RecordedDelivery, load_recorded_delivery, twin_key
from tests.fixtures.stored import record

T = 1_704_067_200_000
ACCOUNT = "acc1"


def _trade(ts: int, n: int) -> proto.TradeFrame:
    return proto.TradeFrame(
        event_id=f"trade:{n}", ts_exchange_ms=ts, ts_local_ns=ts * 1_000_000, symbol="BTCUSDT",
        trades=[proto.Trade(trade_id=f"t{n}", side=proto.Side.BUY,
                            price=Decimal("42000"), qty=Decimal("0.01"), ts_exchange_ms=ts)],
    )  # fmt: skip


def _order(link: str, status: proto.OrderStatus, ts: int, filled: str = "0") -> proto.OrderUpdate:
    return proto.OrderUpdate(
        event_id=f"order:{link}:{status}:{filled}:{ts}", ts_exchange_ms=ts, ts_local_ns=ts * 10**6,
        account_id=ACCOUNT, symbol="BTCUSDT", order_id=f"id-{link}-{ts}", order_link_id=link,
        side=proto.Side.BUY, position_idx=1, price=Decimal("42000"), qty=Decimal("0.01"),
        leaves_qty=Decimal("0.01") - Decimal(filled), cum_exec_qty=Decimal(filled),
        status=status, created_ms=ts, updated_ms=ts,
    )  # fmt: skip


def _position(ts: int, size: str) -> proto.Position:
    return proto.Position(
        event_id=f"position:{ts}:{size}", ts_exchange_ms=ts, ts_local_ns=ts * 10**6,
        account_id=ACCOUNT, symbol="BTCUSDT", position_idx=1, side=proto.Side.BUY,
        size=Decimal(size), avg_price=Decimal("42000"),
    )  # fmt: skip


def test_twins_ignore_the_ids_each_exchange_gave() -> None:
    live = _order("c1-1796700081344", proto.OrderStatus.NEW, T)  # live: wall-clock suffix
    sim = _order("c1-1704067200000", proto.OrderStatus.NEW, T + 5)  # the recording's
    assert twin_key(live) == twin_key(sim) is not None
    filled = _order("c1-1", proto.OrderStatus.FILLED, T, filled="0.01")
    assert twin_key(filled) != twin_key(live)  # another transition of the same order
    assert twin_key(_position(T, "0.01")) is None  # follows its execution instead


async def test_each_account_event_is_due_where_live_had_it_and_the_clock_runs_ahead(
    pool: asyncpg.Pool,
) -> None:
    await record(pool, [
        _trade(T, 1),
        _order("c1-1796700081344", proto.OrderStatus.NEW, T + 700),  # exchange ahead
        _trade(T + 10, 2),
        _trade(T + 20, 3),
        _order("c1-1796700081344", proto.OrderStatus.FILLED, T + 20, filled="0.01"),
        _order("c2-1796700081399", proto.OrderStatus.NEW, T + 25),
        _order("c2-1796700081399", proto.OrderStatus.NEW, T + 26),  # a second alike
    ])  # fmt: skip
    async with pool.acquire() as conn:
        delivery = await load_recorded_delivery(
            conn, "live", accounts=[ACCOUNT], symbols=["BTCUSDT"], md_kinds=("trade",),
            start_ms=None, end_ms=None, after_seq=0,
        )  # fmt: skip
    assert len(delivery) == 4
    # (feed events before it live, its stream seq)
    assert delivery.due(_order("c1-5", proto.OrderStatus.NEW, T + 3)) == (1, 2)
    assert delivery.due(_order("c1-5", proto.OrderStatus.FILLED, T + 20, "0.01")) == (3, 5)
    assert delivery.due(_order("c2-5", proto.OrderStatus.NEW, T)) == (3, 6)
    assert delivery.due(_order("c2-5", proto.OrderStatus.NEW, T)) == (3, 7)  # the 2nd
    assert delivery.due(_order("c2-5", proto.OrderStatus.NEW, T)) is None  # live had 2
    assert delivery.due(_order("c9-5", proto.OrderStatus.NEW, T)) is None
    # Live's exchange had reached T+700 once one feed event had gone out.
    assert [delivery.clock_at(n) for n in (0, 1, 2, 3)] == [0, T + 700, T + 700, T + 700]
    assert RecordedDelivery({}).clock_at(10) == 0
