"""``gridtwin engine``: run every enabled strategy of a namespace until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import structlog

import tenants
from bus import BusState
from bybit import BybitHttpClient
from infra import Settings
from obs import configure_logging
from services.engine.config import EngineConfig
from services.engine.instruments import fetch_instruments
from services.engine.metrics import registry_for
from services.engine.service import Engine
from services.runtime import connected, serve, venue_config

log = structlog.get_logger(__name__)


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("engine", help="run the grid strategies of a namespace")
    defaults = EngineConfig()
    p.add_argument("--namespace", default=defaults.namespace)
    p.add_argument("--instance", default=defaults.instance)
    p.add_argument(
        "--strategies-file", type=Path, help="TOML/JSON strategies (quick start) instead of the DB"
    )
    p.add_argument(
        "--venue",
        choices=("mainnet", "testnet", "sim"),
        help="where instrument rules come from (default: sim when GRIDTWIN_SIM_URL is set)",
    )
    p.add_argument(
        "--metrics-port", type=int, default=None, help="serve /metrics and /healthz (0 = any)"
    )
    p.set_defaults(func=lambda a: asyncio.run(run(a)))


async def strategy_owners(conn: asyncpg.Connection) -> dict[str, uuid.UUID]:
    """Which user owns each strategy (grid state rows are written under that user)."""
    owners: dict[str, uuid.UUID] = {}
    for user_id in await tenants.user_ids(conn):
        for spec in (await tenants.list_strategies(conn, user_id)).strategies:
            owners[spec.strategy_id] = user_id
    return owners


async def run(args: argparse.Namespace) -> None:
    configure_logging("engine")
    settings = Settings.from_env()
    config = EngineConfig(namespace=args.namespace, instance=args.instance)
    venue = args.venue or ("sim" if settings.sim_url else "mainnet")
    async with connected(settings, "engine") as (bus, pool):
        async with pool.acquire() as conn:
            if args.strategies_file:
                loaded = tenants.load_strategy_file(args.strategies_file)
            else:
                loaded = await tenants.load_strategies(conn, config.namespace)
            saved = await tenants.load_grid_states(conn, config.namespace)
            owners = await strategy_owners(conn)
        for error in loaded.errors:
            log.error("strategy_invalid", error=str(error), field=error.field)
        specs = [s for s in loaded.strategies if s.enabled and s.namespace == config.namespace]
        async with BybitHttpClient(venue_config(settings, venue)) as http:
            instruments = await fetch_instruments(http, {s.symbol for s in specs})

        async def save(strategy_id: str, document: dict[str, Any]) -> None:
            owner = owners.get(strategy_id)
            if owner is None:
                return  # a file-configured strategy has no row to keep its grid in
            async with pool.acquire() as conn:
                await tenants.save_grid_state(conn, owner, strategy_id, document)

        engine = Engine(bus, config, specs, instruments, saved_grids=saved, save_grid=save)
        log.info("engine_starting", strategies=len(engine.runners), rejected=engine.failed)
        await serve(
            engine.run,
            metrics_port=args.metrics_port,
            registry=registry_for(engine),
            health=lambda: bus.state is BusState.CONNECTED and engine.ready.is_set(),
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="gridtwin")
    add_parser(parser.add_subparsers(required=True))
    args = parser.parse_args(["engine", *sys.argv[1:]])
    args.func(args)
