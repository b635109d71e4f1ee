"""Comparisons (validation spec V-21) stored in PostgreSQL: each one's verdict and metrics
documents, owned by the live run's user, under row-level security.

The documents are the ones written as ``verdict.json`` and ``metrics.json``. They are
stored with exact numbers (a Decimal as its digits) and read back with every number that
has a fraction or exponent as a Decimal, so money comes back exactly as it was written.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final, Literal

import asyncpg
import msgspec

from store.tenancy import tenant_scope
from tenants.errors import ConfigFieldError
from tenants.models import check_token

__all__ = [
    "ComparisonStatus",
    "StoredComparison",
    "get_comparison",
    "list_comparisons",
    "save_comparison",
]

ComparisonStatus = Literal["PASS", "FAIL", "SKIP"]
#: A verdict's exit code (V-14), as the table's CHECK has it.
_EXIT_CODES: Final = {"PASS": 0, "FAIL": 1, "SKIP": 2}
#: Refs are run ids, namespaces or folder paths: long enough for a path, not a document.
_REF_MAX_LEN: Final = 4096
_ENCODER = msgspec.json.Encoder(decimal_format="number")
# jsonb keeps a number's digits: read back as Decimal, nothing is rounded through a float.
_DECODER = msgspec.json.Decoder(float_hook=Decimal)

_COLUMNS = (
    "comparison_id, user_id, live_ref, sim_ref, account_id, symbol, window_start_ms,"
    " window_end_ms, status, exit_code, reason, metrics::text AS metrics,"
    " verdict::text AS verdict, out_dir, created_at"
)


class StoredComparison(msgspec.Struct, frozen=True, kw_only=True):
    comparison_id: uuid.UUID
    #: The owner: the live run's user.
    user_id: uuid.UUID
    #: What was compared: a run id, a namespace or a folder.
    live_ref: str
    sim_ref: str
    #: One account × symbol of a stored run; None when a folder side does not say.
    account_id: str | None
    symbol: str | None
    #: ``[window_start_ms, window_end_ms)``, exchange time.
    window_start_ms: int
    window_end_ms: int
    status: ComparisonStatus
    exit_code: int
    reason: str
    #: ``metrics.json`` and ``verdict.json`` of the comparison.
    metrics: dict[str, Any]
    verdict: dict[str, Any]
    out_dir: str | None
    created_at: dt.datetime


def _ref(field: str, value: str) -> str:
    if not isinstance(value, str) or not value or len(value) > _REF_MAX_LEN:
        raise ConfigFieldError(field, f"must be 1-{_REF_MAX_LEN} characters, got {value!r}")
    if not value.isprintable():
        raise ConfigFieldError(field, f"must be printable text, got {value!r}")
    return value


def _optional_token(field: str, value: str | None) -> str | None:
    if value is not None:
        check_token(field, value)
    return value


def _ms(field: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigFieldError(field, f"must be whole milliseconds, got {value!r}")
    return value


def _document(field: str, document: Mapping[str, Any]) -> str:
    if not isinstance(document, Mapping):
        raise ConfigFieldError(field, f"must be a JSON object, got {type(document).__name__}")
    try:
        return _ENCODER.encode(dict(document)).decode()
    except (TypeError, msgspec.EncodeError) as exc:
        raise ConfigFieldError(field, f"not JSON-encodable: {exc}") from None


def _checked_status(status: str, exit_code: int, verdict: Mapping[str, Any]) -> None:
    if status not in _EXIT_CODES:
        raise ConfigFieldError("status", f"must be PASS, FAIL or SKIP, got {status!r}")
    if isinstance(exit_code, bool) or exit_code != _EXIT_CODES[status]:
        raise ConfigFieldError(
            "exit_code", f"a {status} verdict exits {_EXIT_CODES[status]}, got {exit_code!r}"
        )
    # The columns index what the document says: they never disagree with it.
    if isinstance(verdict, Mapping) and verdict.get("status", status) != status:
        raise ConfigFieldError(
            "verdict", f"its status {verdict.get('status')!r} is not the row's {status!r}"
        )


def _row(r: asyncpg.Record) -> StoredComparison:
    return StoredComparison(
        comparison_id=r["comparison_id"],
        user_id=r["user_id"],
        live_ref=r["live_ref"],
        sim_ref=r["sim_ref"],
        account_id=r["account_id"],
        symbol=r["symbol"],
        window_start_ms=r["window_start_ms"],
        window_end_ms=r["window_end_ms"],
        status=r["status"],
        exit_code=r["exit_code"],
        reason=r["reason"],
        metrics=_DECODER.decode(r["metrics"]),
        verdict=_DECODER.decode(r["verdict"]),
        out_dir=r["out_dir"],
        created_at=r["created_at"],
    )


async def save_comparison(
    conn: asyncpg.Connection,
    owner: uuid.UUID,
    *,
    live_ref: str,
    sim_ref: str,
    window_start_ms: int,
    window_end_ms: int,
    status: str,
    exit_code: int,
    metrics: Mapping[str, Any],
    verdict: Mapping[str, Any],
    reason: str = "",
    account_id: str | None = None,
    symbol: str | None = None,
    out_dir: str | None = None,
) -> StoredComparison:
    """Store one comparison owned by ``owner`` (the live run's user); a bad value raises
    :class:`ConfigFieldError` naming its field, and nothing is stored."""
    _ref("live_ref", live_ref)
    _ref("sim_ref", sim_ref)
    _optional_token("account_id", account_id)
    _optional_token("symbol", symbol)
    start, end = _ms("window_start_ms", window_start_ms), _ms("window_end_ms", window_end_ms)
    if end <= start:
        raise ConfigFieldError("window_end_ms", f"must be after window_start_ms {start}, got {end}")
    _checked_status(status, exit_code, verdict)
    if not isinstance(reason, str):
        raise ConfigFieldError("reason", f"must be text, got {type(reason).__name__}")
    if out_dir is not None:
        _ref("out_dir", out_dir)
    metrics_text, verdict_text = _document("metrics", metrics), _document("verdict", verdict)
    try:
        async with tenant_scope(conn, owner):
            row = await conn.fetchrow(
                "INSERT INTO comparisons (comparison_id, user_id, live_ref, sim_ref, account_id,"
                " symbol, window_start_ms, window_end_ms, status, exit_code, reason, metrics,"
                " verdict, out_dir)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13::jsonb,"
                f" $14) RETURNING {_COLUMNS}",
                uuid.uuid4(),
                owner,
                live_ref,
                sim_ref,
                account_id,
                symbol,
                start,
                end,
                status,
                exit_code,
                reason,
                metrics_text,
                verdict_text,
                out_dir,
            )
    except asyncpg.ForeignKeyViolationError:
        raise ConfigFieldError("owner", f"no user {owner}") from None
    assert row is not None  # INSERT … RETURNING always returns the row
    return _row(row)


async def list_comparisons(
    conn: asyncpg.Connection,
    user_id: uuid.UUID,
    *,
    live_ref: str | None = None,
    sim_ref: str | None = None,
) -> list[StoredComparison]:
    """The user's comparisons, oldest first; only those of ``live_ref`` / ``sim_ref``
    when given."""
    async with tenant_scope(conn, user_id):
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM comparisons"
            " WHERE ($1::text IS NULL OR live_ref = $1) AND ($2::text IS NULL OR sim_ref = $2)"
            " ORDER BY created_at, comparison_id",
            live_ref,
            sim_ref,
        )
    return [_row(r) for r in rows]


async def get_comparison(
    conn: asyncpg.Connection, user_id: uuid.UUID, comparison_id: uuid.UUID
) -> StoredComparison | None:
    """The user's comparison ``comparison_id``; None when there is none (or it is another
    user's: row-level security does not show it)."""
    async with tenant_scope(conn, user_id):
        row = await conn.fetchrow(
            f"SELECT {_COLUMNS} FROM comparisons WHERE comparison_id = $1", comparison_id
        )
    return None if row is None else _row(row)
