"""What every service process does around its own logic: settings, logging, the
connections it needs, and a clean stop on SIGTERM."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import asyncpg
import msgspec

from bus import Bus, BusConfig
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
