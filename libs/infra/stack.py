"""The infrastructure a process runs on: configured URLs, or embedded servers we own."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path
from types import TracebackType

import msgspec
import structlog

from infra._process import InfraError
from infra.nats_server import EmbeddedNats
from infra.postgres import EmbeddedPostgres
from infra.settings import Settings

log = structlog.get_logger(__name__)


class InfraState(msgspec.Struct, kw_only=True):
    """What ``gridtwin infra up`` left running, kept in ``$GRIDTWIN_HOME/infra.json``."""

    nats_url: str
    nats_pid: int | None
    database_url: str
    pgdata: str | None


class Infrastructure:
    """``async with Infrastructure(settings) as infra:`` gives ``nats_url``/``database_url``.

    A URL from the settings is used as is; a missing one starts an embedded server under
    ``settings.home`` which is stopped on exit (also on Ctrl-C: the servers run in their
    own session, so the terminal's SIGINT reaches only us and we stop them in order).
    """

    def __init__(self, settings: Settings, *, home: Path | None = None) -> None:
        self.settings = settings
        self.home = home or settings.home
        self._nats: EmbeddedNats | None = None
        self._pg: EmbeddedPostgres | None = None
        self.nats_url = settings.nats_url or ""
        self.database_url = settings.database_url or ""

    @property
    def embedded(self) -> bool:
        return self._nats is not None or self._pg is not None

    async def start(self) -> None:
        try:
            if not self.nats_url:
                self._nats = EmbeddedNats(self.home / "nats")
                await self._nats.start()
                self.nats_url = self._nats.url
            if not self.database_url:
                self._pg = EmbeddedPostgres(self.home / "postgres")
                await self._pg.start()
                self.database_url = self._pg.url
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        errors: list[BaseException] = []
        for server in (self._pg, self._nats):
            if server is None:
                continue
            try:
                await server.stop()
            except Exception as exc:  # stop the other one regardless
                errors.append(exc)
        self._pg = self._nats = None
        if errors:
            raise ExceptionGroup("stopping embedded infrastructure", errors)

    def state(self) -> InfraState:
        return InfraState(
            nats_url=self.nats_url,
            nats_pid=self._nats.pid if self._nats else None,
            database_url=self.database_url,
            pgdata=str(self._pg.pgdata) if self._pg else None,
        )

    def detach(self) -> InfraState:
        """Forget the embedded servers without stopping them (``infra up``)."""
        state = self.state()
        self._pg = self._nats = None
        return state

    async def __aenter__(self) -> Infrastructure:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()


def state_path(home: Path) -> Path:
    return home / "infra.json"


def read_state(home: Path) -> InfraState | None:
    path = state_path(home)
    if not path.exists():
        return None
    try:
        return msgspec.json.decode(path.read_bytes(), type=InfraState)
    except msgspec.MsgspecError as exc:
        raise InfraError(f"{path} is corrupt ({exc}); remove it and stop servers by hand") from None


def write_state(home: Path, state: InfraState) -> None:
    home.mkdir(parents=True, exist_ok=True)
    tmp = state_path(home).with_suffix(".tmp")
    tmp.write_bytes(msgspec.json.encode(state))
    tmp.replace(state_path(home))


async def stop_detached(home: Path) -> InfraState | None:
    """Stop what ``infra up`` started under ``home``; ``None`` when nothing was up."""
    state = read_state(home)
    if state is None:
        return None
    if state.pgdata:
        pg = EmbeddedPostgres(Path(state.pgdata).parent)
        await pg.stop_detached()
    if state.nats_pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(state.nats_pid, signal.SIGTERM)
    state_path(home).unlink(missing_ok=True)
    return state
