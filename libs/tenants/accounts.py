"""Accounts and their envelope-encrypted credentials. Plaintext secrets exist only in
``create_account``'s argument and in what ``load_credentials`` returns."""

from __future__ import annotations

import uuid
from collections.abc import Collection

import asyncpg

from bybit.config import Secret
from store.tenancy import tenant_scope
from tenants.crypto import MasterKey, SealedSecret, rewrap, seal, unseal
from tenants.errors import ConfigFieldError, KeyRotationError, SecretDecryptError
from tenants.models import AccountSpec, ApiCredentials
from tenants.rows import AccountRow, mask_api_key
from tenants.users import user_id_by_name, user_ids

__all__ = ["create_account", "list_accounts", "load_credentials", "rotate_master_key"]


def _aad(account_id: str) -> bytes:
    # Binds ciphertext and wrapped key to the account: moved to another row, they fail.
    return account_id.encode()


def _sealed(row: asyncpg.Record) -> SealedSecret:
    return SealedSecret(row["secret_ciphertext"], row["wrapped_key"], row["master_key_id"])


async def create_account(
    conn: asyncpg.Connection, spec: AccountSpec, api_secret: str | Secret, master: MasterKey
) -> uuid.UUID:
    """Add the account to ``spec.user`` with its secret sealed; returns the user id."""
    user_id = await user_id_by_name(conn, spec.user)
    plaintext = api_secret.reveal() if isinstance(api_secret, Secret) else api_secret
    if not plaintext or plaintext != plaintext.strip():
        raise ConfigFieldError("api_secret", "must be non-empty, without surrounding spaces")
    sealed = seal(plaintext, master, aad=_aad(spec.account_id))
    try:
        async with tenant_scope(conn, user_id):
            await conn.execute(
                "INSERT INTO accounts (account_id, user_id, name, environment)"
                " VALUES ($1, $2, $3, $4)",
                spec.account_id,
                user_id,
                spec.name or spec.account_id,
                spec.environment,
            )
            await conn.execute(
                "INSERT INTO credentials"
                " (account_id, api_key, secret_ciphertext, wrapped_key, master_key_id)"
                " VALUES ($1, $2, $3, $4, $5)",
                spec.account_id,
                spec.api_key,
                sealed.ciphertext,
                sealed.wrapped_key,
                sealed.master_key_id,
            )
    except asyncpg.UniqueViolationError:
        raise ConfigFieldError(
            "account_id", f"account {spec.account_id!r} already exists"
        ) from None
    return user_id


async def list_accounts(conn: asyncpg.Connection, user_id: uuid.UUID) -> list[AccountRow]:
    async with tenant_scope(conn, user_id):
        rows = await conn.fetch(
            "SELECT a.account_id, a.user_id, a.name, a.environment, a.created_at,"
            " c.api_key, c.master_key_id"
            " FROM accounts a LEFT JOIN credentials c USING (account_id)"
            " ORDER BY a.account_id"
        )
    return [
        AccountRow(
            account_id=r["account_id"],
            user_id=r["user_id"],
            name=r["name"],
            environment=r["environment"],
            api_key_masked=mask_api_key(r["api_key"] or ""),
            master_key_id=r["master_key_id"] or "",
            created_at=r["created_at"],
        )
        for r in rows
    ]


async def load_credentials(
    conn: asyncpg.Connection, account_ids: Collection[str] | None, master: MasterKey
) -> dict[str, ApiCredentials]:
    """Decrypted credentials of ``account_ids`` (every account when None), read user by
    user under row-level security. Unknown ids are simply absent from the result."""
    wanted = None if account_ids is None else list(account_ids)
    found: dict[str, ApiCredentials] = {}
    for user_id in await user_ids(conn):
        async with tenant_scope(conn, user_id):
            rows = await conn.fetch(
                "SELECT a.account_id, a.environment, c.api_key,"
                " c.secret_ciphertext, c.wrapped_key, c.master_key_id"
                " FROM credentials c JOIN accounts a USING (account_id)"
                " WHERE $1::text[] IS NULL OR a.account_id = ANY($1::text[])",
                wanted,
            )
        for row in rows:
            account_id = row["account_id"]
            try:
                secret = unseal(_sealed(row), master, aad=_aad(account_id))
            except SecretDecryptError as exc:
                raise SecretDecryptError(f"account {account_id!r}: {exc}") from None
            found[account_id] = ApiCredentials(
                account_id=account_id,
                api_key=row["api_key"],
                api_secret=secret,
                environment=row["environment"],
            )
    return found


async def rotate_master_key(conn: asyncpg.Connection, old: MasterKey, new: MasterKey) -> int:
    """Re-wrap every credential's data key from ``old`` to ``new`` in one transaction;
    returns how many were re-wrapped. Rows already under ``new`` are left alone (a re-run
    is a no-op); a row under any other key aborts the whole rotation."""
    if old.key_id == new.key_id:
        raise KeyRotationError("the new master key is the same as the old one")
    rewrapped = 0
    async with conn.transaction():
        # No credential may be added or re-sealed under the old key mid-rotation.
        await conn.execute("LOCK TABLE credentials IN SHARE ROW EXCLUSIVE MODE")
        for user_id in await user_ids(conn):
            async with tenant_scope(conn, user_id):
                rows = await conn.fetch(
                    "SELECT account_id, secret_ciphertext, wrapped_key, master_key_id"
                    " FROM credentials ORDER BY account_id"
                )
                for row in rows:
                    key_id = row["master_key_id"]
                    if key_id == new.key_id:
                        continue
                    if key_id != old.key_id:
                        raise KeyRotationError(
                            f"account {row['account_id']!r} is sealed under master key "
                            f"{key_id}, neither the old ({old.key_id}) nor the new "
                            f"({new.key_id}); nothing was changed"
                        )
                    try:
                        fresh = rewrap(_sealed(row), old, new, aad=_aad(row["account_id"]))
                    except SecretDecryptError as exc:
                        raise KeyRotationError(
                            f"account {row['account_id']!r}: {exc}; nothing was changed"
                        ) from None
                    await conn.execute(
                        "UPDATE credentials SET wrapped_key = $2, master_key_id = $3,"
                        " updated_at = now() WHERE account_id = $1",
                        row["account_id"],
                        fresh.wrapped_key,
                        fresh.master_key_id,
                    )
                    rewrapped += 1
    return rewrapped
