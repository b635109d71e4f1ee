"""Child-process helpers shared by the embedded servers."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence


class InfraError(RuntimeError):
    """An embedded server could not be started or stopped; the message says which and why."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def run(args: Sequence[str], *, user: str | None = None, timeout: float = 60.0) -> str:
    """Run a command to completion; raise ``InfraError`` with its output when it fails."""
    proc = await asyncio.create_subprocess_exec(
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        stdin=asyncio.subprocess.DEVNULL,
        user=user,
        start_new_session=True,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise InfraError(f"{args[0]} did not finish within {timeout:.0f}s") from None
    text = out.decode(errors="replace")
    if proc.returncode != 0:
        raise InfraError(f"{' '.join(args[:2])} failed ({proc.returncode}): {text.strip()[-2000:]}")
    return text


async def wait_for_port(port: int, timeout: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 1.0)
        except (OSError, TimeoutError):
            if loop.time() > deadline:
                raise InfraError(
                    f"{what} did not listen on 127.0.0.1:{port} in {timeout}s"
                ) from None
            await asyncio.sleep(0.05)
        else:
            writer.close()
            await writer.wait_closed()
            return
