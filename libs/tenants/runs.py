"""Runs (live, paper, replay, backtest, import) of a user, under row-level security."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, get_args

import asyncpg
import msgspec

from store.tenancy import tenant_scope
from tenants.errors import ConfigFieldError
from tenants.models import check_token
from tenants.rows import RunKind, RunRow
from tenants.users import user_ids

__all__ = ["create_run", "find_run", "finish_run", "list_runs", "reopen_run"]

_KINDS = frozenset(get_args(RunKind))


def _params_json(params: Mapping[str, Any]) -> str:
    try:
        return msgspec.json.encode(dict(params)).decode()
    except (TypeError, msgspec.EncodeError) as exc:
        raise ConfigFieldError("params", f"not JSON-encodable: {exc}") from None


async def create_run(
    conn: asyncpg.Connection,
    user_id: uuid.UUID,
    run_id: str,
    kind: str,
    ns: str,
    params: Mapping[str, Any] | None = None,
    *,
    source_ns: str | None = None,
) -> None:
    check_token("run_id", run_id)
    if kind not in _KINDS:
        raise ConfigFieldError("kind", f"must be one of {', '.join(sorted(_KINDS))}, got {kind!r}")
    if not ns or any(c.isspace() for c in ns):
        raise ConfigFieldError("ns", "must be a non-empty namespace without spaces")
    params_json = _params_json(params or {})
    try:
        async with tenant_scope(conn, user_id):
            await conn.execute(
                "INSERT INTO runs (run_id, user_id, kind, ns, source_ns, params)"
                " VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
                run_id,
                user_id,
                kind,
                ns,
                source_ns,
                params_json,
            )
    except asyncpg.UniqueViolationError:
        raise ConfigFieldError("run_id", f"run {run_id!r} already exists") from None


async def list_runs(conn: asyncpg.Connection, user_id: uuid.UUID) -> list[RunRow]:
    async with tenant_scope(conn, user_id):
        rows = await conn.fetch(
            "SELECT run_id, user_id, kind, ns, source_ns, params::text AS params, status,"
            " started_at, ended_at FROM runs ORDER BY started_at, run_id"
        )
    return [
        RunRow(
            run_id=r["run_id"],
            user_id=r["user_id"],
            kind=r["kind"],
            ns=r["ns"],
            source_ns=r["source_ns"],
            params=msgspec.json.decode(r["params"]),
            status=r["status"],
            started_at=r["started_at"],
            ended_at=r["ended_at"],
        )
        for r in rows
    ]


async def find_run(conn: asyncpg.Connection, run_id: str) -> RunRow | None:
    """The run ``run_id`` of whichever user owns it (operator tools: each user's runs are
    read under that user's own scope); None when there is none."""
    for user in await user_ids(conn):
        for run in await list_runs(conn, user):
            if run.run_id == run_id:
                return run
    return None


async def finish_run(
    conn: asyncpg.Connection,
    user_id: uuid.UUID,
    run_id: str,
    status: str = "finished",
    *,
    params: Mapping[str, Any] | None = None,
) -> None:
    """Mark a running run ended with ``status`` (``finished``, ``failed``, ...);
    ``params`` replaces the run's params (what it produced)."""
    if status == "running" or not status or any(c.isspace() for c in status):
        raise ConfigFieldError("status", f"must be a final status like 'finished', got {status!r}")
    async with tenant_scope(conn, user_id):
        ended = await conn.fetchval(
            "SELECT ended_at IS NOT NULL FROM runs WHERE run_id = $1 FOR UPDATE", run_id
        )
        if ended is None:
            raise ConfigFieldError("run_id", f"no run {run_id!r} for this user")
        if ended:
            raise ConfigFieldError("run_id", f"run {run_id!r} is already finished")
        await conn.execute(
            "UPDATE runs SET status = $2, ended_at = now(),"
            " params = coalesce($3::jsonb, params) WHERE run_id = $1",
            run_id,
            status,
            _params_json(params) if params is not None else None,
        )


async def reopen_run(
    conn: asyncpg.Connection, user_id: uuid.UUID, run_id: str, kind: str, ns: str
) -> bool:
    """Mark the user's run ``run_id`` running again (a resumed import); False when the
    user has no such run. A run of another kind or namespace is refused by field."""
    async with tenant_scope(conn, user_id):
        row = await conn.fetchrow("SELECT kind, ns FROM runs WHERE run_id = $1", run_id)
        if row is None:
            return False
        if (row["kind"], row["ns"]) != (kind, ns):
            raise ConfigFieldError(
                "run_id", f"run {run_id!r} is a {row['kind']} run of {row['ns']}, not {kind!r}"
            )
        await conn.execute(
            "UPDATE runs SET status = 'running', ended_at = NULL WHERE run_id = $1", run_id
        )
        return True
