"""Strategies in the database: the grid and risk parameters in ``config`` (jsonb), the
fields services filter on (account, symbol, shadow, enabled, namespace) in columns."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Final

import asyncpg
import msgspec
import structlog

from store.tenancy import tenant_scope
from tenants.errors import ConfigFieldError
from tenants.models import StrategySpec
from tenants.parsing import DOCUMENT, StrategyFileResult, parse_strategy
from tenants.users import user_ids

__all__ = [
    "create_strategies",
    "create_strategy",
    "list_strategies",
    "load_strategies",
    "set_strategy_enabled",
]

log = structlog.get_logger(__name__)

_COLUMNS: Final = ("strategy_id", "account_id", "symbol", "shadow", "enabled", "namespace")
_SELECT: Final = (
    "SELECT strategy_id, account_id, symbol, shadow, enabled, namespace, config::text AS config"
    " FROM strategies"
)


def _config_json(spec: StrategySpec) -> str:
    data = msgspec.to_builtins(spec)
    return msgspec.json.encode({k: v for k, v in data.items() if k not in _COLUMNS}).decode()


def _spec_of(row: asyncpg.Record) -> StrategySpec:
    """Re-validates the stored row, so a config that no longer passes is caught here."""
    context = f"strategy {row['strategy_id']!r}"
    try:
        config = msgspec.json.decode(row["config"])
    except msgspec.DecodeError:  # jsonb is always valid JSON; kept for safety
        raise ConfigFieldError(DOCUMENT, "stored config is not JSON", context=context) from None
    if not isinstance(config, dict):
        raise ConfigFieldError("config", "stored config is not an object", context=context)
    data: dict[str, Any] = {**config, **{c: row[c] for c in _COLUMNS}}
    return parse_strategy(data, context=context)


def _collect(rows: Sequence[asyncpg.Record], result: StrategyFileResult) -> None:
    for row in rows:
        try:
            result.strategies.append(_spec_of(row))
        except ConfigFieldError as exc:
            log.warning(
                "strategy_invalid_skipped",
                strategy_id=row["strategy_id"],
                field=exc.field,
                reason=exc.reason,
            )
            result.errors.append(exc)


async def create_strategies(
    conn: asyncpg.Connection, user_id: uuid.UUID, specs: Sequence[StrategySpec]
) -> None:
    """Add all of ``specs`` to the user, or none of them (one transaction)."""
    async with tenant_scope(conn, user_id):
        for spec in specs:
            context = f"strategy {spec.strategy_id!r}"
            # Row-level security hides other users' accounts: "not visible" is "not yours".
            if not await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM accounts WHERE account_id = $1)", spec.account_id
            ):
                raise ConfigFieldError(
                    "account_id", f"no account {spec.account_id!r} for this user", context=context
                )
            try:
                await conn.execute(
                    "INSERT INTO strategies (strategy_id, user_id, account_id, symbol, config,"
                    " enabled, shadow, namespace) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)",
                    spec.strategy_id,
                    user_id,
                    spec.account_id,
                    spec.symbol,
                    _config_json(spec),
                    spec.enabled,
                    spec.shadow,
                    spec.namespace,
                )
            except asyncpg.UniqueViolationError:
                raise ConfigFieldError("strategy_id", "already exists", context=context) from None


async def create_strategy(conn: asyncpg.Connection, user_id: uuid.UUID, spec: StrategySpec) -> None:
    await create_strategies(conn, user_id, [spec])


async def list_strategies(conn: asyncpg.Connection, user_id: uuid.UUID) -> StrategyFileResult:
    """All of the user's strategies (any namespace, enabled or not); stored rows that no
    longer validate are in ``errors``."""
    async with tenant_scope(conn, user_id):
        rows = await conn.fetch(f"{_SELECT} ORDER BY strategy_id")
    result = StrategyFileResult([], [])
    _collect(rows, result)
    return result


async def set_strategy_enabled(
    conn: asyncpg.Connection, user_id: uuid.UUID, strategy_id: str, enabled: bool
) -> None:
    async with tenant_scope(conn, user_id):
        status = await conn.execute(
            "UPDATE strategies SET enabled = $2 WHERE strategy_id = $1", strategy_id, enabled
        )
    if status != "UPDATE 1":
        raise ConfigFieldError("strategy_id", f"no strategy {strategy_id!r} for this user")


async def load_strategies(conn: asyncpg.Connection, namespace: str) -> StrategyFileResult:
    """Every enabled strategy of every user in ``namespace`` (by strategy id), each
    user's read under its own scope. A row that no longer validates is logged (with the
    field) and returned in ``errors``; the others are still loaded."""
    result = StrategyFileResult([], [])
    for user_id in await user_ids(conn):
        async with tenant_scope(conn, user_id):
            rows = await conn.fetch(
                f"{_SELECT} WHERE namespace = $1 AND enabled ORDER BY strategy_id", namespace
            )
        _collect(rows, result)
    result.strategies.sort(key=lambda s: s.strategy_id)  # independent of user-id order
    return result
