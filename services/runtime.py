"""What every service process does around its own logic: settings, logging, the
connections it needs, and a clean stop on SIGTERM."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import asyncpg
import msgspec

from bus import Bus, BusConfig
from bybit import BybitConfig
from bybit.config import Secret
from bybit.urls import Environment, sim_urls
from infra import InfraError, Settings, read_state
from store import create_pool


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


def venue_config(
    settings: Settings,
    environment: str,
    *,
    account_id: str = "default",
    api_key: str = "",
    api_secret: Secret | None = None,
) -> BybitConfig:
    """The adapter config of one account (or, without a key, of the public endpoints).

    ``sim`` accounts talk to the exchange simulator at ``GRIDTWIN_SIM_URL``.
    """
    secret = api_secret if api_secret is not None else Secret("")
    if environment == "sim":
        if not settings.sim_url:
            raise InfraError(
                f"account {account_id!r} is in environment 'sim' but GRIDTWIN_SIM_URL is not set"
            )
        parts = urlsplit(settings.sim_url)
        if not parts.hostname or not parts.port:
            raise InfraError(f"GRIDTWIN_SIM_URL {settings.sim_url!r}: expected http://host:port")
        urls = sim_urls(parts.hostname, parts.port)
        return BybitConfig(
            api_key=api_key,
            api_secret=secret,
            account_id=account_id,
            rest_url=urls.rest,
            ws_public_url=urls.ws_public,
            ws_private_url=urls.ws_private,
        )
    try:
        env = Environment(environment)
    except ValueError:
        raise InfraError(f"environment {environment!r}: must be mainnet, testnet or sim") from None
    return BybitConfig(api_key=api_key, api_secret=secret, account_id=account_id, environment=env)
