"""The engine service over real NATS: snapshot first, then intents; restart resumes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from nats.aio.msg import Msg

import proto
from bus import Bus
from services.engine import Engine, EngineConfig
from tests.fixtures.engine_events import BTC, placed_book, spec, ticker, wallet
from tests.fixtures.wait import until

NS = "live"


class FakeCollector:
    """Answers resync requests by publishing a snapshot first, as the collector does."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self.snapshot: list[proto.Message] = []
        self.requests = 0

    async def __aenter__(self) -> FakeCollector:
        subject = self.bus.wire(f"{NS}.sys.collector.resync_request")
        self._sub = await self.bus.nc.subscribe(subject, cb=self._answer)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._sub.unsubscribe()

    async def _answer(self, msg: Msg) -> None:
        self.requests += 1
        for event in self.snapshot:
            await self.bus.publish(NS, event)
        done = proto.ResyncDone(
            event_id="done", ts_exchange_ms=0, ts_local_ns=0, published={"acct1": 1}
        )
        await msg.respond(proto.encode(done))


@contextlib.asynccontextmanager
async def running(engine: Engine) -> AsyncIterator[Engine]:
    stop = asyncio.Event()
    task = asyncio.create_task(engine.run(stop))
    await asyncio.wait_for(engine.ready.wait(), 10)
    try:
        yield engine
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def _collect(bus: Bus, pattern: str) -> tuple[list[proto.Message], Any]:
    got: list[proto.Message] = []

    async def handler(_subject: str, message: proto.Message) -> None:
        got.append(message)

    sub = await bus.subscribe(pattern, handler)
    return got, sub


@pytest.fixture
def saved() -> dict[str, dict[str, Any]]:
    return {}


def _engine(bus: Bus, saved: dict[str, dict[str, Any]], *specs: Any) -> Engine:
    async def save(strategy_id: str, document: dict[str, Any]) -> None:
        saved[strategy_id] = document

    return Engine(
        bus,
        EngineConfig(namespace=NS, resync_timeout_s=5, persist_interval_s=0.05),
        list(specs) or [spec()],
        {"BTCUSDT": BTC},
        saved_grids=dict(saved),
        save_grid=save,
    )


async def test_snapshot_then_sized_intents_then_resume_without_touching_a_good_book(
    bus: Bus, saved: dict[str, dict[str, Any]]
) -> None:
    batches, sub = await _collect(bus, f"{NS}.intent.acct1.BTCUSDT")
    async with FakeCollector(bus) as collector:
        collector.snapshot = [wallet("10000")]
        engine = _engine(bus, saved)
        async with running(engine):
            assert collector.requests == 1
            await bus.publish(NS, ticker("100000", 0))
            await until(lambda: len(batches) == 1)
            batch = batches[0]
            assert isinstance(batch, proto.IntentBatch)
            assert batch.trigger_event_id == "ticker:BTCUSDT:0"
            assert len(batch.intents) == 20
            book = placed_book(batch)
            for update in book:
                await bus.publish(NS, update)
            await bus.publish(NS, ticker("100020", 1))
            await until(lambda: engine.stats.tickers == 2)
            await until(lambda: "btc1" in saved)
        assert len(batches) == 1  # the book is right: nothing more to do
        assert [lvl["side"] for lvl in saved["btc1"]["btc1"]["grid"]].count("Wait") == 1

        # Restart: the grid comes back from its saved state, the book from the snapshot.
        collector.snapshot = [wallet("10000"), *book]
        restarted = _engine(bus, saved)
        async with running(restarted):
            assert restarted.runners["btc1"].restored
            assert len(restarted.runners["btc1"].book) == 20
            await bus.publish(NS, ticker("100050", 2))
            await until(lambda: restarted.stats.tickers == 1)
            await bus.flush()
            await asyncio.sleep(0.2)
        assert len(batches) == 1, "a correct book was cancelled or re-placed after restart"
    await sub.unsubscribe()


async def test_bad_messages_and_a_bad_strategy_do_not_stop_the_others(
    bus: Bus, saved: dict[str, dict[str, Any]]
) -> None:
    batches, sub = await _collect(bus, f"{NS}.intent.acct1.>")
    eth = spec("eth1", symbol="ETHUSDT")  # no instrument info for ETHUSDT here
    async with FakeCollector(bus) as collector:
        collector.snapshot = [wallet("10000")]
        engine = _engine(bus, saved, spec(), eth)
        assert "eth1" in engine.failed and "symbol" in engine.failed["eth1"]
        async with running(engine):
            await bus.publish_raw(f"{NS}.md.bybit.BTCUSDT.ticker", b"\xc1not msgpack")
            await bus.publish(NS, ticker("100000", 0))
            await until(lambda: len(batches) == 1)
        assert engine.stats.decode_errors == 1
    await sub.unsubscribe()


