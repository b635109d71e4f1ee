"""The state a replay window starts from (V-16, V-17), read from a real event store."""

from __future__ import annotations

from decimal import Decimal

import asyncpg
import pytest

import proto
from gridcore import GridConfig, saved_grid
from replay import SeedMissing, load_seed
from tests.fixtures.stored import record as _store

T0 = 1_795_000_000_000  # 2026-11-18, a run's first event
MIN = 60_000
START = T0 + 10 * MIN
ACCOUNT = "acc1"
SYMBOL = "BTCUSDT"


def _wallet(ts: int, balance: str, account: str = ACCOUNT) -> proto.Wallet:
    return proto.Wallet(
        event_id=f"wallet:{account}:{ts}",
        ts_exchange_ms=ts,
        ts_local_ns=ts * 1_000_000,
        account_id=account,
        coin="USDT",
        equity=Decimal(balance) + 3,
        wallet_balance=Decimal(balance),
        available_balance=Decimal(balance),
    )


def _position(ts: int, idx: int, size: str, avg: str, symbol: str = SYMBOL) -> proto.Position:
    return proto.Position(
        event_id=f"position:{ACCOUNT}:{symbol}:{idx}:{ts}",
        ts_exchange_ms=ts,
        ts_local_ns=ts * 1_000_000,
        account_id=ACCOUNT,
        symbol=symbol,
        position_idx=idx,
        side=(proto.Side.BUY if idx == 1 else proto.Side.SELL) if Decimal(size) else None,
        size=Decimal(size),
        avg_price=Decimal(avg),
    )


def _order(
    ts: int,
    order_id: str,
    status: proto.OrderStatus,
    *,
    idx: int = 1,
    leaves: str = "0.002",
    symbol: str = SYMBOL,
) -> proto.OrderUpdate:
    return proto.OrderUpdate(
        event_id=f"order:{order_id}:{ts}",
        ts_exchange_ms=ts,
        ts_local_ns=ts * 1_000_000,
        account_id=ACCOUNT,
        symbol=symbol,
        order_id=order_id,
        order_link_id=f"cid{order_id}-{ts}",
        side=proto.Side.BUY if idx == 1 else proto.Side.SELL,
        position_idx=idx,
        price=Decimal("18300.5"),
        qty=Decimal("0.002"),
        leaves_qty=Decimal(leaves),
        cum_exec_qty=Decimal("0.002") - Decimal(leaves),
        status=status,
        created_ms=T0,
        updated_ms=ts,
    )


def _grid(ts: int, levels: list[tuple[str, str]], strategy: str = "s1") -> proto.GridState:
    return proto.GridState(
        event_id=f"grid:{strategy}:{ts}",
        ts_exchange_ms=ts,
        ts_local_ns=ts * 1_000_000,
        strategy_id=strategy,
        account_id=ACCOUNT,
        symbol=SYMBOL,
        levels=levels,
        grid_step=0.2,
        grid_count=4,
    )


OLD_GRID = [("Buy", "18200.0"), ("Wait", "18236.4"), ("Sell", "18272.9"), ("Sell", "18309.4")]
GRID = [("Buy", "18236.4"), ("Buy", "18272.9"), ("Wait", "18309.4"), ("Sell", "18346.0")]


def _ticker(ts: int) -> proto.Ticker:
    return proto.Ticker(event_id=f"ticker:{ts}", ts_exchange_ms=ts, ts_local_ns=ts * 1_000_000,
                        symbol=SYMBOL, last_price=Decimal("18300"))  # fmt: skip


