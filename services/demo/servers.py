"""Where a demo runs: the embedded NATS and PostgreSQL (or the configured ones, with a
throw-away database and a subject prefix so nothing of the user's is touched)."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import msgspec

from infra import Infrastructure, Settings
from store import redact_dsn


class DemoServers(msgspec.Struct, frozen=True):
    nats_url: str
    database_url: str
    prefix: str


@contextlib.asynccontextmanager
async def demo_servers(settings: Settings, *, keep: bool = False) -> AsyncIterator[DemoServers]:
    external = bool(settings.nats_url and settings.database_url)
    home = Path(tempfile.mkdtemp(prefix="demo-", dir=_ensure(settings.home)))
    try:
        async with Infrastructure(settings, home=home) as infra:
            print(f"nats: {infra.nats_url}  postgres: {redact_dsn(infra.database_url)}")
            async with _database(infra.database_url, fresh=external) as db_url:
                prefix = f"demo{uuid.uuid4().hex[:6]}." if external else ""
                yield DemoServers(infra.nats_url, db_url, prefix)
    finally:
        if not keep:
            shutil.rmtree(home, ignore_errors=True)


@contextlib.asynccontextmanager
async def _database(url: str, fresh: bool) -> AsyncIterator[str]:
    """``url`` itself on our own embedded server; a throw-away database on a shared one."""
    if not fresh:
        yield url
        return
    name = f"gridtwin_demo_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(url, timeout=10)
    try:
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        admin = await asyncpg.connect(url, timeout=10)
        try:
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        finally:
            await admin.close()


def _ensure(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder
