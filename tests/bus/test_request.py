"""Typed request/reply on a subject the capture stream also stores."""

from __future__ import annotations

import asyncio

import pytest
from nats.aio.msg import Msg

import proto
from bus import Bus


def _request() -> proto.ResyncRequest:
    return proto.ResyncRequest(
        event_id="rq1", ts_exchange_ms=1, ts_local_ns=1, requester="t", accounts=["a1"]
    )


async def test_request_skips_the_streams_puback_and_returns_the_typed_reply(bus: Bus) -> None:
    await bus.ensure_stream()  # live.> is captured: JetStream acks the request too

    async def answer(msg: Msg) -> None:
        await asyncio.sleep(0.05)  # let the PubAck arrive first
        done = proto.ResyncDone(event_id="d", ts_exchange_ms=1, ts_local_ns=1, published={"a1": 3})
        await msg.respond(proto.encode(done))

    sub = await bus.nc.subscribe(bus.wire("live.sys.collector.resync_request"), cb=answer)
    try:
        reply = await bus.request("live", _request(), proto.ResyncDone, timeout=5)
    finally:
        await sub.unsubscribe()
    assert isinstance(reply, proto.ResyncDone) and reply.published == {"a1": 3}


async def test_request_without_an_answer_times_out(bus: Bus) -> None:
    with pytest.raises(TimeoutError):
        await bus.request("live", _request(), proto.ResyncDone, timeout=0.2)


async def test_a_responder_that_subscribes_late_still_answers_a_resent_request(bus: Bus) -> None:
    async def answer(msg: Msg) -> None:
        done = proto.ResyncDone(event_id="d", ts_exchange_ms=1, ts_local_ns=1, published={})
        await msg.respond(proto.encode(done))

    async def subscribe_late() -> None:
        await asyncio.sleep(0.3)  # the first send finds nobody listening
        await bus.nc.subscribe(bus.wire("live.sys.collector.resync_request"), cb=answer)

    late = asyncio.create_task(subscribe_late())
    reply = await bus.request("live", _request(), proto.ResyncDone, timeout=5, resend_every=0.1)
    await late
    assert isinstance(reply, proto.ResyncDone)
