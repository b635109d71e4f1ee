"""``gridtwin collector``: run the collector until SIGTERM/SIGINT.

Accounts default to every account with an enabled strategy in the namespace, symbols to
those strategies' symbols. Credentials are decrypted here (``GRIDTWIN_MASTER_KEY``) and
handed to the collector as ``BybitConfig``s; ``sim`` accounts talk to the simulator at
``GRIDTWIN_SIM_URL`` (``http://127.0.0.1:PORT``).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Mapping, Sequence

import asyncpg
import msgspec
import structlog

from alerts import alerts_from_settings
from infra import Settings
from obs import Redactor, configure_logging
from services.collector.config import CollectorAccount, CollectorConfig
from services.collector.metrics import registry_for
from services.collector.service import Collector
from services.runtime import account_config, connected, serve, venue_config
from tenants import (
    ApiCredentials,
    MasterKey,
    StrategySpec,
    load_credentials,
    load_strategies,
)

log = structlog.get_logger(__name__)


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("collector", help="Bybit websockets → bus, gaps back-filled over REST")
    p.add_argument("--namespace", default="live", help="namespace to publish in (default live)")
    p.add_argument(
        "--symbols", type=_csv, default=[], help="comma-separated (default: strategies' symbols)"
    )
    p.add_argument(
        "--accounts",
        type=_csv,
        default=[],
        help="comma-separated (default: accounts with enabled strategies)",
    )
    p.add_argument(
        "--public-env",
        choices=["mainnet", "testnet", "sim"],
        default=None,
        help="market-data environment (default: the accounts', else mainnet)",
    )
    p.add_argument("--no-resync", action="store_true", help="do not answer ResyncRequests")
    p.add_argument(
        "--metrics-port", type=int, default=None, help="serve /metrics and /healthz (0 = any)"
    )
    p.set_defaults(func=run)


class Plan(msgspec.Struct, frozen=True):
    """What to collect, from the command line and the stored strategies."""

    symbols: list[str]
    #: account id → the symbols of its strategies.
    accounts: dict[str, list[str]]


def plan(strategies: Sequence[StrategySpec], symbols: list[str], accounts: list[str]) -> Plan:
    """Explicit lists win; otherwise the enabled strategies decide."""
    by_account: dict[str, list[str]] = {}
    for s in strategies:
        if s.enabled:
            account_symbols = by_account.setdefault(s.account_id, [])
            if s.symbol not in account_symbols:
                account_symbols.append(s.symbol)
    chosen = accounts or sorted(by_account)
    every_symbol = sorted({sym for syms in by_account.values() for sym in syms})
    return Plan(
        symbols=symbols or every_symbol,
        accounts={a: sorted(by_account.get(a, [])) for a in chosen},
    )


def collector_accounts(
    settings: Settings,
    chosen: Plan,
    credentials: Mapping[str, ApiCredentials],
    redactor: Redactor | None = None,
) -> list[CollectorAccount]:
    missing = sorted(set(chosen.accounts) - set(credentials))
    if missing:
        raise ValueError(f"no credentials stored for account(s): {', '.join(missing)}")
    accounts = []
    for account_id, symbols in chosen.accounts.items():
        creds = credentials[account_id]
        if redactor is not None:  # masked in every log line, whatever logs it
            redactor.add(creds.api_secret.reveal())
        config = account_config(settings, creds)
        accounts.append(CollectorAccount(account_id=account_id, bybit=config, symbols=symbols))
    return accounts


async def load_accounts(
    conn: asyncpg.Connection,
    settings: Settings,
    args: argparse.Namespace,
    redactor: Redactor | None = None,
) -> tuple[Plan, list[CollectorAccount], str]:
    """The plan, the accounts with decrypted credentials, and the public environment."""
    stored = await load_strategies(conn, args.namespace)
    chosen = plan(stored.strategies, args.symbols, args.accounts)
    credentials: dict[str, ApiCredentials] = {}
    if chosen.accounts:
        credentials = await load_credentials(conn, list(chosen.accounts), MasterKey.from_env())
    accounts = collector_accounts(settings, chosen, credentials, redactor)
    environments = {credentials[a].environment for a in chosen.accounts}
    public_env = args.public_env or (environments.pop() if len(environments) == 1 else "mainnet")
    return chosen, accounts, public_env


async def run(args: argparse.Namespace) -> int:
    redactor = configure_logging("collector")
    settings = Settings.from_env()
    async with connected(settings, "collector", pool_size=1) as (bus, pool):
        async with pool.acquire() as conn:
            chosen, accounts, public_env = await load_accounts(conn, settings, args, redactor)
        if not chosen.symbols and not accounts:
            raise ValueError("nothing to collect: no --symbols, --accounts or enabled strategies")
        config = CollectorConfig(
            namespace=args.namespace, symbols=chosen.symbols, resync=not args.no_resync
        )
        async with alerts_from_settings("collector") as alerts:
            collector = Collector(
                bus, config, venue_config(settings, public_env), accounts, alerts=alerts
            )
            await serve(
                collector.run,
                metrics_port=args.metrics_port,
                registry=registry_for(collector),
                health=collector.healthy,
            )
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="gridtwin")
    add_parser(parser.add_subparsers(required=True))
    args = parser.parse_args(["collector", *sys.argv[1:]])
    raise SystemExit(asyncio.run(args.func(args)))