async def test_without_a_collector_the_engine_starts_after_the_timeout(
    bus: Bus, saved: dict[str, dict[str, Any]]
) -> None:
    engine = Engine(
        bus, EngineConfig(namespace=NS, resync_timeout_s=0.3), [spec()], {"BTCUSDT": BTC}
    )
    async with running(engine):
        assert engine.stats.resync_failures == 1


async def test_every_grid_change_is_published_for_the_record(
    bus: Bus, saved: dict[str, dict[str, Any]]
) -> None:
    """The engine publishes each new grid as a GridState on sys.engine.grid_state (the
    capture stream records it), stamped with the exchange time of the event that changed
    it, so a replay can seed from the grid live had at its window start (V-16)."""
    grids, sub = await _collect(bus, f"{NS}.sys.engine.grid_state")
    async with FakeCollector(bus) as collector:
        collector.snapshot = [wallet("10000")]
        async with running(_engine(bus, saved)):
            await bus.publish(NS, ticker("100000", 0))
            await until(lambda: len(grids) == 1)
            await bus.publish(NS, ticker("100020", 1))  # inside the grid: no change
            await bus.publish(NS, ticker("110000", 2))  # outside: rebuilt
            await until(lambda: len(grids) == 2)
    await sub.unsubscribe()
    first, rebuilt = grids
    assert isinstance(first, proto.GridState) and isinstance(rebuilt, proto.GridState)
    assert (first.strategy_id, first.account_id, first.symbol) == ("btc1", "acct1", "BTCUSDT")
    assert first.ts_exchange_ms == ticker("100000", 0).ts_exchange_ms
    assert rebuilt.ts_exchange_ms == ticker("110000", 2).ts_exchange_ms
    assert len(first.levels) == 21 and first.levels[10] == ("Wait", "100000.0")
    assert rebuilt.levels[10] == ("Wait", "110000.0")
    assert (first.grid_step, first.grid_count) == (0.2, 20)


async def test_lockstep_reports_each_ticker_after_its_batch_and_times_out_on_recorded_time(
    bus: Bus, saved: dict[str, dict[str, Any]]
) -> None:
    """Replays: ``EngineProgress`` follows every ticker (any symbol), after the batch it
    caused, so a simbroker that waits for it has every intent; an unanswered place is
    re-published after ``inflight_timeout_s`` on the recording's clock, however fast it
    is replayed, and everything published is stamped with exchange time."""
    seen: list[proto.Message] = []

    async def handler(_subject: str, message: proto.Message) -> None:
        seen.append(message)

    subs = [await bus.subscribe(f"{NS}.intent.>", handler),
            await bus.subscribe(f"{NS}.sys.engine.engine_progress", handler)]  # fmt: skip
    config = EngineConfig(namespace=NS, resync_timeout_s=5, inflight_timeout_s=5, lockstep=True)
    async with FakeCollector(bus) as collector:
        collector.snapshot = [wallet("10000")]
        engine = Engine(bus, config, [spec()], {"BTCUSDT": BTC})
        async with running(engine):
            await bus.publish(NS, ticker("100000", 0))
            await bus.publish(NS, ticker("3000", 1, symbol="ETHUSDT"))  # not traded: counted
            await bus.publish(NS, ticker("100000", 2))  # 2 ms later: still in flight
            await until(lambda: sum(isinstance(m, proto.EngineProgress) for m in seen) == 3)
            # No order event answered the places. 5 s of exchange time later, but received
            # live only 1 ms later: still in flight (the recording's clock is when live
            # received the market data, as live's was its wall clock) ...
            early = ticker("100000", 3)
            early = msgspec.structs.replace(early, ts_exchange_ms=early.ts_exchange_ms + 5_000)
            await bus.publish(NS, early)
            await until(lambda: sum(isinstance(m, proto.EngineProgress) for m in seen) == 4)
            # ... received 5 s after the first: due again, in milliseconds of wall time.
            late = ticker("100000", 4)
            late = msgspec.structs.replace(late, ts_local_ns=late.ts_local_ns + 5_000_000_000)
            await bus.publish(NS, late)
            await until(lambda: sum(isinstance(m, proto.EngineProgress) for m in seen) == 5)
    for sub in subs:
        await sub.unsubscribe()
    kinds = [(type(m).__name__, getattr(m, "tickers", None)) for m in seen]
    assert kinds == [
        ("IntentBatch", None), ("EngineProgress", 1), ("EngineProgress", 2),
        ("EngineProgress", 3), ("EngineProgress", 4), ("IntentBatch", None),
        ("EngineProgress", 5),
    ]  # fmt: skip
    first, again = seen[0], seen[5]
    assert isinstance(first, proto.IntentBatch) and isinstance(again, proto.IntentBatch)
    assert len(again.intents) == len(first.intents)
    assert first.ts_local_ns == first.ts_exchange_ms * 1_000_000
    progress = seen[-1]
    assert isinstance(progress, proto.EngineProgress)
    assert progress.ts_local_ns == progress.ts_exchange_ms * 1_000_000
    assert progress.batches == 2
