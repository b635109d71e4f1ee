"""Tenant scoping: run queries as the RLS-bound role for one user."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

import asyncpg

APP_ROLE = "gridtwin_app"


@contextlib.asynccontextmanager
async def tenant_scope(conn: asyncpg.Connection, user_id: uuid.UUID) -> AsyncIterator[None]:
    """Within the block (one transaction) row-level security limits every query to rows
    owned by ``user_id``, whatever the connection's own role."""
    async with conn.transaction():
        await conn.execute(f"SET LOCAL ROLE {APP_ROLE}")
        await conn.execute("SELECT set_config('gridtwin.user_id', $1, true)", str(user_id))
        yield
