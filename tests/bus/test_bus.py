"""The bus against a real nats-server: typed pub/sub, JetStream, dedup, errors."""

from __future__ import annotations

import asyncio

import pytest

import proto
from bus import Bus, BusConfig, BusConnectionError, BusError, StreamConfig
from infra import free_port
from tests.fixtures.events import execution, trade_frame


async def test_unreachable_server_is_a_clear_error_naming_the_url_without_password() -> None:
    port = free_port()
    bus = Bus(BusConfig(url=f"nats://me:hunter2@127.0.0.1:{port}", connect_timeout_s=0.3))
    with pytest.raises(BusConnectionError) as err:
        await asyncio.wait_for(bus.connect(), 15)
    assert f"127.0.0.1:{port}" in str(err.value)
    assert "hunter2" not in str(err.value)


async def test_typed_subscription_receives_decoded_messages_and_skips_garbage(bus: Bus) -> None:
    got: list[tuple[str, proto.Message]] = []
    done = asyncio.Event()

    async def handler(subject: str, message: proto.Message) -> None:
        got.append((subject, message))
        if len(got) == 2:
            done.set()

    await bus.subscribe("live.md.>", handler, family=proto.Family.MD)
    await bus.publish("live", trade_frame(1))
    await bus.publish_raw("live.md.bybit.BTCUSDT.trade", b"\xc1not msgpack")
    await bus.publish("live", trade_frame(2))
    await asyncio.wait_for(done.wait(), 5)
    assert [m for _, m in got] == [trade_frame(1), trade_frame(2)]
    assert got[0][0] == "live.md.bybit.BTCUSDT.trade"  # logical subject, prefix stripped
    assert bus.stats.decode_errors == 1


async def test_durable_publish_dedups_on_event_id(bus: Bus) -> None:
    await bus.ensure_stream()
    seq1 = await bus.publish_durable("live", execution(1))
    seq_again = await bus.publish_durable("live", execution(1))
    seq2 = await bus.publish_durable("live", execution(2))
    assert seq_again == seq1  # the server recognised the Nats-Msg-Id
    assert seq2 == seq1 + 1
    info = await bus.js.stream_info(bus.stream)
    assert info.state.messages == 2


async def test_stream_captures_live_and_paper_but_not_replay(bus: Bus) -> None:
    await bus.ensure_stream()
    await bus.publish_durable("live", trade_frame(1))
    await bus.publish_durable("paper", trade_frame(2))
    await bus.publish("replay.r1", trade_frame(3))
    await bus.flush()
    consumer = await bus.pull_consumer("t")
    batch = await consumer.fetch(10, 1.0)
    assert [m.subject.split(".")[0] for m in batch.messages] == ["live", "paper"]


async def test_ensure_stream_applies_changed_limits(bus_config: BusConfig) -> None:
    async with Bus(bus_config) as b:
        await b.ensure_stream()
    changed = BusConfig(
        url=bus_config.url,
        prefix=bus_config.prefix,
        stream=StreamConfig(max_msgs=5),
    )
    async with Bus(changed) as b:
        name = await b.ensure_stream()
        info = await b.js.stream_info(name)
        assert info.config.max_msgs == 5


async def test_pipelined_publish_keeps_order_and_counts(bus: Bus) -> None:
    await bus.ensure_stream()
    frames = [trade_frame(i) for i in range(500)]
    for f in frames:
        await bus.publish_durable_nowait(proto.subject_for("live", f), proto.encode(f), f.event_id)
    await bus.wait_durable()
    consumer = await bus.pull_consumer("order")
    seen: list[proto.Message] = []
    while len(seen) < 500:
        batch = await consumer.fetch(200, 1.0)
        assert batch.messages, "stream delivered fewer messages than published"
        seen += [proto.decode(m.data) for m in batch.messages]
        await batch.ack()
    assert seen == frames


async def test_drain_delivers_in_flight_messages_before_closing(bus_config: BusConfig) -> None:
    received: list[proto.Message] = []

    async def slow(subject: str, message: proto.Message) -> None:
        await asyncio.sleep(0.01)
        received.append(message)

    sub_bus = Bus(bus_config)
    await sub_bus.connect()
    await sub_bus.subscribe("live.>", slow)
    async with Bus(bus_config) as pub:
        for i in range(20):
            await pub.publish("live", trade_frame(i))
        await pub.flush()
    await asyncio.sleep(0.05)
    await sub_bus.drain(timeout=5)
    assert len(received) == 20


async def test_incompatible_stream_change_is_a_bus_error_naming_the_stream(
    bus_config: BusConfig,
) -> None:
    async with Bus(bus_config) as b:
        await b.ensure_stream()
    memory = BusConfig(
        url=bus_config.url, prefix=bus_config.prefix, stream=StreamConfig(storage="memory")
    )
    async with Bus(memory) as b:
        with pytest.raises(BusError, match=f"stream {b.stream}.*storage type"):
            await b.ensure_stream()
