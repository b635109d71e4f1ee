"""Reading the capture stream from a sequence the caller keeps, as fast as it arrives.

An ephemeral ordered push consumer (no acks, flow-controlled by the server) delivers on
the reader's own connection, parsed here in bulk: nats-py builds a ``Msg``, a header
dict and its metadata per message (about 8 µs each, more than the rest of the recorder's
work per event), while this reader only slices the subject, sequence and payload into
plain lists (about 2 µs, and nothing for the garbage collector to track). nats-py still
serves the JetStream API (creating and deleting the consumer).

The reader never acknowledges anything: the caller stores the last sequence it committed
*with* its data and resumes from there, which makes "exactly once" a property of its own
transaction. Like nats-py's ordered consumer, on a gap in the delivery sequence, a
missed heartbeat or a lost connection it re-creates the consumer from the sequence after
the last one it buffered.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import ssl
from urllib.parse import urlsplit

import nats.js.api as api
import structlog
from nats.js import JetStreamContext

from bus._nats_wire import (
    CONNECT_TIMEOUT_S,
    HEARTBEAT_S,
    MSG_ID,
    READ_SIZE,
    Session,
    connect_line,
)

log = structlog.get_logger(__name__)


class StreamBatch:
    """Messages in stream order as parallel lists (no object per message)."""

    __slots__ = ("headers", "payloads", "seqs", "subjects")

    def __init__(
        self, subjects: list[str], seqs: list[int], payloads: list[bytes], headers: list[bytes]
    ) -> None:
        self.subjects = subjects  # logical subjects (prefix removed)
        self.seqs = seqs
        self.payloads = payloads
        self.headers = headers  # raw NATS header blocks, parsed only on demand

    def __len__(self) -> int:
        return len(self.seqs)

    def msg_id(self, i: int) -> str | None:
        """The ``Nats-Msg-Id`` header of message ``i``."""
        for line in self.headers[i].split(b"\r\n"):
            if line.startswith(MSG_ID):
                return line[len(MSG_ID) :].strip().decode("utf-8", "replace")
        return None


class StreamReader:
    """The capture stream from ``start_seq`` on, buffered up to about ``max_buffer``
    messages (past it the server pauses at its next flow-control request, so the buffer
    can overshoot by the server's flow-control window)."""

    def __init__(
        self,
        js: JetStreamContext,
        *,
        stream: str,
        subjects: list[str],
        start_seq: int,
        prefix: str = "",
        max_buffer: int = 50_000,
        url: str | None = None,
    ) -> None:
        self._js = js
        self._url = url
        self._stream = stream
        self._subjects = subjects
        self._next_seq = max(start_seq, 1)
        self._prefix = prefix.encode()
        self._max = max_buffer
        self._names: dict[bytes, str] = {}
        self._batch = StreamBatch([], [], [], [])
        self._fc_pending: list[bytes] = []
        self._ready = asyncio.Event()
        self._session: Session | None = None
        self._task: asyncio.Task[None] | None = None

    # -- the caller's side ---------------------------------------------------------------

    async def start(self) -> None:
        """Connect and create the consumer; errors here are raised, later ones retried."""
        self._session = await self._open()
        self._task = asyncio.create_task(self._run(), name="stream-reader")

    async def take(self, max_n: int, timeout: float) -> StreamBatch:
        """Up to ``max_n`` messages in stream order; empty after ``timeout`` with none."""
        if not self._batch.seqs:
            # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation
            # that arrives as the event is set, and the caller's task group then hangs.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._ready.wait()
        b = self._batch
        if len(b.seqs) <= max_n:
            out, self._batch = b, StreamBatch([], [], [], [])
        else:
            out = StreamBatch(
                b.subjects[:max_n], b.seqs[:max_n], b.payloads[:max_n], b.headers[:max_n]
            )
            for lst in (b.subjects, b.seqs, b.payloads, b.headers):
                del lst[:max_n]
        if not self._batch.seqs:
            self._ready.clear()
        if self._fc_pending and len(self._batch.seqs) < self._max:
            self._answer_flow_control()
        return out

    async def stop(self) -> None:
        """Stop reading and delete the consumer; idempotent."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self._end_session()

    # -- the connection's side -----------------------------------------------------------

    def _lists(self) -> tuple[list[str], list[int], list[bytes], list[bytes]]:
        b = self._batch
        return b.subjects, b.seqs, b.payloads, b.headers

    def _name(self, wire: bytes) -> str:
        logical = wire[len(self._prefix) :] if wire.startswith(self._prefix) else wire
        name = self._names[wire] = logical.decode()
        return name

    def _arrived(self) -> None:
        seqs = self._batch.seqs
        if seqs:
            self._next_seq = seqs[-1] + 1
            self._ready.set()

    def _flow_control(self, reply: bytes) -> None:
        self._fc_pending.append(reply)
        if len(self._batch.seqs) < self._max:  # else answered by take(): the server waits
            self._answer_flow_control()

    def _answer_flow_control(self) -> None:
        replies, self._fc_pending = self._fc_pending, []
        if self._session is not None:
            self._session.send(b"".join(b"PUB %s 0\r\n\r\n" % r for r in replies))

    async def _run(self) -> None:
        delay = 0.1
        while True:
            try:
                if self._session is None:
                    self._session = await self._open()
                    delay = 0.1  # back-off applies to consecutive failures only
                await self._session.pump()
            except Exception as exc:  # every failure ends the session; the next resumes
                log.warning(
                    "stream_reader_restart", reason=str(exc) or type(exc).__name__,
                    resume_at=self._next_seq,
                )  # fmt: skip
                await self._end_session()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _open(self) -> Session:
        url = urlsplit(self._url or _server_url(self._js))
        host, port = url.hostname or "127.0.0.1", url.port or 4222
        async with asyncio.timeout(CONNECT_TIMEOUT_S):
            reader, writer = await asyncio.open_connection(host, port, limit=4 * READ_SIZE)
            session = Session(self, reader, writer)
            try:
                info = json.loads((await reader.readline()).partition(b" ")[2])
                if url.scheme == "tls" or info.get("tls_required"):
                    await writer.start_tls(ssl.create_default_context(), server_hostname=host)
                inbox = f"_INBOX.{secrets.token_hex(11)}"
                writer.write(connect_line(url.username, url.password))
                writer.write(f"SUB {inbox} 1\r\nPING\r\n".encode())
                line = await reader.readline()
                if not line.startswith(b"PONG"):
                    raise ConnectionError(line.decode("utf-8", "replace").strip())
                self._fc_pending.clear()
                session.consumer = await self._create_consumer(inbox)
            except BaseException:
                await session.close()
                raise
        return session

    async def _create_consumer(self, inbox: str) -> str | None:
        config = api.ConsumerConfig(
            deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=self._next_seq,
            filter_subjects=self._subjects,
            deliver_subject=inbox,
            ack_policy=api.AckPolicy.NONE,
            max_deliver=1,
            flow_control=True,
            idle_heartbeat=HEARTBEAT_S,
            mem_storage=True,
            num_replicas=1,
            inactive_threshold=3 * HEARTBEAT_S,
        )
        info = await self._js.add_consumer(self._stream, config)
        return info.name

    async def _end_session(self) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        await session.close()
        if session.consumer:
            with contextlib.suppress(Exception):  # it expires on its own when this fails
                await self._js.delete_consumer(self._stream, session.consumer)


def _server_url(js: JetStreamContext) -> str:
    # ``Bus.stream_reader`` passes no URL: use the server (and credentials) of the
    # connection serving the JetStream API.
    url = js._nc.connected_url
    if url is None:
        raise ConnectionError("the bus is not connected")
    return url.geturl()
