"""Forward-only migrations, applied at start and tracked in ``schema_migrations``."""

from __future__ import annotations

import hashlib

import asyncpg
import structlog

from store._sql import migrations
from store.errors import MigrationError

log = structlog.get_logger(__name__)

_LOCK_KEY = 0x67726964  # "grid": one migrator at a time per database

_TRACKING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""


def _checksum(sql: str) -> str:
    return hashlib.sha256(sql.encode()).hexdigest()


async def migrate(conn: asyncpg.Connection) -> list[int]:
    """Apply every migration not yet applied; return the versions applied now.

    A migration whose file changed after it was applied is an error, never re-run.
    """
    applied_now: list[int] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await conn.execute(_TRACKING)
        done = {r["version"]: r for r in await conn.fetch("SELECT * FROM schema_migrations")}
        for version, name, sql in migrations():
            checksum = _checksum(sql)
            if version in done:
                if done[version]["checksum"] != checksum:
                    raise MigrationError(version, name, "file changed after it was applied")
                continue
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    version,
                    name,
                    checksum,
                )
            applied_now.append(version)
            log.info("migration_applied", version=version, name=name)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
    return applied_now