def _with_market(events: list[proto.Message]) -> list[proto.Message]:
    """``events`` recorded in time order among a ticker every 30 s from ``T0``."""
    tickers: list[proto.Message] = [_ticker(T0 + k * MIN // 2) for k in range(40)]
    return sorted([*tickers, *events], key=lambda e: e.ts_exchange_ms)


def _full_history() -> list[proto.Message]:
    """A run that changes every seeded item both before and after ``START``."""
    return _with_market([
        _wallet(T0, "1000"),
        _position(T0, 1, "0", "0"),
        _position(T0, 2, "0", "0"),
        _grid(T0, OLD_GRID),
        _order(T0 + MIN, "filled_before", proto.OrderStatus.FILLED, leaves="0"),
        _order(T0 + MIN, "cancelled", proto.OrderStatus.NEW),
        _order(T0 + 2 * MIN, "cancelled", proto.OrderStatus.CANCELLED),
        _order(T0 + 3 * MIN, "open_long", proto.OrderStatus.NEW),
        _order(
            T0 + 4 * MIN, "open_short", proto.OrderStatus.PARTIALLY_FILLED, idx=2, leaves="0.001"
        ),
        _order(T0 + 4 * MIN, "other_symbol", proto.OrderStatus.NEW, symbol="ETHUSDT"),
        _position(T0 + 5 * MIN, 1, "0.002", "18310.1"),
        _wallet(T0 + 5 * MIN, "999.6"),
        _grid(T0 + 6 * MIN, GRID),
        _grid(START, OLD_GRID),  # caused at the window's first instant: the window's
        _order(START, "open_long", proto.OrderStatus.NEW),
        _order(START + 1, "open_long", proto.OrderStatus.FILLED, leaves="0"),
        _wallet(START + 1, "998.1"),
        _position(START + 1, 1, "0.004", "18305.3"),
        _grid(START + 1, OLD_GRID),
    ])  # fmt: skip


async def test_seed_is_the_last_state_at_or_before_the_window_start(pool: asyncpg.Pool) -> None:
    await _store(pool, _full_history())
    async with pool.acquire() as conn:
        seed = await load_seed(conn, "live", START, [ACCOUNT], [SYMBOL])
    account = seed.accounts[ACCOUNT]
    assert account.wallet_balance == Decimal("999.6")  # cash, not equity (V-18)
    assert account.equity == Decimal("1002.6")
    assert account.legs[(SYMBOL, "long")].size == Decimal("0.002")
    assert account.legs[(SYMBOL, "long")].avg_price == Decimal("18310.1")
    assert account.legs[(SYMBOL, "short")].size == 0
    by_id = {order.order_id: order for order in account.orders}
    assert sorted(by_id) == ["open_long", "open_short"]  # filled, cancelled, other symbol: out
    assert by_id["open_long"].direction == "long"
    assert by_id["open_long"].client_order_id == "cidopen_long"
    assert by_id["open_short"].direction == "short"
    assert by_id["open_short"].leaves_qty == Decimal("0.001")
    strategy = seed.strategies["s1"]
    assert strategy.levels == GRID
    restored = saved_grid(strategy.document(), "s1", GridConfig(grid_count=4, grid_step=0.2))
    assert restored == [{"side": s, "price": float(p)} for s, p in GRID]


async def test_an_earlier_start_sees_the_earlier_state(pool: asyncpg.Pool) -> None:
    await _store(pool, _full_history())
    async with pool.acquire() as conn:
        seed = await load_seed(conn, "live", T0 + 2 * MIN + 1, [ACCOUNT], [SYMBOL])
    account = seed.accounts[ACCOUNT]
    assert account.wallet_balance == Decimal("1000")
    assert account.legs[(SYMBOL, "long")].size == 0
    assert [order.order_id for order in account.orders] == []
    assert seed.strategies["s1"].levels == OLD_GRID


async def test_missing_items_are_each_named_and_nothing_is_defaulted(pool: asyncpg.Pool) -> None:
    # No wallet for acc2 at all; acc1 has a long leg only and no grid document.
    await _store(pool, _with_market([_wallet(T0, "1000"), _position(T0, 1, "0", "0")]))
    async with pool.acquire() as conn:
        with pytest.raises(SeedMissing) as caught:
            await load_seed(conn, "live", START, [ACCOUNT, "acc2"], [SYMBOL])
    missing = caught.value.missing
    assert "account acc1 BTCUSDT short: no position" in missing
    assert "account acc1 BTCUSDT: no grid state" in missing
    assert "account acc2: no wallet" in missing
    assert "account acc2 BTCUSDT long: no position" in missing
    assert "long: no position" not in " ".join(m for m in missing if "acc1" in m)
    assert caught.value.start_ms == START
    assert "no seed state at 2026-11-18T" in str(caught.value)


async def test_seed_older_than_the_maximum_age_is_refused(pool: asyncpg.Pool) -> None:
    history = [
        m for m in _full_history() if m.ts_exchange_ms <= T0 and not isinstance(m, proto.Ticker)
    ]
    await _store(pool, _with_market(history))
    late = T0 + 16 * MIN  # everything is 16 min old, over the 15 min default
    async with pool.acquire() as conn:
        with pytest.raises(SeedMissing) as caught:
            await load_seed(conn, "live", late, [ACCOUNT], [SYMBOL])
        assert caught.value.missing == [
            "account acc1: wallet older than the seed age",
            "account acc1 BTCUSDT long: position older than the seed age",
            "account acc1 BTCUSDT short: position older than the seed age",
            "strategy s1: grid state older than the seed age",
        ]
        seed = await load_seed(conn, "live", late, [ACCOUNT], [SYMBOL], max_seed_age_s=1200)
    assert seed.accounts[ACCOUNT].wallet_balance == Decimal("1000")


async def test_a_grid_gridcore_rejects_is_reported_not_restored(pool: asyncpg.Pool) -> None:
    bad = [("Sell", "18200.0"), ("Buy", "18236.4"), ("Wait", "18272.9"), ("Sell", "18309.4")]
    history = [m for m in _full_history() if m.ts_exchange_ms < START]
    history += [_grid(START - 1, bad), _ticker(START)]
    await _store(pool, history)
    async with pool.acquire() as conn:
        with pytest.raises(
            SeedMissing, match=r"strategy s1: grid state is not a valid grid \(G-9\)"
        ):
            await load_seed(conn, "live", START, [ACCOUNT], [SYMBOL])


async def test_a_snapshot_on_another_clock_recorded_before_the_window_counts(
    pool: asyncpg.Pool,
) -> None:
    """The exchange simulator stamps REST snapshots with wall time while its market data
    keeps the recording's: what was recorded before the window's first market event is
    what live had seen, whatever its stamp."""
    wall = 1_796_000_000_000  # a day after T0
    snapshot = [_wallet(wall, "1000"), _position(wall, 1, "0", "0"), _position(wall, 2, "0", "0")]
    late = [_wallet(wall + 1, "5")]  # recorded after the window's first ticker: not seed
    # The strategy builds its first grid on the window's first ticker, as at a run's start.
    history = [*snapshot, _ticker(START), _grid(START, GRID), *late]
    await _store(pool, history)
    async with pool.acquire() as conn:
        seed = await load_seed(conn, "live", START, [ACCOUNT], [SYMBOL])
    assert seed.accounts[ACCOUNT].wallet_balance == Decimal("1000")
    assert seed.after_seq == 3  # the three snapshot events
    assert seed.strategies == {}
    assert seed.fresh == ["account acc1 BTCUSDT: no grid yet, built in the window"]


async def test_no_grid_with_open_orders_is_missing_not_fresh(pool: asyncpg.Pool) -> None:
    snapshot = [_wallet(T0, "1000"), _position(T0, 1, "0", "0"), _position(T0, 2, "0", "0")]
    resting = _order(T0, "resting", proto.OrderStatus.NEW)
    history = [*snapshot, resting, _ticker(START), _grid(START, GRID)]
    await _store(pool, history)
    async with pool.acquire() as conn:
        with pytest.raises(SeedMissing, match="account acc1 BTCUSDT: no grid state"):
            await load_seed(conn, "live", START, [ACCOUNT], [SYMBOL])


async def test_other_namespaces_never_seed_a_run(pool: asyncpg.Pool) -> None:
    history = _full_history()
    await _store(pool, [m for m in history if isinstance(m, proto.Ticker)])
    await _store(pool, [m for m in history if not isinstance(m, proto.Ticker)], ns="replay.r1")
    async with pool.acquire() as conn:
        with pytest.raises(SeedMissing, match="account acc1: no wallet"):
            await load_seed(conn, "live", START, [ACCOUNT], [SYMBOL])
