"""The simbroker: the exchange of a replay namespace, stepped in lockstep with the engine.

The replayer republishes the recorded market data into a feed namespace that only the
simbroker reads. The simbroker forwards each event into the run's namespace, followed by
what it caused on the venue (fills, funding), so the engine receives one sequence from one
publisher: the same order in every replay. Before a market event that a ticker's intents
could precede (``lookahead_ms``: the least latency the model gives), it waits for the
engine's ``EngineProgress`` for that ticker (the engine acts on tickers only) and for
every intent batch that report counts; each batch takes effect at its ticker's time
plus the latency (or when live's did), after every market event stamped with that
instant. Results, rejects and
the venue's reports of the orders go out as the executor and the collector would have
published them. A digest of everything published, and of every batch applied,
identifies the replay's output.

Progress (``SimProgress`` on ``{ns}.sys.simbroker.sim_progress``) tells the replayer how
far the feed is consumed, whenever the simbroker catches up and at least every
``progress_every`` events, so the replayer can keep a bounded window in flight.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import heapq
import time
from collections.abc import Sequence
from typing import Any, NamedTuple

import msgspec
import structlog
from nats.aio.msg import Msg

import proto
from bus import Bus
from proto.subjects import Family, SubjectError, parse
from replay import RecordedDelivery
from services.simbroker.config import SimBrokerConfig
from services.simbroker.core import SimVenue

__all__ = ["SimBroker", "SimBrokerError", "SimBrokerStats"]

log = structlog.get_logger(__name__)


#: Sorts an event live had no twin of after those that had, at one point.
_UNRECORDED = 1 << 62


class _FeedEvent(NamedTuple):
    subject: str
    data: bytes
    message: proto.TradeFrame | proto.Ticker


class SimBrokerError(RuntimeError):
    """The replay cannot go on deterministically (the engine stopped answering)."""


class SimBrokerStats(msgspec.Struct, kw_only=True):
    md_events: int = 0
    tickers: int = 0
    batches: int = 0
    published: int = 0
    decode_errors: int = 0
    foreign_batches: int = 0


class SimBroker:
    def __init__(
        self,
        bus: Bus,
        config: SimBrokerConfig,
        venue: SimVenue,
        *,
        delivery: RecordedDelivery | None = None,
        in_flight: Sequence[tuple[proto.IntentBatch, list[int]]] = (),
        engine_timeout_s: float = 30.0,
    ) -> None:
        self.bus = bus
        self.config = config
        self.venue = venue
        #: Where live's engine learnt of each account event (None: at once).
        self.delivery = delivery
        #: Account events not sent yet: ``(feed events before it, live seq, order, event)``.
        self._held: list[tuple[int, int, int, proto.Message]] = []
        self._held_n = 0
        #: Feed events read and not forwarded; the first ``_matched`` of them are matched
        #: on the venue already (it runs ahead where live's exchange did); None: the end.
        self._ahead: collections.deque[_FeedEvent | None] = collections.deque()
        self._matched = 0
        self.engine_timeout_s = engine_timeout_s
        self.stats = SimBrokerStats()
        self.ready = asyncio.Event()
        self.done = asyncio.Event()
        self.output = hashlib.sha256()
        #: What was replayed into the run: every market event, subject and bytes.
        self.input = hashlib.sha256()
        self._feed: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
        self._pending: list[tuple[int, int, proto.IntentBatch, list[int]]] = []
        self._batches_seen = 0
        self._queued = 0
        self._failure: Exception | None = None
        #: Everything but the forwarded market data, in publication order (with the
        #: batches applied): what the replay produced, for the event store.
        self.produced: list[proto.Message] = []
        #: Exchange time of the last market event forwarded (0: none yet).
        self.last_md_ms = 0
        #: Forwarded tickers ``(count, exchange ms)`` whose answer is not awaited yet.
        self._answering: collections.deque[tuple[int, int]] = collections.deque()
        self._engine = (0, 0)  # (tickers, batches) the engine has reported
        self._engine_moved = asyncio.Event()
        self._cut = len(config.feed_namespace)
        # Intents live's engine published before the seed point and live's exchange
        # received after it: carried out when live's were.
        for batch, indices in in_flight:
            for at_ms, group in venue.schedule(batch):
                if kept := [i for i in group if i in indices]:
                    self._queued += 1
                    heapq.heappush(self._pending, (at_ms, self._queued, batch, kept))

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until the feed ends (``done``) or ``stop``; raises ``SimBrokerError``."""
        ns, feed = self.config.namespace, self.config.feed_namespace
        nc = self.bus.nc
        subs = [
            await nc.subscribe(self.bus.wire(f"{feed}.>"), cb=self._on_feed,
                               pending_msgs_limit=1_000_000),
            await nc.subscribe(self.bus.wire(f"{ns}.intent.>"), cb=self._on_intent),
            await nc.subscribe(self.bus.wire(f"{ns}.sys.engine.engine_progress"),
                               cb=self._on_engine),
            await nc.subscribe(self.bus.wire(f"{ns}.sys.collector.resync_request"),
                               cb=self._on_resync),
        ]  # fmt: skip
        try:
            await self._progress()  # ready: the replayer may start
            self.ready.set()
            loop = asyncio.create_task(self._loop())
            stopped = asyncio.create_task(stop.wait())
            finished, _ = await asyncio.wait({loop, stopped}, return_when=asyncio.FIRST_COMPLETED)
            for task in (loop, stopped):
                if task not in finished:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            if loop in finished:
                loop.result()  # re-raise a failure
        finally:
            for sub in subs:
                with contextlib.suppress(Exception):
                    await sub.unsubscribe()

    # -- inbound ----------------------------------------------------------------------------
    def _decode(self, msg: Msg, family: Family) -> proto.Message | None:
        """The message, or None (counted and logged) when it does not decode."""
        try:
            return proto.decode(msg.data, family)
        except proto.ProtoDecodeError as exc:
            self.stats.decode_errors += 1
            log.warning("simbroker_decode_error", subject=msg.subject, reason=exc.reason)
            return None

    async def _on_feed(self, msg: Msg) -> None:
        await self._feed.put((self.bus.logical(msg.subject), msg.data))

    async def _on_intent(self, msg: Msg) -> None:
        batch = self._decode(msg, Family.INTENT)
        if not isinstance(batch, proto.IntentBatch):
            return
        try:
            schedule = self.venue.schedule(batch)
        except Exception as exc:  # a callback's error would be lost: fail the replay
            self._failure = exc
            self._engine_moved.set()
            return
        self._batches_seen += 1
        for at_ms, indices in schedule:
            self._queued += 1
            heapq.heappush(self._pending, (at_ms, self._queued, batch, indices))
        self._engine_moved.set()

    async def _on_engine(self, msg: Msg) -> None:
        progress = self._decode(msg, Family.SYS)
        if isinstance(progress, proto.EngineProgress):
            self._engine = max(self._engine, (progress.tickers, progress.batches))
            self._engine_moved.set()

    async def _on_resync(self, msg: Msg) -> None:
        """The engine's start-up snapshot request, answered as the collector would: the
        snapshot events first, then ``ResyncDone``."""
        request = self._decode(msg, Family.SYS)
        if not isinstance(request, proto.ResyncRequest):
            return
        events = self.venue.snapshot(request.accounts)
        published: dict[str, int] = {}
        for event in events:
            account = proto.account_of(event) or ""
            published[account] = published.get(account, 0) + 1
        await self._publish_now(events)  # a snapshot answers now, whatever live did
        now = self.venue.now_ms
        done = proto.ResyncDone(
            event_id=f"resync_done:{request.event_id}",
            ts_exchange_ms=now,
            ts_local_ns=now * 1_000_000,
            published=published,
        )
        if msg.reply:
            await msg.respond(proto.encode(done))

    # -- the sequence -----------------------------------------------------------------------
    async def _loop(self) -> None:
        every = self.config.progress_every
        while True:
            if not self._ahead:
                self._ahead.append(await self._read())
            item = self._ahead[0]
            if item is None:
                break
            await self._step(item)
            if self._feed.empty() or self.stats.md_events % every == 0:
                await self._progress()
        self._answering.clear()
        await self._wait_engine(self.stats.tickers)
        await self._apply_due(None, due=self.stats.md_events)
        await self._deliver(everything=True)
        await self._progress(done=True)
        self.done.set()
        log.info("simbroker_done", run_id=self.config.run_id, events=self.stats.md_events,
                 batches=self.stats.batches, output=self.output.hexdigest()[:16])  # fmt: skip

    async def _read(self) -> _FeedEvent | None:
        """The feed's next market event; None at its end."""
        while True:
            subject, data = await self._feed.get()
            try:
                parsed = parse(subject)
            except SubjectError:
                continue
            if parsed.family is Family.SYS:
                if parsed.tokens[-1] == "replay_end":
                    return None
                continue
            if parsed.family is not Family.MD:
                continue
            try:
                message = proto.decode(data, Family.MD)
            except proto.ProtoDecodeError as exc:
                self.stats.decode_errors += 1
                log.warning("simbroker_decode_error", subject=subject, reason=exc.reason)
                continue
            assert isinstance(message, proto.TradeFrame | proto.Ticker)
            return _FeedEvent(subject, data, message)

    async def _step(self, item: _FeedEvent) -> None:
        """Forward the feed's next event to the engine, once the venue has matched it and
        every event before live's exchange clock at this point of the stream."""
        clock = item.message.ts_exchange_ms
        if self.delivery is not None:
            clock = max(clock, self.delivery.clock_at(self.stats.md_events))
        ahead = self._ahead
        while True:
            if self._matched < len(ahead):
                nxt = ahead[self._matched]
            elif self._matched >= self.config.max_ahead:
                break
            else:
                nxt = await self._read()
                ahead.append(nxt)
            if nxt is None or (self._matched > 0 and nxt.message.ts_exchange_ms > clock):
                break
            await self._match(nxt, self.stats.md_events + self._matched)
            self._matched += 1
        if clock > item.message.ts_exchange_ms:  # and the intents due by live's clock
            await self._engine_until(clock + 1)
            await self._apply_due(clock + 1, due=self.stats.md_events + self._matched)
        await self._deliver()
        ahead.popleft()
        self._matched -= 1
        message = item.message
        self.input.update(item.subject[self._cut :].encode())
        self.input.update(item.data)
        self.stats.md_events += 1
        self.last_md_ms = max(self.last_md_ms, message.ts_exchange_ms)
        await self._publish_raw(self.config.namespace + item.subject[self._cut :], item.data)
        if isinstance(message, proto.Ticker):
            self.stats.tickers += 1
            self._answering.append((self.stats.tickers, message.ts_exchange_ms))
        await self._deliver()

    async def _match(self, item: _FeedEvent, position: int) -> None:
        """The venue's side of the feed event that goes out as the ``position``-th + 1:
        the intents due before it, then what it does on the venue. What they cause goes
        to the engine after it (before it, the intents' results), or where live's did."""
        ts = item.message.ts_exchange_ms
        await self._engine_until(ts)
        await self._apply_due(ts, due=position)
        if isinstance(item.message, proto.TradeFrame):
            events = self.venue.on_trades(item.message)
        else:
            events = self.venue.on_time(ts)
        await self._publish_all(events, due=position + 1)

    async def _engine_until(self, ts_ms: int) -> None:
        """Before a market event at ``ts_ms``: the engine's answer to every ticker whose
        intents could take effect before it (no intent takes effect sooner than
        ``lookahead_ms`` after its ticker), so the engine works while we go on."""
        answering, horizon = self._answering, ts_ms - self.config.lookahead_ms
        last = 0
        while answering and answering[0][1] < horizon:
            last = answering.popleft()[0]
        if last:
            await self._wait_engine(last)

    async def _wait_engine(self, tickers: int) -> None:
        """Until the engine has reported ``tickers`` and every batch it counted arrived."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.engine_timeout_s
        while self._engine[0] < tickers or self._batches_seen < self._engine[1]:
            if self._failure is not None:
                raise SimBrokerError(f"an intent batch could not be scheduled: {self._failure}")
            self._engine_moved.clear()
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise SimBrokerError(
                    f"engine did not report ticker {tickers} within {self.engine_timeout_s:g} s"
                    f" (it reported {self._engine[0]}; batches {self._batches_seen} of"
                    f" {self._engine[1]})"
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._engine_moved.wait(), remaining)

    async def _apply_due(self, before_ms: int | None, *, due: int) -> None:
        """Every pending intent effective before ``before_ms`` (all: None): one that
        takes effect at ``T`` reaches the venue after every market event stamped ``T``,
        as an exchange accepting it at ``T`` had already matched those."""
        pending = self._pending
        while pending and (before_ms is None or pending[0][0] < before_ms):
            at_ms, _, batch, indices = heapq.heappop(pending)
            if indices[0] == 0:
                self.stats.batches += 1
                self.output.update(proto.encode(batch))
                self.produced.append(batch)
            if batch.account_id not in self.venue.brokers:
                self.stats.foreign_batches += 1
            await self._publish_all(self.venue.execute(batch, at_ms, indices), due=due)

    # -- outbound ---------------------------------------------------------------------------
    async def _publish_all(self, events: list[Any], *, due: int) -> None:
        """Publish ``events`` once ``due`` feed events went out (at once if they did), or
        with a recorded delivery, an event live had a twin of where live's engine learnt
        of that twin: all those due at one point in live's order, then the others."""
        delivery = self.delivery
        leader = None  # the last event live had a twin of: its positions and wallet follow
        for event in events:
            at, seq = due, _UNRECORDED
            if delivery is not None:
                if (twin := delivery.due(event)) is not None:
                    at, seq = leader = twin
                elif leader is not None and isinstance(event, proto.Position | proto.Wallet):
                    at, seq = leader
            self._held_n += 1
            heapq.heappush(self._held, (at, seq, self._held_n, event))
        await self._deliver()

    async def _deliver(self, *, everything: bool = False) -> None:
        """The held events due once the feed events forwarded so far went out."""
        held, forwarded, due = self._held, self.stats.md_events, []
        while held and (everything or held[0][0] <= forwarded):
            due.append(heapq.heappop(held)[3])
        if due:
            await self._publish_now(due)

    async def _publish_now(self, events: list[Any]) -> None:
        ns = self.config.namespace
        self.produced.extend(events)
        for event in events:
            await self._publish_raw(proto.subject_for(ns, event), proto.encode(event))

    async def _publish_raw(self, subject: str, payload: bytes) -> None:
        # The digest leaves the namespace out: two replays of one run compare equal.
        self.output.update(subject[len(self.config.namespace) :].encode())
        self.output.update(payload)
        await self.bus.publish_raw(subject, payload)
        self.stats.published += 1

    async def _progress(self, *, done: bool = False) -> None:
        progress = proto.SimProgress(
            event_id=f"sim_progress:{self.config.run_id}:{self.stats.md_events}:{int(done)}",
            ts_exchange_ms=self.venue.now_ms,
            ts_local_ns=time.time_ns(),
            run_id=self.config.run_id,
            events=self.stats.md_events,
            done=done,
        )
        await self.bus.publish_raw(
            proto.subject_for(self.config.namespace, progress), proto.encode(progress)
        )
