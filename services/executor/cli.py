"""``gridtwin executor``: run the executor for some accounts until SIGTERM/SIGINT.

Accounts default to every account with an enabled strategy in the namespace. Credentials
are decrypted here (``tenants``, ``GRIDTWIN_MASTER_KEY``) and handed to :class:`Executor`
as ``ExecutorAccount``s, with the strategies flagged ``shadow``; the service itself never
reads PostgreSQL. Every decrypted secret is registered with the log redactor first.
``sim`` accounts talk to the simulator at ``GRIDTWIN_SIM_URL`` (``http://127.0.0.1:PORT``).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg

from alerts import alerts_from_settings
from bus import BusState
from infra import Settings
from obs import configure_logging
from services.executor.config import ExecutorAccount, ExecutorConfig
from services.executor.metrics import registry_for
from services.executor.service import Executor
from services.runtime import account_config, connected, serve


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("executor", help="execute engine intents on Bybit (leased, per account)")
    p.add_argument("--namespace", default="live", help="subject namespace (live, paper)")
    p.add_argument(
        "--accounts",
        default="",
        help="comma-separated account ids (default: accounts with strategies in the namespace)",
    )
    p.add_argument("--instance", default=None, help="replica id (default host-pid-random)")
    p.add_argument(
        "--metrics-port", type=int, default=None, help="serve /metrics and /healthz (0 = any)"
    )
    p.set_defaults(func=lambda a: asyncio.run(run(a)))


async def run(args: argparse.Namespace) -> None:
    redactor = configure_logging("executor")
    settings = Settings.from_env()
    wanted = [a.strip() for a in args.accounts.split(",") if a.strip()]
    fields: dict[str, Any] = {"namespace": args.namespace}
    if args.instance:
        fields["instance"] = args.instance
    config = ExecutorConfig(**fields)
    async with connected(settings, "executor", pool_size=1) as (bus, pool):
        async with pool.acquire() as conn:
            accounts = await load_accounts(conn, settings, args.namespace, wanted)
        for account in accounts:  # masked in every log line, whatever logs it
            redactor.add(account.bybit.api_secret.reveal())
        async with alerts_from_settings("executor") as alerts:
            executor = Executor(bus, accounts, config, alerts=alerts)
            await serve(
                executor.run,
                metrics_port=args.metrics_port,
                registry=registry_for(executor.stats),
                health=lambda: bus.state is BusState.CONNECTED and executor.healthy(),
            )


async def load_accounts(
    conn: asyncpg.Connection, settings: Settings, namespace: str, wanted: Sequence[str]
) -> list[ExecutorAccount]:
    """Decrypted accounts (``wanted``, else every account with an enabled strategy in
    ``namespace``) and their shadow strategies, from the tenancy tables."""
    # Imported here: only this edge needs the tenancy layer (and its master key).
    from tenants import MasterKey, load_credentials, load_strategies

    strategies = (await load_strategies(conn, namespace)).strategies
    ids = list(wanted) or sorted({s.account_id for s in strategies if s.enabled})
    if not ids:
        raise ValueError(f"no accounts with enabled strategies in namespace {namespace!r}")
    credentials = await load_credentials(conn, ids, MasterKey.from_env())
    missing = sorted(set(ids) - set(credentials))
    if missing:
        raise ValueError(f"no credentials stored for account(s): {', '.join(missing)}")
    return [
        ExecutorAccount(
            account_id=account_id,
            bybit=account_config(settings, credentials[account_id]),
            shadow_strategies=shadow_of(strategies, account_id),
        )
        for account_id in ids
    ]


def shadow_of(strategies: Iterable[Any], account_id: str) -> frozenset[str]:
    return frozenset(
        s.strategy_id for s in strategies if s.account_id == account_id and bool(s.shadow)
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="gridtwin")
    add_parser(parser.add_subparsers(required=True))
    args = parser.parse_args(["executor", *sys.argv[1:]])
    args.func(args)
