"""``gridtwin infra up|down|status``: the embedded NATS and PostgreSQL, detached."""

from __future__ import annotations

import argparse
import asyncio

import asyncpg
import nats

from infra import Infrastructure, Settings, read_state, stop_detached, write_state
from obs import configure_logging


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("infra", help="start/stop the embedded NATS + PostgreSQL")
    p.add_argument("action", choices=["up", "down", "status"])
    p.set_defaults(func=lambda a: asyncio.run(run(a.action)))


async def run(action: str) -> int:
    configure_logging("infra")
    settings = Settings.from_env()
    if action == "up":
        return await _up(settings)
    if action == "down":
        state = await stop_detached(settings.home)
        print("stopped" if state else f"nothing running under {settings.home}")
        return 0
    return await _status(settings)


async def _up(settings: Settings) -> int:
    if read_state(settings.home) is not None and await _status(settings, quiet=True) == 0:
        print(f"already up (state in {settings.home}/infra.json)")
        return await _status(settings)
    infra = Infrastructure(Settings(home=settings.home, data_dir=settings.data_dir))
    await infra.start()
    state = infra.detach()
    write_state(settings.home, state)
    print(f"export GRIDTWIN_NATS_URL={state.nats_url}")
    print(f"export GRIDTWIN_DATABASE_URL={state.database_url}")
    return 0


async def _status(settings: Settings, *, quiet: bool = False) -> int:
    state = read_state(settings.home)
    if state is None:
        if not quiet:
            print(f"down (no {settings.home}/infra.json)")
        return 1
    ok = True
    try:
        nc = await nats.connect(state.nats_url, connect_timeout=1, max_reconnect_attempts=0)
        await nc.close()
        nats_status = "up"
    except Exception as exc:
        ok, nats_status = False, f"unreachable ({type(exc).__name__})"
    try:
        conn = await asyncpg.connect(state.database_url, timeout=2)
        await conn.close()
        pg_status = "up"
    except Exception as exc:
        ok, pg_status = False, f"unreachable ({type(exc).__name__})"
    if not quiet:
        print(f"nats      {state.nats_url}  {nats_status}")
        print(f"postgres  {state.database_url}  {pg_status}")
    return 0 if ok else 1
