"""The comparator service: judges every seeded replay as it finishes (V-13/V-14).

It listens for ``ReplayFinished`` on ``replay.*.sys.seeded_replay.replay_finished``,
looks the run up in ``runs`` (owner, seed point, manifest) and judges each strategy the
replay traded against the namespace it replayed, exactly as ``gridtwin check`` does
(``judge_stored.judge_strategy``): the files and report.html under
``{out_dir}/{run_id}/{account}-{symbol}``, a row in ``comparisons`` (V-21), and a
``ComparisonDone`` on ``{ns}.sys.comparator.comparison_done``.

Runs are judged one at a time off a bounded queue; the subscription callback only
enqueues, so a slow comparison never stalls the bus client, and a full queue drops the
newest (counted). Bad input (a payload that does not decode, a run ``runs`` does not
know) and a comparison that raises are logged and counted; the service goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

import asyncpg
import msgspec
import structlog
from nats.aio.msg import Msg

import proto
import tenants
from bus import Bus
from compare import CompareOptions, Thresholds, load_thresholds
from services.comparator.config import ComparatorConfig
from services.comparator.judge_stored import Replayed, StrategyVerdict, judge_strategy
from tenants import RunRow

__all__ = ["SUBJECT", "Comparator", "ComparatorStats"]

log = structlog.get_logger(__name__)

#: Every seeded replay's end, whatever its run.
SUBJECT = "replay.*.sys.seeded_replay.replay_finished"


class ComparatorStats(msgspec.Struct, kw_only=True):
    #: Messages heard on ``SUBJECT``.
    received: int = 0
    #: Payloads that are not a ``ReplayFinished`` of their subject's namespace.
    bad_messages: int = 0
    #: Finished replays dropped because the queue was full.
    dropped: int = 0
    #: ``ReplayFinished`` of a run ``runs`` has no finished seeded replay of.
    unknown_runs: int = 0
    #: Runs whose every strategy was tried.
    runs: int = 0
    #: Comparisons stored and announced, by status.
    comparisons: int = 0
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    #: Comparisons (or run look-ups) that raised or timed out: nothing stored, nothing
    #: announced.
    errors: int = 0
    #: ``ComparisonDone`` that could not be published (the comparison is stored).
    publish_errors: int = 0


class Comparator:
    def __init__(
        self, bus: Bus, pool: asyncpg.Pool, config: ComparatorConfig | None = None
    ) -> None:
        self.bus = bus
        self.pool = pool
        self.config = config or ComparatorConfig()
        self.stats = ComparatorStats()
        #: Absolute, so what ``comparisons`` and ``ComparisonDone`` name is findable.
        self.out_dir = Path(self.config.out_dir).resolve()
        #: Subscribed: a replay finishing from now on is judged.
        self.ready = asyncio.Event()
        self.options = CompareOptions(match=self.config.match)
        # Read once, at start: a bad file stops the service before it listens.
        self.thresholds: Thresholds | None = (
            load_thresholds(self.config.thresholds) if self.config.thresholds else None
        )
        self._queue: asyncio.Queue[proto.ReplayFinished] = asyncio.Queue(self.config.queue_size)

    @property
    def queued(self) -> int:
        return self._queue.qsize()

    async def run(self, stop: asyncio.Event) -> None:
        """Judge finished replays until ``stop``; a run being judged is finished first,
        runs still queued are left (logged)."""
        sub = await self.bus.nc.subscribe(self.bus.wire(SUBJECT), cb=self._on_msg)
        self.ready.set()
        log.info("comparator_started", subject=SUBJECT, out_dir=str(self.out_dir))
        try:
            while (event := await self._next(stop)) is not None:
                await self._judge_run(event)
        finally:
            self.ready.clear()
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        if self._queue.qsize():
            log.warning("comparator_stopped_with_queued_runs", runs=self._queue.qsize())
        log.info("comparator_stopped", **msgspec.structs.asdict(self.stats))

    # -- inbound ----------------------------------------------------------------------------
    async def _on_msg(self, msg: Msg) -> None:
        self.stats.received += 1
        subject = self.bus.logical(msg.subject)
        try:
            event = proto.decode(msg.data, proto.Family.SYS)
            if not isinstance(event, proto.ReplayFinished):
                raise ValueError(f"a {proto.kind(event)}, not a replay_finished")
            if proto.subject_for(event.ns, event) != subject:  # SubjectError: a bad ns
                raise ValueError(f"announces namespace {event.ns!r} on another's subject")
        except ValueError as exc:  # ProtoDecodeError and SubjectError are ValueErrors
            self.stats.bad_messages += 1
            log.warning("comparator_bad_message", subject=subject, reason=str(exc))
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.stats.dropped += 1
            log.error("comparator_queue_full", run_id=event.run_id, queued=self._queue.qsize())

    async def _next(self, stop: asyncio.Event) -> proto.ReplayFinished | None:
        """The next queued run, or None once ``stop`` is set."""
        if stop.is_set():
            return None
        getting = asyncio.ensure_future(self._queue.get())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({getting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if getting.done():
            return getting.result()
        getting.cancel()  # Queue.get gives up its place without losing an item
        return None

    # -- judging ----------------------------------------------------------------------------
    async def _judge_run(self, event: proto.ReplayFinished) -> None:
        try:
            async with asyncio.timeout(self.config.lookup_timeout_s), self.pool.acquire() as conn:
                run = await tenants.find_run(conn, event.run_id)
        except Exception as exc:  # the database away: this run is lost, not the service
            self.stats.errors += 1
            log.error("comparator_lookup_failed", run_id=event.run_id, reason=_why(exc))
            return
        replayed = replayed_of(event, run)
        if isinstance(replayed, str):
            self.stats.unknown_runs += 1
            log.warning("comparator_unknown_run", run_id=event.run_id, reason=replayed)
            return
        root = self.out_dir / event.run_id
        for account, symbol in event.strategies:
            verdict = await self._judge_strategy(replayed, account, symbol, root)
            if verdict is not None:
                await self._announce(replayed, verdict)
        self.stats.runs += 1

    async def _judge_strategy(
        self, replayed: Replayed, account: str, symbol: str, root: Path
    ) -> StrategyVerdict | None:
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.config.judge_timeout_s), self.pool.acquire() as conn:
                verdict = await judge_strategy(
                    conn, replayed, account, symbol, root,
                    options=self.options, thresholds=self.thresholds,
                )  # fmt: skip
        except Exception as exc:
            self.stats.errors += 1
            log.error("comparator_comparison_failed", run_id=replayed.run_id, account=account,
                      symbol=symbol, reason=_why(exc), exc_info=exc)  # fmt: skip
            return None
        self.stats.comparisons += 1
        status = verdict.verdict.status
        if status == "PASS":
            self.stats.passed += 1
        elif status == "FAIL":
            self.stats.failed += 1
        else:
            self.stats.skipped += 1
        log.info("comparator_judged", run_id=replayed.run_id, account=account, symbol=symbol,
                 status=status, reason=verdict.verdict.reason, out=verdict.out,
                 comparison_id=str(verdict.comparison_id),
                 seconds=round(time.monotonic() - started, 3))  # fmt: skip
        return verdict

    async def _announce(self, replayed: Replayed, v: StrategyVerdict) -> None:
        done = proto.ComparisonDone(
            event_id=f"comparison_done:{replayed.run_id}:{v.account}:{v.symbol}",
            ts_exchange_ms=replayed.end_ms,
            ts_local_ns=time.time_ns(),
            run_id=replayed.run_id,
            account_id=v.account,
            symbol=v.symbol,
            status=v.verdict.status,
            exit_code=v.verdict.exit_code,
            comparison_id=str(v.comparison_id),
            out_dir=v.out,
            reason=v.verdict.reason,
        )
        try:
            await self.bus.publish(replayed.ns, done)
        except Exception as exc:  # stored already: a lost announcement is only logged
            self.stats.publish_errors += 1
            log.error("comparator_publish_failed", run_id=replayed.run_id, reason=_why(exc))


def replayed_of(event: proto.ReplayFinished, run: RunRow | None) -> Replayed | str:
    """The run to judge, or why ``event`` names none: it must be a finished seeded
    replay of ``event``'s namespace, registered to a user."""
    if run is None:
        return "no such run"
    if run.kind != "replay" or run.ns != event.ns or run.source_ns != event.source_ns:
        return f"run is a {run.kind} of {run.ns} from {run.source_ns}, not a replay of {event.ns}"
    if run.status != "finished":
        return f"run is {run.status}, not finished"
    after_seq = run.params.get("after_seq")
    if not isinstance(after_seq, int) or isinstance(after_seq, bool):
        return "not a seeded replay (no seed point in its params)"
    if run.user_id is None:
        return "run has no owner"
    return Replayed(
        run_id=run.run_id, ns=run.ns, source_ns=event.source_ns, start_ms=event.start_ms,
        end_ms=event.end_ms, after_seq=after_seq, fill_model=event.fill_model,
        latency=event.latency, owner=run.user_id,
        manifest={"run_id": run.run_id, "ns": run.ns, **run.params},
    )  # fmt: skip


def _why(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
