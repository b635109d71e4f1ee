"""Embedded infrastructure and the `gridtwin infra` / service commands, as a user runs them."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from infra import EmbeddedNats, EmbeddedPostgres, Settings, free_port


def _gridtwin(
    *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def _clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDTWIN_")}
    env["GRIDTWIN_HOME"] = str(home)
    return env


def _servers_under(path: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(path) in cmdline and ("nats-server" in cmdline or "postgres" in cmdline):
            found.append(proc)
    return found


def test_infra_up_status_down_round_trip() -> None:
    home = Path(os.environ.get("TMPDIR", "/tmp")) / f"gt-infra-{os.getpid()}"
    env = _clean_env(home)
    up = _gridtwin("infra", "up", env=env)
    try:
        assert up.returncode == 0, up.stderr
        assert "export GRIDTWIN_NATS_URL=nats://127.0.0.1:" in up.stdout
        assert ":4222" not in up.stdout and ":5432" not in up.stdout
        status = _gridtwin("infra", "status", env=env)
        assert status.returncode == 0, status.stdout + status.stderr
        assert status.stdout.count(" up") == 2
    finally:
        down = _gridtwin("infra", "down", env=env)
    assert down.returncode == 0 and "stopped" in down.stdout
    assert _gridtwin("infra", "status", env=env).returncode == 1
    assert _servers_under(home) == []


def test_service_without_infra_fails_with_a_clear_message(tmp_path: Path) -> None:
    result = _gridtwin("recorder", env=_clean_env(tmp_path / "nothing"), timeout=30)
    assert result.returncode == 2
    assert "gridtwin recorder: error: no NATS/PostgreSQL configured" in result.stderr
    assert "Traceback" not in result.stderr


async def test_embedded_servers_never_take_the_standard_ports(tmp_path: Path) -> None:
    nats = EmbeddedNats(tmp_path / "n")
    await nats.start()
    try:
        assert nats.port not in (4222, None)
    finally:
        await nats.stop()


async def test_occupied_port_is_retried_on_another(tmp_path: Path) -> None:
    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    blocker = await asyncio.start_server(refuse, "127.0.0.1", 0)
    taken = blocker.sockets[0].getsockname()[1]
    try:
        nats = EmbeddedNats(tmp_path / "n", port=taken)
        with pytest.raises(Exception, match="nats-server"):
            await nats.start(attempts=1)
    finally:
        blocker.close()
        await blocker.wait_closed()


def test_ctrl_c_on_the_demo_stops_the_embedded_servers(tmp_path: Path) -> None:
    home = Path(os.environ.get("TMPDIR", "/tmp")) / f"gt-demo-{os.getpid()}"
    env = _clean_env(home)
    env["GRIDTWIN_DATA_DIR"] = str(tmp_path / "no-data")  # the quick synthetic stream
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "demo"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    with proc.stdout:
        for line in proc.stdout:
            if "postgres:" in line:  # both servers are up
                break
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    assert proc.returncode in (1, 130)
    assert _servers_under(home) == []


def test_settings_come_from_the_environment() -> None:
    s = Settings.from_env({"GRIDTWIN_NATS_URL": "nats://h:1", "GRIDTWIN_DATA_DIR": "/d"})
    assert s.nats_url == "nats://h:1" and s.database_url is None
    assert s.data_dir == Path("/d")


async def test_postgres_port_collision_is_avoided(tmp_path: Path) -> None:
    pg = EmbeddedPostgres(tmp_path / "pg")
    await pg.start()
    try:
        assert pg.port != 5432
        assert free_port() != pg.port
    finally:
        await pg.stop()
