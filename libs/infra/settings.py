"""Process-wide settings read once from the environment at the edge.

| variable | default | meaning |
|---|---|---|
| ``GRIDTWIN_NATS_URL`` | unset → embedded nats-server | NATS server URL |
| ``GRIDTWIN_DATABASE_URL`` | unset → embedded PostgreSQL | PostgreSQL DSN |
| ``GRIDTWIN_HOME`` | ``.gridtwin`` in the working directory | state of the embedded servers |
| ``GRIDTWIN_DATA_DIR`` | ``../shared/data/real`` | real market data (optional) |
| ``GRIDTWIN_BUS_PREFIX`` | empty | prefix on every subject and stream (isolation) |
| ``GRIDTWIN_SIM_URL`` | unset | base URL of the exchange simulator, for accounts in env ``sim`` |
| ``GRIDTWIN_MASTER_KEY`` | unset | master key that wraps credential data keys (read by tenants) |
| ``GRIDTWIN_TELEGRAM_BOT_TOKEN`` | unset | Telegram bot token for alerts (read by alerts) |
| ``GRIDTWIN_TELEGRAM_CHAT_ID`` | unset | Telegram chat that receives alerts (read by alerts) |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import msgspec

DEFAULT_DATA_DIR = Path("../shared/data/real")


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    nats_url: str | None = None
    database_url: str | None = None
    home: Path = Path(".gridtwin")
    data_dir: Path = DEFAULT_DATA_DIR
    bus_prefix: str = ""
    sim_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            nats_url=env.get("GRIDTWIN_NATS_URL") or None,
            database_url=env.get("GRIDTWIN_DATABASE_URL") or None,
            home=Path(env.get("GRIDTWIN_HOME") or ".gridtwin"),
            data_dir=Path(env.get("GRIDTWIN_DATA_DIR") or DEFAULT_DATA_DIR),
            bus_prefix=env.get("GRIDTWIN_BUS_PREFIX", ""),
            sim_url=env.get("GRIDTWIN_SIM_URL") or None,
        )

    def data_file(self, relative: str) -> Path | None:
        """A file under the market-data dir, or ``None`` when it is absent."""
        path = self.data_dir / relative
        return path if path.is_file() else None
