"""The engine: bus events in, intent batches out, for every strategy of a namespace."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec
import structlog
from nats.aio.msg import Msg

import proto
from bus import MSG_ID, Bus
from gridcore import GridLevel
from gridcore.rounding import price_text
from proto.subjects import Family, SubjectError, parse
from runner import Instrument, PendingIntents, PendingState, StrategyRunner
from services.engine.config import EngineConfig
from services.engine.persist import GridStateWriter, SaveGrid
from tenants.models import StrategySpec

log = structlog.get_logger(__name__)

_WANTED = frozenset((Family.MD, Family.ACCT, Family.EXEC))
_RESYNC_RESEND_S = 1.0


class EngineStats(msgspec.Struct, kw_only=True):
    events: int = 0
    tickers: int = 0
    tickers_before_ready: int = 0
    batches: int = 0
    intents: int = 0
    decode_errors: int = 0
    strategy_errors: int = 0
    resyncs: int = 0
    resync_failures: int = 0


class Engine:
    """Runs one :class:`StrategyRunner` per strategy.

    One subscription to ``{ns}.>`` keeps the order in which NATS delivers the
    collector's and executor's messages, so tickers, fills and order updates reach
    gridcore in the same order live and in replay. Until the collector's snapshot of
    open orders, positions and wallets has arrived (or ``resync_timeout_s`` passed),
    tickers are not acted on: a restarted engine must see the book it left before it
    decides what is missing.
    """

    def __init__(
        self,
        bus: Bus,
        config: EngineConfig,
        strategies: Sequence[StrategySpec],
        instruments: Mapping[str, Instrument],
        *,
        saved_grids: Mapping[str, dict[str, Any]] | None = None,
        pending_states: Mapping[str, PendingState] | None = None,
        save_grid: SaveGrid | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bus = bus
        self.config = config
        self.stats = EngineStats()
        self.ready = asyncio.Event()
        self.failed: dict[str, str] = {}
        self._writer = GridStateWriter(save_grid, config.persist_interval_s) if save_grid else None
        self._grid_changes: dict[str, tuple[tuple[GridLevel, ...], int | None]] = {}
        self._grid_published: dict[str, str] = {}
        self._tickers_seen = 0
        self._exchange_ms = 0
        self._recorded_ns = 0
        if config.lockstep:
            clock = self._recorded_clock
        saved = saved_grids or {}
        self.runners: dict[str, StrategyRunner] = {}
        for spec in strategies:
            instrument = instruments.get(spec.symbol)
            if instrument is None:
                self._fail(spec.strategy_id, f"symbol: no instrument info for {spec.symbol}")
                continue
            pending = PendingIntents(config.inflight_timeout_s, config.reject_backoff_s, clock)
            if pending_states and spec.strategy_id in pending_states:
                pending.restore(pending_states[spec.strategy_id])  # a seeded replay's
            try:
                runner = StrategyRunner(
                    spec,
                    instrument,
                    pending=pending,
                    saved_document=saved.get(spec.strategy_id),
                    on_grid_change=self._grid_changed,
                    clock_ns=self._now_ns,
                )
            except ValueError as exc:
                self._fail(spec.strategy_id, str(exc))
                continue
            if self._writer is not None:
                self._writer.track(spec.strategy_id, runner.grid_config)
            self.runners[spec.strategy_id] = runner
        self._by_symbol: dict[str, list[StrategyRunner]] = defaultdict(list)
        self._by_account: dict[str, list[StrategyRunner]] = defaultdict(list)
        self._by_key: dict[tuple[str, str], StrategyRunner] = {}
        for runner in self.runners.values():
            self._by_symbol[runner.spec.symbol].append(runner)
            self._by_account[runner.spec.account_id].append(runner)
            self._by_key[(runner.spec.account_id, runner.spec.symbol)] = runner

    def _now_ns(self) -> int:
        """Local time stamped on what the engine publishes; exchange time in lockstep, so
        two replays of one recording publish identical bytes."""
        return self._exchange_ms * 1_000_000 if self.config.lockstep else time.time_ns()

    def _recorded_clock(self) -> float:
        """Seconds on the recording's own clock: the local time at which live received
        the latest market event (its exchange time when none is stamped), so a replay's
        in-flight and reject timeouts fire where live's wall-clock ones did, however fast
        the replay runs."""
        return (self._recorded_ns or self._exchange_ms * 1_000_000) / 1e9

    def _fail(self, strategy_id: str, reason: str) -> None:
        self.failed[strategy_id] = reason
        log.error("strategy_rejected", strategy=strategy_id, reason=reason)

    @property
    def accounts(self) -> list[str]:
        return sorted(self._by_account)

    async def run(self, stop: asyncio.Event) -> None:
        ns = self.config.namespace
        sub = await self.bus.nc.subscribe(
            self.bus.wire(f"{ns}.>"), cb=self._on_msg, pending_msgs_limit=500_000
        )
        try:
            async with asyncio.TaskGroup() as tasks:
                if self._writer is not None:
                    tasks.create_task(self._writer.run(stop))
                await self.resync()
                await stop.wait()
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
            if self._writer is not None:
                await self._writer.flush()

    async def resync(self) -> None:
        """Ask the collector to re-publish the accounts' state; trade once it has."""
        request = proto.ResyncRequest(
            event_id=f"resync:{self.config.instance}:{uuid.uuid4().hex}",
            ts_exchange_ms=time.time_ns() // 1_000_000,
            ts_local_ns=time.time_ns(),
            requester=self.config.instance,
            accounts=self.accounts,
        )
        self.stats.resyncs += 1
        try:
            # Re-sent every second: a collector that was not subscribed yet (both start
            # together) misses a request, and one miss must not idle every strategy.
            done = await self.bus.request(
                self.config.namespace,
                request,
                proto.ResyncDone,
                family=Family.SYS,
                timeout=self.config.resync_timeout_s,
                resend_every=_RESYNC_RESEND_S,
            )
            assert isinstance(done, proto.ResyncDone)
            if done.failed:
                log.warning("resync_partial", failed=done.failed)
            log.info("resync_done", published=done.published)
        except Exception as exc:  # trading continues; the executor's gates still protect
            self.stats.resync_failures += 1
            log.warning("resync_failed", error=str(exc) or type(exc).__name__)
        self.ready.set()

    async def _on_msg(self, msg: Msg) -> None:
        subject = self.bus.logical(msg.subject)
        try:
            parsed = parse(subject)
        except SubjectError:
            return
        family = parsed.family
        if family not in _WANTED:
            return
        ticker = family is Family.MD and parsed.tokens[2] == "ticker"
        try:
            await self._handle(msg.data, subject, parsed.family, parsed.tokens, ticker)
        finally:
            if ticker and self.config.lockstep:
                self._tickers_seen += 1
                await self._publish_progress()

    async def _handle(
        self, data: bytes, subject: str, family: Family, tokens: tuple[str, ...], ticker: bool
    ) -> None:
        if family is Family.MD:
            if not ticker or tokens[1] not in self._by_symbol:
                return
        elif tokens[0] not in self._by_account:
            return
        try:
            message = proto.decode(data, family)
        except proto.ProtoDecodeError as exc:
            self.stats.decode_errors += 1
            log.warning("engine_decode_error", subject=subject, reason=exc.reason)
            return
        self.stats.events += 1
        self._exchange_ms = max(self._exchange_ms, message.ts_exchange_ms)
        if family is Family.MD:
            self._recorded_ns = max(self._recorded_ns, message.ts_local_ns)
        if isinstance(message, proto.Ticker):
            await self._on_ticker(message)
        else:
            self._dispatch(message)
        if self._grid_changes:
            await self._publish_grids()

    async def _publish_progress(self) -> None:
        progress = proto.EngineProgress(
            event_id=f"engine_progress:{self.config.instance}:{self._tickers_seen}",
            ts_exchange_ms=self._exchange_ms,
            ts_local_ns=self._now_ns(),
            instance=self.config.instance,
            tickers=self._tickers_seen,
            batches=self.stats.batches,
        )
        await self.bus.publish_raw(
            proto.subject_for(self.config.namespace, progress), proto.encode(progress)
        )

    async def _on_ticker(self, ticker: proto.Ticker) -> None:
        self.stats.tickers += 1
        if not self.ready.is_set():
            self.stats.tickers_before_ready += 1
            return
        for runner in self._by_symbol[ticker.symbol]:
            try:
                batch = runner.on_ticker(ticker)
            except Exception as exc:  # one strategy must not stop the rest
                self._strategy_error(runner, exc)
                continue
            if batch is None:
                continue
            self.stats.batches += 1
            self.stats.intents += len(batch.intents)
            await self.bus.publish_raw(
                proto.subject_for(self.config.namespace, batch),
                proto.encode(batch),
                headers={MSG_ID: batch.event_id},
            )

    def _grid_changed(
        self, strategy_id: str, levels: tuple[GridLevel, ...], ts: int | None
    ) -> None:
        if self._writer is not None:
            self._writer.changed(strategy_id, levels, ts)
        self._grid_changes[strategy_id] = (levels, ts)

    async def _publish_grids(self) -> None:
        """Every grid change on ``{ns}.sys.engine.grid_state`` (captured and recorded),
        so a replay can start from the grid live had at its window start."""
        changes, self._grid_changes = self._grid_changes, {}
        for strategy_id, (levels, ts) in changes.items():
            runner = self.runners.get(strategy_id)
            if runner is None:
                continue
            pairs = [(level.side, price_text(level.price)) for level in levels]
            digest = hashlib.sha256(repr(pairs).encode()).hexdigest()[:16]
            if self._grid_published.get(strategy_id) == digest:
                continue
            self._grid_published[strategy_id] = digest
            now_ns = self._now_ns()
            state = proto.GridState(
                event_id=f"grid:{strategy_id}:{ts}:{digest}",
                ts_exchange_ms=ts if ts is not None else now_ns // 1_000_000,
                ts_local_ns=now_ns,
                strategy_id=strategy_id,
                account_id=runner.spec.account_id,
                symbol=runner.spec.symbol,
                levels=pairs,
                grid_step=runner.grid_config.grid_step,
                grid_count=runner.grid_config.grid_count,
            )
            await self.bus.publish_raw(
                proto.subject_for(self.config.namespace, state),
                proto.encode(state),
                headers={MSG_ID: state.event_id},
            )

    def _dispatch(self, message: proto.Message) -> None:
        account = proto.account_of(message)
        if isinstance(message, proto.Wallet):
            for runner in self._by_account.get(account or "", ()):
                runner.on_wallet(message)
            return
        runner = self._by_key.get((account or "", proto.symbol_of(message) or ""))
        if runner is None:
            return
        try:
            match message:
                case proto.OrderUpdate():
                    runner.on_order(message)
                case proto.Execution():
                    runner.on_execution(message)
                case proto.Position():
                    runner.on_position(message)
                case proto.ExecResult() | proto.ExecReject():
                    runner.on_result(message)
        except Exception as exc:
            self._strategy_error(runner, exc)

    def _strategy_error(self, runner: StrategyRunner, exc: Exception) -> None:
        self.stats.strategy_errors += 1
        log.exception("strategy_error", strategy=runner.spec.strategy_id, error=str(exc))
