"""What every service process does around its own logic: settings, logging, the
connections it needs, and a clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import msgspec
import structlog
from prometheus_client import CollectorRegistry

from bus import Bus, BusConfig, shutdown_event
from bybit import BybitConfig
from bybit.config import Secret
from bybit.urls import Environment, sim_urls
from infra import InfraError, Settings, read_state
from obs.metrics import MetricsServer
from store import create_pool
from tenants import ApiCredentials


class Connections(msgspec.Struct, frozen=True):
    nats_url: str
    database_url: str


def resolve(settings: Settings) -> Connections:
    """URLs from the environment, else from a running ``gridtwin infra up``."""
    nats_url, database_url = settings.nats_url, settings.database_url
    if not (nats_url and database_url):
        state = read_state(settings.home)
        if state is None:
            raise InfraError(
                "no NATS/PostgreSQL configured: set GRIDTWIN_NATS_URL and "
                "GRIDTWIN_DATABASE_URL, or start the embedded ones with `gridtwin infra up`"
            )
        nats_url = nats_url or state.nats_url
        database_url = database_url or state.database_url
    return Connections(nats_url, database_url)


def bus_config(settings: Settings, nats_url: str, service: str) -> BusConfig:
    return BusConfig(url=nats_url, name=service, prefix=settings.bus_prefix)


@contextlib.asynccontextmanager
async def connected(
    settings: Settings, service: str, *, pool_size: int = 4
) -> AsyncIterator[tuple[Bus, asyncpg.Pool]]:
    """A connected bus and a migrated pool, closed in reverse order on exit."""
    urls = resolve(settings)
    async with contextlib.AsyncExitStack() as stack:
        bus = await stack.enter_async_context(Bus(bus_config(settings, urls.nats_url, service)))
        pool = await create_pool(urls.database_url, max_size=pool_size)
        stack.push_async_callback(pool.close)
        yield bus, pool


class VenueConfigError(ValueError):
    """An account's environment cannot be reached with these settings."""


def venue_config(
    settings: Settings,
    environment: str,
    *,
    account_id: str = "public",
    api_key: str = "",
    api_secret: Secret | str = "",
) -> BybitConfig:
    """The adapter config of one account (or, without a key, of the public endpoints).

    ``sim`` talks to the exchange simulator at ``GRIDTWIN_SIM_URL``, without clock sync:
    the simulator runs on this machine's clock.
    """
    secret = api_secret if isinstance(api_secret, Secret) else Secret(api_secret)
    common: dict[str, Any] = {"account_id": account_id, "api_key": api_key, "api_secret": secret}
    if environment == "sim":
        parts = urlsplit(settings.sim_url or "")
        if not (parts.hostname and parts.port):
            raise VenueConfigError(
                f"account {account_id!r} is on the simulator: set GRIDTWIN_SIM_URL"
                " to http://HOST:PORT"
            )
        urls = sim_urls(parts.hostname, parts.port)
        return BybitConfig(
            rest_url=urls.rest,
            ws_public_url=urls.ws_public,
            ws_private_url=urls.ws_private,
            time_sync=False,
            **common,
        )
    try:
        env = Environment(environment)
    except ValueError:
        raise VenueConfigError(
            f"account {account_id!r}: environment {environment!r} must be mainnet, testnet or sim"
        ) from None
    return BybitConfig(environment=env, **common)


def account_config(settings: Settings, credentials: ApiCredentials) -> BybitConfig:
    """:func:`venue_config` for decrypted credentials."""
    return venue_config(
        settings,
        credentials.environment,
        account_id=credentials.account_id,
        api_key=credentials.api_key,
        api_secret=credentials.api_secret,
    )


async def serve(
    run: Callable[[asyncio.Event], Awaitable[None]],
    *,
    metrics_port: int | None,
    registry: CollectorRegistry,
    health: Callable[[], bool],
) -> None:
    """Run a service until SIGTERM/SIGINT, with ``/metrics`` and ``/healthz`` on
    ``metrics_port`` when one is given (0 = any free port)."""
    async with contextlib.AsyncExitStack() as stack:
        if metrics_port is not None:
            server = MetricsServer(registry, port=metrics_port, health=health)
            await stack.enter_async_context(server)
            structlog.get_logger(__name__).info("metrics_serving", port=server.port)
        with shutdown_event() as stop:
            await run(stop)
