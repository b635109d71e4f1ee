"""`sql/schema.sql` must describe exactly what the migrations build."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from importlib import resources

import asyncpg
import pytest

from store import migrate
from tests.fixtures.infra import with_database

# Every catalog fact a reader of schema.sql relies on, as sortable rows.
_SNAPSHOT = {
    "tables": """
        SELECT c.relname, c.relkind::text, c.relrowsecurity, c.relforcerowsecurity,
               coalesce(pg_get_partkeydef(c.oid), '')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v', 'm')""",
    "columns": """
        SELECT table_name, ordinal_position, column_name, data_type, is_nullable,
               coalesce(column_default, '')
        FROM information_schema.columns WHERE table_schema = 'public'""",
    "constraints": """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace""",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    "policies": """
        SELECT tablename, policyname, cmd, roles::text, coalesce(qual, ''),
               coalesce(with_check, '')
        FROM pg_policies WHERE schemaname = 'public'""",
    "grants": """
        SELECT table_name, grantee, privilege_type FROM information_schema.role_table_grants
        WHERE table_schema = 'public' AND grantee = 'gridtwin_app'""",
    "functions": """
        SELECT proname, pg_get_functiondef(oid) FROM pg_proc
        WHERE pronamespace = 'public'::regnamespace""",
}


async def snapshot(conn: asyncpg.Connection) -> dict[str, list[tuple[object, ...]]]:
    return {
        name: sorted(tuple(r) for r in await conn.fetch(sql)) for name, sql in _SNAPSHOT.items()
    }


@pytest.fixture
async def two_empty_dbs(
    infra_urls: tuple[str, str],
) -> AsyncIterator[tuple[asyncpg.Connection, asyncpg.Connection]]:
    """Two fresh, empty databases (not clones of the migrated template)."""
    names = [f"s_{uuid.uuid4().hex[:16]}" for _ in range(2)]
    admin = await asyncpg.connect(infra_urls[1])
    conns: list[asyncpg.Connection] = []
    try:
        for name in names:
            await admin.execute(f"CREATE DATABASE {name}")
            conns.append(await asyncpg.connect(with_database(infra_urls[1], name)))
        yield conns[0], conns[1]
    finally:
        for conn in conns:
            await conn.close()
        for name in names:
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


def schema_sql() -> str:
    return resources.files("store").joinpath("sql", "schema.sql").read_text()


async def test_schema_sql_equals_the_migrated_schema(
    two_empty_dbs: tuple[asyncpg.Connection, asyncpg.Connection],
) -> None:
    empty_db, second_db = two_empty_dbs
    await migrate(empty_db)
    await second_db.execute(schema_sql())
    migrated, declared = await snapshot(empty_db), await snapshot(second_db)
    for part in _SNAPSHOT:
        only_migrated = sorted(set(migrated[part]) - set(declared[part]))
        only_declared = sorted(set(declared[part]) - set(migrated[part]))
        assert not only_migrated and not only_declared, (
            f"schema.sql differs from the migrations in {part}: "
            f"only in migrations {only_migrated}, only in schema.sql {only_declared}"
        )
    assert {t[0] for t in migrated["tables"]} >= {"users", "events", "event_keys"}


async def test_the_diff_sees_a_schema_change(
    two_empty_dbs: tuple[asyncpg.Connection, asyncpg.Connection],
) -> None:
    """The comparison is not blind: a column, an index or a policy more is a difference."""
    empty_db, second_db = two_empty_dbs
    await empty_db.execute(schema_sql())
    await second_db.execute(schema_sql())
    base = await snapshot(second_db)
    await second_db.execute("ALTER TABLE runs ADD COLUMN note text")
    await second_db.execute("CREATE INDEX runs_kind_idx ON runs (kind)")
    await second_db.execute("CREATE POLICY runs_extra ON runs USING (true)")
    changed = await snapshot(second_db)
    assert base == await snapshot(empty_db)
    for part in ("columns", "indexes", "policies"):
        assert changed[part] != base[part], part
