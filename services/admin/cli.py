"""``gridtwin admin``: users, accounts (sealed API secrets), strategies, runs, master key.

Secrets are read from stdin (``--secret-stdin``) or an environment variable named by
``--secret-env``, never from argv. The master key comes from ``GRIDTWIN_MASTER_KEY``.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Sequence

import asyncpg

from infra import Settings
from obs import configure_logging
from services.admin import commands
from services.admin.commands import AdminIO
from services.runtime import resolve
from store import create_pool
from tenants.flags import add_strategy_flags

Handler = Callable[[asyncpg.Connection, argparse.Namespace, AdminIO], Awaitable[int]]
_ENVS = ("sim", "testnet", "mainnet")
_RUN_KINDS = ("live", "paper", "replay", "backtest", "import")


def _leaf(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    name: str,
    handler: Handler,
    help_text: str,
) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(name, help=help_text)
    p.set_defaults(handler=handler)
    return p


def _group(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    name: str,
    help_text: str,
) -> argparse._SubParsersAction:  # type: ignore[type-arg]
    p = sub.add_parser(name, help=help_text)
    return p.add_subparsers(dest="action", required=True, metavar="ACTION")


def _add_user_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    users = _group(sub, "user", "add or list users")
    _leaf(users, "add", commands.user_add, "add a user").add_argument("name")
    _leaf(users, "list", commands.user_list, "list users")


def _add_account_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    accounts = _group(sub, "account", "add or list exchange accounts")
    add = _leaf(accounts, "add", commands.account_add, "add an account with its API key")
    add.add_argument("--user", required=True)
    add.add_argument("--account-id", required=True)
    add.add_argument("--name", default="")
    add.add_argument("--env", choices=_ENVS, default="sim")
    add.add_argument("--api-key", required=True)
    source = add.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--secret-stdin", action="store_true", help="read the API secret from stdin"
    )
    source.add_argument("--secret-env", metavar="VAR", help="read the API secret from $VAR")
    _leaf(accounts, "list", commands.account_list, "list a user's accounts").add_argument(
        "--user", required=True
    )


def _add_strategy_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    strategies = _group(sub, "strategy", "add, list, enable or disable strategies")
    add = _leaf(strategies, "add", commands.strategy_add, "add a strategy (flags or --file)")
    add.add_argument("--user", required=True)
    add.add_argument("--file", help="TOML or JSON file: strategies = [{...}, ...]")
    add_strategy_flags(add)
    _leaf(strategies, "list", commands.strategy_list, "list a user's strategies").add_argument(
        "--user", required=True
    )
    for action in ("enable", "disable"):
        p = _leaf(strategies, action, commands.strategy_enable, f"{action} a strategy")
        p.add_argument("--user", required=True)
        p.add_argument("--strategy-id", required=True)


def _add_run_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    runs = _group(sub, "run", "add, list or finish runs")
    add = _leaf(runs, "add", commands.run_add, "register a run")
    add.add_argument("--user", required=True)
    add.add_argument("--run-id", required=True)
    add.add_argument("--kind", choices=_RUN_KINDS, required=True)
    add.add_argument("--ns", help="namespace of the run's events (default: the run id)")
    add.add_argument("--source-ns")
    add.add_argument("--params", metavar="JSON", help="JSON object")
    _leaf(runs, "list", commands.run_list, "list a user's runs").add_argument(
        "--user", required=True
    )
    finish = _leaf(runs, "finish", commands.run_finish, "mark a run ended")
    finish.add_argument("--user", required=True)
    finish.add_argument("--run-id", required=True)
    finish.add_argument("--status", default="finished")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("admin", help="users, accounts, strategies, runs and the master key")
    p.set_defaults(func=run)
    objects = p.add_subparsers(dest="object", required=True, metavar="OBJECT")
    _add_user_commands(objects)
    _add_account_commands(objects)
    _add_strategy_commands(objects)
    _add_run_commands(objects)
    rotate = _leaf(
        objects, "rotate-key", commands.rotate_key, "re-wrap every secret under a new master key"
    )
    rotate.add_argument(
        "--new-key-env", metavar="VAR", required=True, help="variable holding the new key"
    )
    objects.add_parser("gen-key", help="print a fresh master key").set_defaults(handler=None)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """``argv`` after ``admin`` (tests build commands with it)."""
    parser = argparse.ArgumentParser(prog="gridtwin")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["admin", *argv])


def database_url(settings: Settings) -> str:
    # Admin needs only PostgreSQL: do not require a NATS URL when the database is set.
    return settings.database_url or resolve(settings).database_url


async def execute(conn: asyncpg.Connection, args: argparse.Namespace, io: AdminIO) -> int:
    handler: Handler = args.handler
    return await handler(conn, args, io)


async def run(args: argparse.Namespace, io: AdminIO | None = None) -> int:
    io = io or AdminIO.process()
    if args.handler is None:
        return commands.gen_key(io)
    configure_logging("admin", stream=io.err)  # logs (migrations) never mix with output
    pool = await create_pool(database_url(Settings.from_env(io.environ)), max_size=1)
    try:
        async with pool.acquire() as conn:
            return await execute(conn, args, io)
    finally:
        await pool.close()
