"""One async function per ``gridtwin admin`` command: ``(conn, args, io) -> exit code``.

They take an open connection and an :class:`AdminIO`, so tests drive them directly.
Expected failures raise ``ValueError`` subclasses naming the field; the CLI prints them
as one line.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Mapping
from typing import TextIO

import asyncpg
import msgspec

from services.admin.output import print_table
from tenants import (
    ConfigFieldError,
    MasterKey,
    create_account,
    create_run,
    create_strategies,
    create_user,
    finish_run,
    list_accounts,
    list_runs,
    list_strategies,
    list_users,
    load_strategy_file,
    parse_account,
    rotate_master_key,
    set_strategy_enabled,
    user_id_by_name,
)
from tenants.flags import given_strategy_flags, json_object, strategy_from_flags


class AdminIO(msgspec.Struct, frozen=True, kw_only=True):
    """Where a command reads and writes; the process's own by default."""

    out: TextIO
    err: TextIO
    stdin: TextIO
    environ: Mapping[str, str]

    @classmethod
    def process(cls) -> AdminIO:
        return cls(out=sys.stdout, err=sys.stderr, stdin=sys.stdin, environ=os.environ)


# ---- users -----------------------------------------------------------------------------


async def user_add(conn: asyncpg.Connection, args: argparse.Namespace, io: AdminIO) -> int:
    user_id = await create_user(conn, args.name)
    print(f"added user {args.name!r} ({user_id})", file=io.out)
    return 0


async def user_list(conn: asyncpg.Connection, args: argparse.Namespace, io: AdminIO) -> int:
    rows = await list_users(conn)
    print_table(
        io.out, ("NAME", "USER_ID", "CREATED"), [(u.name, u.user_id, u.created_at) for u in rows]
    )
    return 0


# ---- accounts --------------------------------------------------------------------------


def read_secret(args: argparse.Namespace, io: AdminIO) -> str:
    """From stdin or a named env var, never from argv (``ps`` shows argv to everyone)."""
    if args.secret_env:
        value = io.environ.get(args.secret_env, "")
        if not value:
            raise ConfigFieldError(
                "api_secret", f"environment variable {args.secret_env} is not set"
            )
        return value
    if io.stdin.isatty():
        return getpass.getpass("API secret: ")
    return io.stdin.read().rstrip("\r\n")


async def account_add(conn: asyncpg.Connection, args: argparse.Namespace, io: AdminIO) -> int:
    spec = parse_account(
        {
            "account_id": args.account_id,
            "user": args.user,
            "name": args.name or "",
            "environment": args.env,
            "api_key": args.api_key,
        }
    )
    master = MasterKey.from_env(io.environ)
    await create_account(conn, spec, read_secret(args, io), master)
    print(
        f"added account {spec.account_id!r} ({spec.environment}) to user {spec.user!r};"
        f" secret sealed under master key {master.key_id}",
        file=io.out,
    )
    return 0


async def account_list(conn: asyncpg.Connection, args: argparse.Namespace, io: AdminIO) -> int:
    rows = await list_accounts(conn, await user_id_by_name(conn, args.user))
    print_table(
        io.out,
        ("ACCOUNT_ID", "NAME", "ENV", "API_KEY", "MASTER_KEY_ID", "CREATED"),
        [
            (a.account_id, a.name, a.environment, a.api_key_masked, a.master_key_id, a.created_at)
            for a in rows
        ],
    )
    return 0


# ---- strategies ------------------------------------------------------------------------


