"""``gridtwin admin`` on a real PostgreSQL: commands driven directly, and end to end."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
import structlog

from services.admin.cli import execute, parse_args
from services.admin.commands import AdminIO
from services.cli import main
from tenants import ConfigFieldError, MasterKey, load_credentials

SECRET = "cli-SECRET-9b1d4e7a2f6c"


class Console:
    def __init__(self, environ: dict[str, str], stdin: str = "") -> None:
        self.out, self.err = io.StringIO(), io.StringIO()
        self.io = AdminIO(out=self.out, err=self.err, stdin=io.StringIO(stdin), environ=environ)


async def admin(
    conn: asyncpg.Connection, *argv: str, environ: dict[str, str], stdin: str = ""
) -> tuple[int, str, str]:
    console = Console(environ, stdin)
    code = await execute(conn, parse_args(argv), console.io)
    return code, console.out.getvalue(), console.err.getvalue()


@pytest.fixture
def master() -> MasterKey:
    return MasterKey.generate()


@pytest.fixture
def env(master: MasterKey) -> dict[str, str]:
    return {"GRIDTWIN_MASTER_KEY": master.to_text(), "BOB_SECRET": "bob-SECRET-77aa"}


async def test_users_accounts_and_secrets(
    pool: asyncpg.Pool, env: dict[str, str], master: MasterKey
) -> None:
    async with pool.acquire() as conn:
        assert (await admin(conn, "user", "add", "alice", environ=env))[0] == 0
        await admin(conn, "user", "add", "bob", environ=env)
        _, out, _ = await admin(conn, "user", "list", environ=env)
        assert [line.split()[0] for line in out.splitlines()] == ["NAME", "alice", "bob"]
        code, out, _ = await admin(
            conn, "account", "add", "--user", "alice", "--account-id", "accA", "--env",
            "testnet", "--api-key", "APIKEY-alice-WXYZ", "--secret-stdin",
            environ=env, stdin=SECRET + "\n",
        )  # fmt: skip
        assert code == 0 and master.key_id in out and SECRET not in out
        await admin(
            conn, "account", "add", "--user", "bob", "--account-id", "accB",
            "--api-key", "APIKEY-bob-0000", "--secret-env", "BOB_SECRET", environ=env,
        )  # fmt: skip
        _, listing, _ = await admin(conn, "account", "list", "--user", "alice", environ=env)
        assert "accA" in listing and "****WXYZ" in listing and "testnet" in listing
        assert "accB" not in listing and SECRET not in listing and "APIKEY-alice" not in listing
        creds = await load_credentials(conn, None, master)
        assert creds["accA"].api_secret.reveal() == SECRET  # the newline was not kept
        assert creds["accB"].api_secret.reveal() == "bob-SECRET-77aa"
        assert creds["accA"].environment == "testnet" and creds["accB"].environment == "sim"
        with pytest.raises(ConfigFieldError, match="MISSING_VAR is not set"):
            await admin(
                conn, "account", "add", "--user", "bob", "--account-id", "accC",
                "--api-key", "K-0000", "--secret-env", "MISSING_VAR", environ=env,
            )  # fmt: skip
        with pytest.raises(ValueError, match="GRIDTWIN_MASTER_KEY is not set"):
            await admin(
                conn, "account", "add", "--user", "bob", "--account-id", "accC",
                "--api-key", "K-0000", "--secret-env", "BOB_SECRET", environ={"BOB_SECRET": "x"},
            )  # fmt: skip


def test_a_secret_cannot_be_given_on_the_command_line() -> None:
    base = ["account", "add", "--user", "a", "--account-id", "x", "--api-key", "k"]
    for extra in ([], ["--secret", SECRET], ["--api-secret", SECRET]):
        with pytest.raises(SystemExit):
            parse_args([*base, *extra])


async def _alice_with_account(conn: asyncpg.Connection, env: dict[str, str]) -> None:
    await admin(conn, "user", "add", "alice", environ=env)
    await admin(
        conn, "account", "add", "--user", "alice", "--account-id", "accA",
        "--api-key", "APIKEY-0001", "--secret-stdin", environ=env, stdin=SECRET,
    )  # fmt: skip


async def test_strategies_from_flags_and_files(
    pool: asyncpg.Pool, env: dict[str, str], tmp_path: Path
) -> None:
    add = ("strategy", "add", "--user", "alice", "--account-id", "accA")
    async with pool.acquire() as conn:
        await _alice_with_account(conn, env)
        code, out, _ = await admin(
            conn, *add, "--strategy-id", "btc1", "--symbol", "BTCUSDT", "--grid-count", "40",
            "--grid-step", "0.25", "--amount", "100", "--risk", '{"leverage": 5}', "--shadow",
            environ=env,
        )  # fmt: skip
        assert code == 0 and "btc1" in out and "shadow" in out
        for flag, value, field in [
            ("--grid-step", "0", "grid_step"),
            ("--grid-count", "abc", "grid_count"),
            ("--amount", "b1", "amount"),
            ("--risk", '{"min_liq_ratio": -1}', "risk.min_liq_ratio"),
            ("--risk", "{oops", "risk"),
            ("--symbol", "btc", "symbol"),
        ]:
            argv = [*add, "--strategy-id", "bad1", "--symbol", "ETHUSDT", flag, value]
            with pytest.raises(ConfigFieldError, match=rf"\b{field}: ") as info:
                await admin(conn, *argv, environ=env)
            assert info.value.field == field
        with pytest.raises(ConfigFieldError, match="account_id: no account 'accZ'"):
            await admin(
                conn, "strategy", "add", "--user", "alice", "--account-id", "accZ",
                "--strategy-id", "z1", "--symbol", "BTCUSDT", environ=env,
            )  # fmt: skip
        bad_file = tmp_path / "bad.toml"
        bad_file.write_text(
            '[[strategies]]\nstrategy_id = "eth1"\naccount_id = "accA"\nsymbol = "ETHUSDT"\n'
            '[[strategies]]\nstrategy_id = "sol1"\naccount_id = "accA"\nsymbol = "SOLUSDT"\n'
            "grid_step = 0\n"
        )
        code, _, err = await admin(
            conn, "strategy", "add", "--user", "alice", "--file", str(bad_file), environ=env
        )
        assert code == 2 and "strategy 'sol1': grid_step: must be > 0" in err
        good_file = tmp_path / "good.json"
        good_file.write_text(
            '{"strategies": [{"strategy_id": "eth1", "account_id": "accA", "symbol": "ETHUSDT"}]}'
        )
        code, out, _ = await admin(
            conn, "strategy", "add", "--user", "alice", "--file", str(good_file), environ=env
        )
        assert code == 0 and "eth1" in out
        disable = ("strategy", "disable", "--user", "alice", "--strategy-id", "eth1")
        await admin(conn, *disable, environ=env)
        _, listing, _ = await admin(conn, "strategy", "list", "--user", "alice", environ=env)
        rows = {line.split()[0]: line.split() for line in listing.splitlines()[1:]}
        assert set(rows) == {"btc1", "eth1"}  # nothing from the rejected file, no bad1
        assert rows["btc1"][3:] == ["live", "yes", "yes", "40", "0.25", "100"]
        assert rows["eth1"][4] == "no"


async def test_runs_and_key_rotation(pool: asyncpg.Pool, env: dict[str, str]) -> None:
    user = ("--user", "alice")
    async with pool.acquire() as conn:
        await _alice_with_account(conn, env)
        code, _, _ = await admin(
            conn, "run", "add", *user, "--run-id", "r1", "--kind", "replay",
            "--params", '{"speed": 10}', environ=env,
        )  # fmt: skip
        assert code == 0
        await admin(conn, "run", "finish", *user, "--run-id", "r1", environ=env)
        _, listing, _ = await admin(conn, "run", "list", *user, environ=env)
        assert listing.splitlines()[1].split()[:5] == ["r1", "replay", "r1", "-", "finished"]

        new = MasterKey.generate()
        rotated_env = {**env, "NEW_MASTER_KEY": new.to_text()}
        rotate = ("rotate-key", "--new-key-env", "NEW_MASTER_KEY")
        _, out, _ = await admin(conn, *rotate, environ=rotated_env)
        assert out.startswith("re-wrapped 1 credentials") and new.key_id in out
        assert new.to_text() not in out
        assert (await load_credentials(conn, None, new))["accA"].api_secret.reveal() == SECRET
        _, out, _ = await admin(conn, *rotate, environ=rotated_env)
        assert out.startswith("re-wrapped 0 credentials")


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """The CLI configures structlog for the process; put the previous set-up back."""
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)
    structlog.contextvars.clear_contextvars()


async def test_gridtwin_admin_end_to_end(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    restore_logging: None,
) -> None:
    master = MasterKey.generate()
    monkeypatch.setenv("GRIDTWIN_DATABASE_URL", database_url)
    monkeypatch.setenv("GRIDTWIN_MASTER_KEY", master.to_text())
    monkeypatch.setenv("ALICE_SECRET", SECRET)

    def gridtwin(*argv: str) -> int:
        with pytest.raises(SystemExit) as exit_info:
            main(["admin", *argv])
        return int(exit_info.value.code or 0)

    async def run(*argv: str) -> tuple[int, str, str]:
        # In a thread: the CLI runs its own event loop, as it does from a shell.
        code = await asyncio.to_thread(gridtwin, *argv)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    assert (await run("user", "add", "alice"))[0] == 0
    code, _, err = await run("user", "add", "alice")
    assert (code, err.strip()) == (2, "gridtwin admin: error: name: user 'alice' already exists")
    code, out, _ = await run(
        "account", "add", "--user", "alice", "--account-id", "accA", "--api-key", "KEY-0000-ABCD",
        "--secret-env", "ALICE_SECRET",
    )  # fmt: skip
    assert code == 0
    code, out, err = await run("account", "list", "--user", "alice")
    assert code == 0 and "accA" in out and "****ABCD" in out and master.key_id in out
    assert SECRET not in out + err
    code, _, err = await run(
        "strategy", "add", "--user", "alice", "--account-id", "accA", "--strategy-id", "s1",
        "--symbol", "BTCUSDT", "--grid-step", "0",
    )  # fmt: skip
    assert code == 2
    assert err.strip() == "gridtwin admin: error: strategy 's1': grid_step: must be > 0 (percent)"
    code, out, _ = await run("gen-key")
    assert code == 0 and MasterKey.from_text(out.strip()).key_id != master.key_id
