"""The import's owner and its ``runs`` row: created on the first import of a name,
re-opened by the next, closed with what was imported."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import asyncpg

from tenants import (
    ConfigFieldError,
    create_run,
    create_user,
    finish_run,
    reopen_run,
    user_id_by_name,
)

#: Owner of imports run without ``--user``.
DEFAULT_USER = "import"


async def owner_id(conn: asyncpg.Connection, user: str | None) -> uuid.UUID:
    """The named user (who must exist), or the default ``import`` user, created if
    missing."""
    name = user or DEFAULT_USER
    try:
        return await user_id_by_name(conn, name)
    except ConfigFieldError:
        if user is not None:
            raise
    try:
        return await create_user(conn, name)
    except ConfigFieldError:  # another import created it meanwhile
        return await user_id_by_name(conn, name)


async def open_run(
    conn: asyncpg.Connection,
    user_id: uuid.UUID,
    run_id: str,
    ns: str,
    params: Mapping[str, Any],
) -> bool:
    """Register the run, or mark the user's earlier import of that name running again;
    True when it already existed."""
    try:
        if await reopen_run(conn, user_id, run_id, "import", ns):
            return True
    except ConfigFieldError as exc:
        raise ConfigFieldError("name", exc.reason) from None
    try:
        await create_run(conn, user_id, run_id, "import", ns, params)
    except ConfigFieldError as exc:
        if exc.field != "run_id":  # the id is a valid token: only a taken id is left
            raise
        raise ConfigFieldError("name", f"run {run_id!r} belongs to another user") from None
    return False


async def close_run(
    conn: asyncpg.Connection,
    user_id: uuid.UUID,
    run_id: str,
    params: Mapping[str, Any],
    status: str = "finished",
) -> None:
    """End the run with ``status``, its params replaced by ``params``."""
    await finish_run(conn, user_id, run_id, status, params=params)
