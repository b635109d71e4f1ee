"""Counting what the server delivers to a subscriber, without the counter being the limit.

A core subscription in a child process (no share of the benchmark's GIL) whose reader
counts message frames with ``bytes.count`` (C speed, no object per message). Neither a
slow Python subscriber nor a JetStream stream's ingest queue (past its cap the server
drops un-acked core publishes: "Dropping messages due to excessive stream ingest rate")
can make a fast publisher look lossy: what is missing was not delivered.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import threading
import time
from types import TracebackType
from urllib.parse import urlsplit


class DeliveryCounter:
    """Messages delivered on ``subject`` (a wire subject ending in ``.>``), as they arrive."""

    def __init__(self, url: str, subject: str) -> None:
        self._url = url
        self._subject = subject
        self._proc: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> DeliveryCounter:
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "services.bench._delivery", self._url, self._subject,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        await self.count()  # answers once subscribed
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._proc is not None and self._proc.returncode is None:
            self._proc.kill()
            await self._proc.wait()

    async def count(self) -> int:
        assert self._proc is not None and self._proc.stdin and self._proc.stdout
        self._proc.stdin.write(b"\n")
        line = await asyncio.wait_for(self._proc.stdout.readline(), 10)
        if not line:
            raise ConnectionError("delivery counter exited")
        return int(line)

    async def wait(self, expected: int, idle_s: float = 5.0) -> int:
        """The count once it reaches ``expected`` or stops growing for ``idle_s``."""
        last, since = -1, time.monotonic()
        while (count := await self.count()) < expected:
            if count != last:
                last, since = count, time.monotonic()
            elif time.monotonic() - since > idle_s:
                break
            await asyncio.sleep(0.05)
        return count


def _subscribe(url: str, subject: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 4222), 10)
    sock.recv(65536)  # INFO
    options = {"verbose": False, "pedantic": False, "name": "bench-delivery-counter"}
    sock.sendall(f"CONNECT {json.dumps(options)}\r\nSUB {subject} 1\r\nPING\r\n".encode())
    reply = b""
    while not reply.endswith(b"PONG\r\n"):  # subscribed before anyone publishes
        if not (more := sock.recv(4096)) or b"-ERR" in more:
            raise ConnectionError(f"cannot subscribe: {(reply + more)!r}")
        reply += more
    sock.settimeout(None)
    return sock


def _main(url: str, subject: str) -> None:
    """The child: count frames (``\\r\\nMSG <prefix>``, which the benchmark's msgpack
    payloads never contain) and print the count for each line read on stdin."""
    sock = _subscribe(url, subject)
    marker = b"\r\nMSG " + subject.removesuffix(">").encode()
    count = 0

    def read() -> None:
        nonlocal count
        carry, keep = b"\r\n", len(marker) - 1
        while data := sock.recv(1 << 22):
            data = carry + data
            count += data.count(marker)
            if b"PING\r\n" in data:  # the server's keep-alive
                sock.sendall(b"PONG\r\n")
            carry = data[-keep:]

    threading.Thread(target=read, daemon=True).start()
    for _ in sys.stdin:
        print(count, flush=True)


if __name__ == "__main__":
    _main(sys.argv[1], sys.argv[2])