async def strategy_add(conn: asyncpg.Connection, args: argparse.Namespace, io: AdminIO) -> int:
    user_id = await user_id_by_name(conn, args.user)
    if args.file:
        if given_strategy_flags(args):
            raise ConfigFieldError("file", "--file takes no strategy flags (put them in the file)")
        specs, errors = load_strategy_file(args.file)
        if errors:
            # All or nothing: a half-added file is harder to fix than a rejected one.
            for error in errors:
                print(f"gridtwin admin: error: {error}", file=io.err)
            print(f"{len(errors)} invalid strategies in {args.file}; nothing added", file=io.err)
            return 2
    else:
        specs = [strategy_from_flags(args)]
    await create_strategies(conn, user_id, specs)
    for spec in specs:
        print(
            f"added strategy {spec.strategy_id!r} ({spec.symbol} on {spec.account_id},"
            f" ns {spec.namespace}{', shadow' if spec.shadow else ''}) to user {args.user!r}",
            file=io.out,
        )
    return 0


async def strategy_list(conn: asyncpg.Connection, args: argparse.Namespace, io: AdminIO) -> int:
    specs, errors = await list_strategies(conn, await user_id_by_name(conn, args.user))
    columns = ("strategy_id", "account_id", "symbol", "namespace", "enabled", "shadow",
               "grid_count", "grid_step", "amount")  # fmt: skip
    header = [
        c.removesuffix("_id").upper() if c != "strategy_id" else "STRATEGY_ID" for c in columns
    ]
    print_table(io.out, header, [[getattr(s, c) for c in columns] for s in specs])
    for error in errors:
        print(f"invalid stored strategy: {error}", file=io.out)
    return 0


async def strategy_enable(conn: asyncpg.Connection, args: argparse.Namespace, io: AdminIO) -> int:
    enabled = args.action == "enable"
    user_id = await user_id_by_name(conn, args.user)
    await set_strategy_enabled(conn, user_id, args.strategy_id, enabled)
    print(f"strategy {args.strategy_id!r} {'enabled' if enabled else 'disabled'}", file=io.out)
    return 0


# ---- runs ------------------------------------------------------------------------------


async def run_add(conn: asyncpg.Connection, args: argparse.Namespace, io: AdminIO) -> int:
    user_id = await user_id_by_name(conn, args.user)
    params = json_object("params", args.params) if args.params else {}
    await create_run(
        conn,
        user_id,
        args.run_id,
        args.kind,
        args.ns or args.run_id,
        params,
        source_ns=args.source_ns,
    )
    print(f"added {args.kind} run {args.run_id!r}", file=io.out)
    return 0


async def run_list(conn: asyncpg.Connection, args: argparse.Namespace, io: AdminIO) -> int:
    rows = await list_runs(conn, await user_id_by_name(conn, args.user))
    print_table(
        io.out,
        ("RUN_ID", "KIND", "NS", "SOURCE_NS", "STATUS", "STARTED", "ENDED"),
        [(r.run_id, r.kind, r.ns, r.source_ns, r.status, r.started_at, r.ended_at) for r in rows],
    )
    return 0


async def run_finish(conn: asyncpg.Connection, args: argparse.Namespace, io: AdminIO) -> int:
    user_id = await user_id_by_name(conn, args.user)
    await finish_run(conn, user_id, args.run_id, args.status)
    print(f"run {args.run_id!r} {args.status}", file=io.out)
    return 0


# ---- master key ------------------------------------------------------------------------


async def rotate_key(conn: asyncpg.Connection, args: argparse.Namespace, io: AdminIO) -> int:
    old = MasterKey.from_env(io.environ)
    new = MasterKey.from_env(io.environ, var=args.new_key_env)
    count = await rotate_master_key(conn, old, new)
    print(
        f"re-wrapped {count} credentials from master key {old.key_id} to {new.key_id};"
        f" now give every service the value of {args.new_key_env} as GRIDTWIN_MASTER_KEY",
        file=io.out,
    )
    return 0


def gen_key(io: AdminIO) -> int:
    key = MasterKey.generate()
    # Only the key on stdout, so `export GRIDTWIN_MASTER_KEY=$(gridtwin admin gen-key)`.
    print(key.to_text(), file=io.out)
    print(f"master key id {key.key_id}: store the key in your secret manager", file=io.err)
    return 0
