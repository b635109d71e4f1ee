"""What a previous collector run stored: read back from the capture stream at start.

A collector killed mid-run keeps no state; the stream is its memory. For each stream
subject the last stored event, and those stored shortly before it, tell a restarted
collector how far the previous run got (exchange time, for the back-fill's start) and
which ids it published (so the back-fill does not publish them again).
"""

from __future__ import annotations

import contextlib
import datetime as dt

import nats.errors
import nats.js.api as api
import nats.js.errors
import structlog

import proto
from bus import Bus

log = structlog.get_logger(__name__)

_FETCH = 1000
_FETCH_TIMEOUT_S = 2.0


async def last_stored(bus: Bus, subject: str) -> proto.Message | None:
    """The last event stored on ``subject`` (wildcards allowed), if any."""
    last = await _last(bus, subject)
    events = _decoded([last.data or b""]) if last is not None else []
    return events[-1] if events else None


async def stored_tail(bus: Bus, subject: str, window_s: float) -> list[proto.Message]:
    """The events stored on ``subject`` (wildcards allowed) within ``window_s`` before the
    last one, oldest first; ``[]`` when there is none or the stream cannot be read."""
    last = await _last(bus, subject)
    if last is None:
        return []
    if window_s <= 0 or last.time is None or last.seq is None:
        return _decoded([last.data or b""])
    try:
        payloads = await _since(bus, subject, last.time - dt.timedelta(seconds=window_s), last.seq)
    except (TimeoutError, nats.errors.Error, nats.js.errors.Error) as exc:
        log.warning("collector_history_partial", subject=subject, reason=_reason(exc))
        payloads = [last.data or b""]
    return _decoded(payloads)


async def _last(bus: Bus, subject: str) -> api.RawStreamMsg | None:
    try:
        return await bus.js.get_last_msg(bus.stream, bus.wire(subject))
    except nats.js.errors.NotFoundError:
        return None
    except (TimeoutError, nats.errors.Error, nats.js.errors.Error) as exc:
        log.warning("collector_history_unavailable", subject=subject, reason=_reason(exc))
        return None


async def _since(bus: Bus, subject: str, start: dt.datetime, last_seq: int) -> list[bytes]:
    """Payloads on ``subject`` stored from ``start`` up to sequence ``last_seq``."""
    config = api.ConsumerConfig(
        deliver_policy=api.DeliverPolicy.BY_START_TIME,
        opt_start_time=start,
        ack_policy=api.AckPolicy.NONE,
        inactive_threshold=10.0,
        mem_storage=True,
    )
    sub = await bus.js.pull_subscribe(bus.wire(subject), stream=bus.stream, config=config)
    payloads: list[bytes] = []
    try:
        while True:
            try:
                msgs = await sub.fetch(_FETCH, timeout=_FETCH_TIMEOUT_S)
            except nats.errors.TimeoutError:
                return payloads  # fewer than expected (purged meanwhile): what we have
            for msg in msgs:
                payloads.append(msg.data)
                if msg.metadata.sequence.stream >= last_seq:
                    return payloads
    finally:
        with contextlib.suppress(Exception):  # the server drops it when inactive anyway
            await sub.unsubscribe()


def _decoded(payloads: list[bytes]) -> list[proto.Message]:
    events: list[proto.Message] = []
    for payload in payloads:
        with contextlib.suppress(proto.ProtoDecodeError):
            events.append(proto.decode(payload))
    return events


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
