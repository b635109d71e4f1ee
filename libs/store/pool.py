"""The asyncpg pool, with the schema migrated before first use."""

from __future__ import annotations

import asyncpg

from store.errors import StoreConnectionError
from store.migrate import migrate


def redact_dsn(url: str) -> str:
    """The DSN without its password, for messages and logs."""
    if "@" not in url:
        return url
    head, _, tail = url.rpartition("@")
    scheme, _, userinfo = head.partition("://")
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}@{tail}"


async def create_pool(
    url: str,
    *,
    min_size: int = 1,
    max_size: int = 10,
    timeout: float = 10.0,
    command_timeout: float = 60.0,
    run_migrations: bool = True,
) -> asyncpg.Pool:
    """Connect (raising ``StoreConnectionError`` naming the redacted URL) and migrate."""
    try:
        pool = await asyncpg.create_pool(
            url,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            command_timeout=command_timeout,
        )
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        raise StoreConnectionError(redact_dsn(url), str(exc) or type(exc).__name__) from None
    if run_migrations:
        try:
            async with pool.acquire() as conn:
                await migrate(conn)
        except BaseException:
            await pool.close()
            raise
    return pool
