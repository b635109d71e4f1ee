"""Durable JetStream pull consumer with batch fetch and ack-all semantics."""

from __future__ import annotations

from dataclasses import dataclass

import nats.errors
import nats.js.api as api
from nats.aio.msg import Msg
from nats.js import JetStreamContext


@dataclass(frozen=True, slots=True)
class StreamMessage:
    """One stored message: logical subject, payload bytes and stream sequence."""

    subject: str
    data: bytes
    stream_seq: int
    num_delivered: int
    msg_id: str | None


class Batch:
    """Messages fetched together; ``ack()`` acknowledges each of them."""

    __slots__ = ("_raw", "messages")

    def __init__(self, messages: list[StreamMessage], raw: list[Msg]) -> None:
        self.messages = messages
        self._raw = raw

    async def ack(self) -> None:
        # Explicit per-message acks: with AckPolicy.ALL, a restarted consumer acking a
        # later message would also ack the dead consumer's unwritten in-flight batch.
        for msg in self._raw:
            await msg.ack()


class PullConsumer:
    """Fetch batches in stream order; ``Batch.ack`` acknowledges a whole batch.

    Unacknowledged messages (a crashed consumer's batch) are redelivered after
    ``ack_wait_s``.
    """

    def __init__(self, sub: JetStreamContext.PullSubscription, prefix: str) -> None:
        self._sub = sub
        self._prefix = prefix

    @classmethod
    async def create(
        cls,
        js: JetStreamContext,
        *,
        stream: str,
        durable: str,
        filter_subject: str | None,
        ack_wait_s: float,
        max_ack_pending: int,
        prefix: str,
    ) -> PullConsumer:
        config = api.ConsumerConfig(
            durable_name=durable,
            ack_policy=api.AckPolicy.EXPLICIT,
            deliver_policy=api.DeliverPolicy.ALL,
            ack_wait=ack_wait_s,
            max_ack_pending=max_ack_pending,
            filter_subject=filter_subject,
            max_waiting=16,
        )
        sub = await js.pull_subscribe(
            filter_subject or "", durable=durable, stream=stream, config=config
        )
        return cls(sub, prefix)

    async def fetch(self, batch: int, timeout: float) -> Batch:
        """Up to ``batch`` messages; an empty batch when none arrived within ``timeout``."""
        try:
            msgs = await self._sub.fetch(batch, timeout=timeout)
        except (TimeoutError, nats.errors.TimeoutError):
            return Batch([], [])
        cut = len(self._prefix)
        out: list[StreamMessage] = []
        for msg in msgs:
            meta = msg.metadata
            headers = msg.headers or {}
            subject = msg.subject[cut:] if cut else msg.subject
            out.append(
                StreamMessage(
                    subject=subject,
                    data=msg.data,
                    stream_seq=meta.sequence.stream,
                    num_delivered=meta.num_delivered,
                    msg_id=headers.get("Nats-Msg-Id"),
                )
            )
        return Batch(out, msgs)

    async def pending(self) -> int:
        """Messages in the stream not yet delivered to this consumer (lag)."""
        info = await self._sub.consumer_info()
        return int(info.num_pending or 0)

    async def unsubscribe(self) -> None:
        await self._sub.unsubscribe()
