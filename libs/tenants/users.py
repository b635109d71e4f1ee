"""Users: the only rows read and written outside a tenant scope (a user is what a scope
is made of), plus the id listing services use to visit every tenant in turn."""

from __future__ import annotations

import uuid

import asyncpg

from tenants.errors import ConfigFieldError
from tenants.rows import UserRow

__all__ = ["create_user", "list_users", "user_id_by_name", "user_ids"]

_NAME_MAX_LEN = 100


async def create_user(conn: asyncpg.Connection, name: str) -> uuid.UUID:
    if not name or len(name) > _NAME_MAX_LEN or not name.isprintable() or " " in name:
        raise ConfigFieldError(
            "name", f"a user name is 1-{_NAME_MAX_LEN} printable characters without spaces"
        )
    user_id = uuid.uuid4()
    try:
        await conn.execute("INSERT INTO users (user_id, name) VALUES ($1, $2)", user_id, name)
    except asyncpg.UniqueViolationError:
        raise ConfigFieldError("name", f"user {name!r} already exists") from None
    return user_id


async def list_users(conn: asyncpg.Connection) -> list[UserRow]:
    rows = await conn.fetch("SELECT user_id, name, created_at FROM users ORDER BY name")
    return [UserRow(r["user_id"], r["name"], r["created_at"]) for r in rows]


async def user_id_by_name(conn: asyncpg.Connection, name: str) -> uuid.UUID:
    user_id = await conn.fetchval("SELECT user_id FROM users WHERE name = $1", name)
    if user_id is None:
        raise ConfigFieldError("user", f"no user named {name!r}")
    return user_id  # type: ignore[no-any-return]


async def user_ids(conn: asyncpg.Connection) -> list[uuid.UUID]:
    """Every user id, through the SECURITY DEFINER ``gridtwin_user_ids()`` so it works
    from any role; callers then read each user's rows under ``tenant_scope``."""
    return [r[0] for r in await conn.fetch("SELECT gridtwin_user_ids()")]
