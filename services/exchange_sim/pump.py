"""Feeds trades into the exchange core on the virtual clock, at a speed factor or "max".

File parsing runs in a worker thread one chunk ahead. At speed "max" the pump yields to the
event loop every `yield_every` trades (`yield_every_clients` while any WS client is
connected) and then waits (bounded) for full WS queues, so clients are never starved.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator

import structlog

from services.exchange_sim.clock import VirtualClock
from services.exchange_sim.feed import FeedReader
from venue.kernel import Venue
from venue.models import Trade

__all__ = ["FeedPump"]

log = structlog.get_logger(__name__)

CHUNK = 4096
MAX_SLEEP_S = 0.25  # at finite speed, funding/ticker housekeeping runs at least this often


def _groups(trades: list[Trade]) -> Iterator[list[Trade]]:
    """Consecutive trades with the same symbol and timestamp (one publicTrade message)."""
    start = 0
    for i in range(1, len(trades) + 1):
        if (
            i == len(trades)
            or trades[i].ts_ms != trades[start].ts_ms
            or trades[i].symbol != trades[start].symbol
        ):
            yield trades[start:i]
            start = i


class FeedPump:
    def __init__(
        self,
        reader: FeedReader,
        exchange: Venue,
        clock: VirtualClock,
        *,
        yield_every: int,
        yield_every_clients: int,
        on_tick: Callable[..., None],
        has_clients: Callable[[], bool],
        backpressure: Callable[[], Awaitable[None]],
    ) -> None:
        self._reader = reader
        self._exchange = exchange
        self._clock = clock
        self._yield_every = yield_every
        self._yield_every_clients = yield_every_clients
        self._on_tick = on_tick
        self._has_clients = has_clients
        self._backpressure = backpressure
        self.processed = 0
        self.done = asyncio.Event()

    async def run(self) -> None:
        self._clock.start()
        pending = asyncio.ensure_future(asyncio.to_thread(self._reader.next_chunk, CHUNK))
        try:
            while True:
                chunk = await pending
                if not chunk:
                    break
                pending = asyncio.ensure_future(asyncio.to_thread(self._reader.next_chunk, CHUNK))
                await self._play(chunk)
            self._on_tick(self._clock.now_ms(), force=True)  # publish the final ticker state
            log.info("feed done", trades=self.processed, skipped=self._reader.skipped)
        finally:
            if not pending.done():
                pending.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pending
            self.done.set()

    async def _play(self, chunk: list[Trade]) -> None:
        since_yield = 0
        for group in _groups(chunk):
            ts = group[0].ts_ms
            if self._clock.speed is not None:
                await self._wait_until(ts)
            self._clock.advance_to(ts)
            self._exchange.on_trades(group)
            self._on_tick(ts)
            self.processed += len(group)
            since_yield += len(group)
            if since_yield >= self._yield_every or (
                since_yield >= self._yield_every_clients and self._has_clients()
            ):
                since_yield = 0
                await asyncio.sleep(0)
                await self._backpressure()

    async def _wait_until(self, ts: int) -> None:
        while (delay := self._clock.wall_delay_s(ts)) > 0:
            await asyncio.sleep(min(delay, MAX_SLEEP_S))
            now = min(self._clock.now_ms(), ts)
            self._exchange.on_time(now)
            self._on_tick(now)
