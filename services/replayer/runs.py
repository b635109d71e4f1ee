"""The replay's ``runs`` row, through ``tenants.runs`` under row-level security.

The owner is the user of the replayed accounts (all of them must belong to one user),
else the owner of the run whose namespace is replayed (an import, a paper run), else the
``replay`` system user (market data of ``live`` belongs to nobody)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import asyncpg

from services.replayer.request import ReplayRequest
from tenants import (
    ConfigFieldError,
    create_run,
    create_user,
    finish_run,
    list_accounts,
    list_runs,
    user_id_by_name,
    user_ids,
)

#: Owner of replays of namespaces no user owns.
SYSTEM_USER = "replay"


async def _system_user(conn: asyncpg.Connection) -> uuid.UUID:
    try:
        return await user_id_by_name(conn, SYSTEM_USER)
    except ConfigFieldError:
        pass
    try:
        return await create_user(conn, SYSTEM_USER)
    except ConfigFieldError:  # created meanwhile by another replay
        return await user_id_by_name(conn, SYSTEM_USER)


async def owner_of(conn: asyncpg.Connection, request: ReplayRequest) -> uuid.UUID:
    wanted = set(request.accounts)
    owners: set[uuid.UUID] = set()
    run_owner: uuid.UUID | None = None
    for user in await user_ids(conn):
        if wanted and {a.account_id for a in await list_accounts(conn, user)} & wanted:
            owners.add(user)
        if run_owner is None and any(
            r.ns == request.source_ns for r in await list_runs(conn, user)
        ):
            run_owner = user
    if len(owners) > 1:
        raise ConfigFieldError("accounts", "belong to more than one user: replay them apart")
    if owners:
        return owners.pop()
    if wanted:
        raise ConfigFieldError("accounts", f"no such accounts: {', '.join(sorted(wanted))}")
    return run_owner if run_owner is not None else await _system_user(conn)


async def open_run(conn: asyncpg.Connection, request: ReplayRequest) -> uuid.UUID:
    owner = await owner_of(conn, request)
    params: Mapping[str, Any] = {
        "start_ms": request.start_ms,
        "end_ms": request.end_ms,
        "symbols": list(request.symbols),
        "accounts": list(request.accounts),
        "speed": request.speed,
    }
    await create_run(
        conn, owner, request.run_id, "replay", request.target_ns, params,
        source_ns=request.source_ns,
    )  # fmt: skip
    return owner


async def close_run(
    conn: asyncpg.Connection, owner: uuid.UUID, run_id: str, status: str, **outcome: Any
) -> None:
    runs = {r.run_id: r for r in await list_runs(conn, owner)}
    params = {**runs[run_id].params, **outcome} if run_id in runs else dict(outcome)
    await finish_run(conn, owner, run_id, status, params=params)
