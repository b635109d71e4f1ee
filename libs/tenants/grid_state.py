"""Saved grid state per strategy (spec §12 persistence): one JSON object per strategy,
latest write wins, owned and scoped like the strategy itself."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import asyncpg
import msgspec

from store.tenancy import tenant_scope
from tenants.errors import ConfigFieldError
from tenants.users import user_ids

__all__ = ["load_grid_states", "save_grid_state"]


def _document_text(document: bytes | str | Mapping[str, Any]) -> str:
    if isinstance(document, Mapping):
        return msgspec.json.encode(dict(document)).decode()
    try:
        decoded = msgspec.json.decode(document)
    except msgspec.DecodeError:
        raise ConfigFieldError("document", "not valid JSON") from None
    if not isinstance(decoded, dict):
        raise ConfigFieldError("document", "must be a JSON object")
    return document.decode() if isinstance(document, bytes) else document


async def save_grid_state(
    conn: asyncpg.Connection,
    user_id: uuid.UUID,
    strategy_id: str,
    document: bytes | str | Mapping[str, Any],
) -> None:
    text = _document_text(document)
    try:
        async with tenant_scope(conn, user_id):
            await conn.execute(
                "INSERT INTO grid_states (strategy_id, user_id, document, updated_at)"
                " VALUES ($1, $2, $3::jsonb, now())"
                " ON CONFLICT (strategy_id) DO UPDATE"
                " SET document = EXCLUDED.document, updated_at = EXCLUDED.updated_at",
                strategy_id,
                user_id,
                text,
            )
    except (asyncpg.ForeignKeyViolationError, asyncpg.InsufficientPrivilegeError):
        # No such strategy, or (row-level security check) not this user's.
        raise ConfigFieldError(
            "strategy_id", f"no strategy {strategy_id!r} for this user"
        ) from None


async def load_grid_states(conn: asyncpg.Connection, namespace: str) -> dict[str, dict[str, Any]]:
    """``strategy_id -> document`` for every strategy in ``namespace`` that has one, each
    user's read under its own scope."""
    states: dict[str, dict[str, Any]] = {}
    for user_id in await user_ids(conn):
        async with tenant_scope(conn, user_id):
            rows = await conn.fetch(
                "SELECT g.strategy_id, g.document::text AS document FROM grid_states g"
                " JOIN strategies s USING (strategy_id) WHERE s.namespace = $1",
                namespace,
            )
        for row in rows:
            states[row["strategy_id"]] = msgspec.json.decode(row["document"])
    return states
