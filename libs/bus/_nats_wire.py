"""The NATS wire protocol, just enough to receive a push consumer's deliveries in bulk.

Used by ``StreamReader`` only: nats-py builds a ``Msg``, a header dict and its metadata
per message (about 8 µs each), while this slices subject, sequence and payload into
plain lists (about 2 µs). Everything else (JetStream API, publishing) stays on nats-py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Protocol

HEARTBEAT_S = 5.0
CONNECT_TIMEOUT_S = 5.0
READ_SIZE = 1 << 20
MSG_ID = b"Nats-Msg-Id:"
STALLED = b"Nats-Consumer-Stalled:"
LAST_DELIVERED = b"Nats-Last-Consumer:"


class Owner(Protocol):
    _names: dict[bytes, str]

    def _lists(self) -> tuple[list[str], list[int], list[bytes], list[bytes]]: ...
    def _name(self, wire: bytes) -> str: ...
    def _arrived(self) -> None: ...
    def _flow_control(self, reply: bytes) -> None: ...


class Restart(Exception):
    """The session cannot continue; the consumer is re-created at the next sequence."""


def header(block: bytes, name: bytes) -> bytes | None:
    at = block.find(name)
    if at < 0:
        return None
    end = block.find(b"\r\n", at)
    return block[at + len(name) : end].strip()


def sequences(reply: bytes) -> tuple[int, int]:
    """(stream, delivery) sequence from a ``$JS.ACK`` subject, v1 (9 tokens) or v2 (≥ 12)."""
    tokens = reply.split(b".")
    if len(tokens) == 9:
        return int(tokens[5]), int(tokens[6])
    if len(tokens) >= 12:
        return int(tokens[7]), int(tokens[8])
    raise Restart(f"unexpected JetStream reply subject {reply!r}")


class Session:
    """One connection and one consumer; ends (raises) on anything unexpected."""

    def __init__(
        self, owner: Owner, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self._owner = owner
        self._reader = reader
        self._writer = writer
        self._rest = b""
        self._delivered = 0  # delivery sequence of the last data message
        self.consumer: str | None = None

    def send(self, data: bytes) -> None:
        self._writer.write(data)

    async def pump(self) -> None:
        while True:
            try:
                async with asyncio.timeout(3 * HEARTBEAT_S):  # heartbeats arrive when idle
                    data = await self._reader.read(READ_SIZE)
            except TimeoutError:
                raise Restart(f"nothing received for {3 * HEARTBEAT_S:.0f} s") from None
            if not data:
                raise ConnectionError("connection closed by the server")
            self._feed(data)

    def _feed(self, data: bytes) -> None:
        buf = self._rest + data if self._rest else data
        size = len(buf)
        owner = self._owner
        subjects, seqs, payloads, headers = owner._lists()
        names = owner._names
        delivered = self._delivered
        pos = 0
        try:
            while (eol := buf.find(b"\r\n", pos)) >= 0:
                op = buf[pos : pos + 4]
                if op == b"HMSG" or op == b"MSG ":
                    args = buf[pos + 4 : eol].split()
                    if op == b"MSG ":
                        args.insert(-1, b"0")
                    start = eol + 2
                    end = start + int(args[-1])
                    if end + 2 > size:
                        break
                    hend = start + int(args[-2])
                    reply = args[2] if len(args) == 5 else b""
                    if reply.startswith(b"$JS.ACK."):
                        seq, dseq = sequences(reply)
                        if dseq != delivered + 1:
                            raise Restart(f"delivery gap: {dseq} after {delivered}")
                        delivered = dseq
                        subject = names.get(args[0]) or owner._name(args[0])
                        subjects.append(subject)
                        seqs.append(seq)
                        payloads.append(buf[hend:end])
                        headers.append(buf[start:hend])
                    else:
                        self._status(buf[start:hend], reply, delivered)
                    pos = end + 2
                elif op == b"PING":
                    self.send(b"PONG\r\n")
                    pos = eol + 2
                elif op == b"-ERR":
                    raise ConnectionError(buf[pos:eol].decode("utf-8", "replace"))
                else:  # +OK, PONG, INFO updates
                    pos = eol + 2
        finally:
            self._delivered = delivered
            self._rest = buf[pos:]
            owner._arrived()

    def _status(self, block: bytes, reply: bytes, delivered: int) -> None:
        if block[9:12] != b"100":  # 409 consumer deleted, leadership change …
            line = block.split(b"\r\n", 1)[0].decode("utf-8", "replace")
            raise Restart(f"consumer status {line!r}")
        if reply:  # flow control request
            self._owner._flow_control(reply)
            return
        last = header(block, LAST_DELIVERED)
        if last is not None and int(last) != delivered:
            raise Restart(f"heartbeat says {int(last)} delivered, {delivered} received")
        stalled = header(block, STALLED)
        if stalled:
            self._owner._flow_control(stalled)

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(Exception):
            await self._writer.wait_closed()


def connect_line(user: str | None, password: str | None) -> bytes:
    options: dict[str, object] = {
        "verbose": False, "pedantic": False, "headers": True, "no_responders": True,
        "protocol": 1, "lang": "python3", "version": "gridtwin", "name": "stream-reader",
    }  # fmt: skip
    if user and password is not None:
        options.update(user=user, **{"pass": password})
    elif user:
        options["auth_token"] = user
    return b"CONNECT " + json.dumps(options).encode() + b"\r\n"
