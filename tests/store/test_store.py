"""Event store, migrations and tenancy on a real PostgreSQL."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from store import (
    EventWriter,
    MigrationError,
    count_events,
    iter_events,
    migrate,
    month_bounds,
    tenant_scope,
)
from store._sql import migrations
from tests.fixtures.events import execution, trade_frame
from tests.fixtures.stored import row_of


async def test_migrations_are_tracked_and_not_reapplied(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        assert await migrate(conn) == []
        versions = await conn.fetch("SELECT version FROM schema_migrations ORDER BY 1")
        files = [version for version, _, _ in migrations()]
        assert files[:5] == [1, 2, 3, 4, 5]  # forward-only, numbered, none skipped
        assert [r[0] for r in versions] == files


async def test_changed_migration_file_is_refused(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute("UPDATE schema_migrations SET checksum = 'x' WHERE version = 2")
        with pytest.raises(MigrationError, match="0002"):
            await migrate(conn)


async def test_duplicates_in_and_across_batches_store_one_row(pool: asyncpg.Pool) -> None:
    writer = EventWriter()
    async with pool.acquire() as conn:
        first = [row_of(trade_frame(i), i + 1) for i in range(10)]
        assert await writer.write(conn, first) == 10
        again = [row_of(trade_frame(i), i + 100) for i in range(5, 15)]
        again.append(row_of(trade_frame(14), 200))  # same id twice in one batch
        assert await writer.write(conn, again) == 5
        assert await count_events(conn, "live") == 15


async def test_same_event_id_in_two_namespaces_is_two_events(pool: asyncpg.Pool) -> None:
    writer = EventWriter()
    async with pool.acquire() as conn:
        await writer.write(
            conn, [row_of(trade_frame(1), 1, "live"), row_of(trade_frame(1), 1, "paper")]
        )
        assert await count_events(conn, "live") == 1
        assert await count_events(conn, "paper") == 1


async def test_rows_land_in_monthly_partitions_by_exchange_time(pool: asyncpg.Pool) -> None:
    writer = EventWriter()
    dec_2020 = trade_frame(1)
    nov_2026 = trade_frame(2, ts_ms=1_795_000_000_000)
    async with pool.acquire() as conn:
        await writer.write(conn, [row_of(dec_2020, 1), row_of(nov_2026, 2)])
        parts = await conn.fetch(
            "SELECT tableoid::regclass::text AS p, event_id FROM events ORDER BY stream_seq"
        )
    assert [p["p"] for p in parts] == [
        month_bounds(dec_2020.ts_exchange_ms)[0],
        month_bounds(nov_2026.ts_exchange_ms)[0],
    ]
    assert parts[0]["p"] == "events_p202012"


async def test_payload_bytes_are_kept_exactly_and_read_back_in_stream_order(
    pool: asyncpg.Pool,
) -> None:
    writer = EventWriter()
    msgs = [trade_frame(i) for i in range(7)]
    rows = [row_of(m, 100 - i) for i, m in enumerate(msgs)]  # stored out of order
    async with pool.acquire() as conn:
        await writer.write(conn, rows)
        got = [e async for chunk in iter_events(conn, "live", chunk=3) for e in chunk]
    assert [e.stream_seq for e in got] == sorted(r.stream_seq for r in rows)
    by_seq = {r.stream_seq: r.payload for r in rows}
    assert all(e.payload == by_seq[e.stream_seq] for e in got)


async def test_symbol_account_and_window_filters(pool: asyncpg.Pool) -> None:
    writer = EventWriter()
    rows = [
        row_of(trade_frame(1, "BTCUSDT"), 1),
        row_of(trade_frame(2, "ETHUSDT"), 2),
        row_of(execution(3, "acc1"), 3),
        row_of(execution(4, "acc2"), 4),
    ]
    async with pool.acquire() as conn:
        await writer.write(conn, rows)

        async def seqs(**kw: object) -> list[int]:
            return [e.stream_seq async for c in iter_events(conn, "live", **kw) for e in c]  # type: ignore[arg-type]

        assert await seqs(symbols=["ETHUSDT"]) == [2]
        assert await seqs(accounts=["acc2"]) == [1, 2, 4]  # market data has no account
        assert await seqs(start_ms=rows[1].ts_exchange_ms, end_ms=rows[3].ts_exchange_ms) == [2, 3]


async def _add_user(conn: asyncpg.Connection, name: str, account: str) -> uuid.UUID:
    uid = uuid.uuid4()
    await conn.execute("INSERT INTO users (user_id, name) VALUES ($1, $2)", uid, name)
    await conn.execute(
        "INSERT INTO accounts (account_id, user_id, name, environment) VALUES ($1, $2, $1, 'sim')",
        account,
        uid,
    )
    return uid


async def test_row_level_security_hides_other_users_accounts_and_events(
    pool: asyncpg.Pool,
) -> None:
    writer = EventWriter()
    async with pool.acquire() as conn:
        alice = await _add_user(conn, "alice", "acc1")
        bob = await _add_user(conn, "bob", "acc2")
        await writer.write(
            conn,
            [
                row_of(execution(1, "acc1"), 1),
                row_of(execution(2, "acc2"), 2),
                row_of(trade_frame(3), 3),
            ],
        )
        async with tenant_scope(conn, alice):
            accounts = [r[0] for r in await conn.fetch("SELECT account_id FROM accounts")]
            events = [r[0] for r in await conn.fetch("SELECT event_id FROM events ORDER BY 1")]
            bob_rows = await conn.fetch("SELECT * FROM users WHERE user_id = $1", bob)
        assert accounts == ["acc1"]
        assert events == ["exec:e1", "trade:BTCUSDT:1006:1007"]
        assert bob_rows == []
        # Writes through the scope cannot touch another user's rows either.
        async with tenant_scope(conn, alice):
            status = await conn.execute("DELETE FROM accounts WHERE account_id = 'acc2'")
        assert status == "DELETE 0"
