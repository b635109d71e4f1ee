"""One account's worker for one leadership term: intents in, REST out, results back.

Start-up (before any intent is taken): subscribe to the account stream, reconcile the
open orders and positions over REST, fetch the wallet; then subscribe to the account's
intents in the queue group ``executor-{account}``, and announce
``ExecutorLease(active=True)``. Batches pass through a bounded queue (a full queue
blocks the NATS callback: backpressure, never unbounded) and are executed one at a time:
stale check, then all cancels and then all places, each group in engine order. Every
intent gets one ``ExecResult`` or ``ExecReject``. Reconciliation repeats every
``reconcile_interval_s`` between batches.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from nats.aio.subscription import Subscription

import proto
from bus import Bus
from bybit import BybitError, BybitHttpClient, ClientState
from execution import gates
from execution.gates import Verdict
from proto import CancelIntent, IntentBatch, OrderUpdate, PlaceIntent, Position, Wallet, subjects
from services.executor.breaker import CircuitBreaker
from services.executor.clock import Clock
from services.executor.config import ExecutorAccount, ExecutorConfig
from services.executor.execution import AccountExecution
from services.executor.orders import OrderBook
from services.executor.outbox import Outbox
from services.executor.rest import Aborted
from services.executor.stats import ExecutorStats
from services.executor.wallet import WalletCache

log = structlog.get_logger(__name__)


class AccountWorker:
    def __init__(
        self,
        bus: Bus,
        account: ExecutorAccount,
        config: ExecutorConfig,
        *,
        clock: Clock,
        breaker: CircuitBreaker,
        stats: ExecutorStats,
        term: int = 0,
    ) -> None:
        self.bus = bus
        self.account = account
        self.account_id = account.account_id
        self.config = config
        self.clock = clock
        self.stats = stats
        self.term = term
        self.ready = asyncio.Event()  # reconciled and taking intents
        self._log = log.bind(account=self.account_id, instance=config.instance)
        self._queue: asyncio.Queue[IntentBatch] = asyncio.Queue(config.queue_size)
        self._stop = asyncio.Event()
        self._demoted = False
        self._stepped_down = False
        self._intent_sub: Subscription | None = None
        self._acct_subs: list[Subscription] = []
        self._reconciles = 0
        self._http = BybitHttpClient(account.bybit)
        self.outbox = Outbox(bus, config, self.account_id, clock=clock, stats=stats, log=self._log)
        self.execution = AccountExecution(
            self._http,
            config,
            clock=clock,
            breaker=breaker,
            stats=stats,
            outbox=self.outbox,
            aborted=lambda: self._demoted,
            log=self._log,
        )

    @property
    def book(self) -> OrderBook:
        return self.execution.book

    @property
    def wallet(self) -> WalletCache:
        return self.execution.wallet

    # ------------------------------------------------------------------ lifecycle

    async def run(self) -> None:
        """Serve until :meth:`request_stop` or :meth:`demote`; always cleans up."""
        async with contextlib.AsyncExitStack() as stack:
            stack.push_async_callback(self._http.close)
            acks = asyncio.create_task(self.outbox.run_acks(), name=f"acks-{self.account_id}")
            stack.push_async_callback(self._stop_acks, acks)
            stack.push_async_callback(self._unsubscribe_account)
            await self._subscribe_account()
            if not await self._start_up():
                return
            stack.push_async_callback(self.step_down)
            self._intent_sub = await self.bus.subscribe(
                f"{subjects.namespace(self.config.namespace)}.intent.{self.account_id}.*",
                self._on_intent,
                family=proto.Family.INTENT,
                queue=f"executor-{self.account_id}",
                pending_msgs_limit=10_000,
            )
            await self.bus.flush()  # the server has our subscription before we say so
            await self.outbox.lease(active=True, term=self.term)
            self.ready.set()
            self._log.info("executor_worker_ready", term=self.term, orders=len(self.book))
            await self._serve()

    async def _stop_acks(self, acks: asyncio.Task[None]) -> None:
        await self.outbox.close(self.config.stop_grace_s)
        acks.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await acks

    def request_stop(self) -> None:
        """Graceful: finish the batch in progress, then stop."""
        self._stop.set()

    async def demote(self) -> None:
        """The lease is lost: stop taking intents now, abort between REST attempts."""
        self._demoted = True
        self._stop.set()
        await self.step_down()

    async def step_down(self) -> None:
        """Unsubscribe from intents first, then announce ``active=False`` (once)."""
        if self._stepped_down:
            return
        self._stepped_down = True
        self.ready.clear()
        sub, self._intent_sub = self._intent_sub, None
        if sub is not None:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        await self.outbox.lease(active=False, term=self.term)

    async def _start_up(self) -> bool:
        """Reconcile before taking intents, retrying with backoff until stopped."""
        delays = self.config.retry_backoff_s
        attempt = 0
        while not self._stop.is_set():
            try:
                if self._http.state is ClientState.NEW:
                    await self._http.open()
                await self.reconcile()
                return True
            except BybitError as exc:
                self.stats.reconcile_errors += 1
                self._log.warning("executor_startup_reconcile_failed", error=str(exc))
            delay = delays[min(attempt, len(delays) - 1)] * 2 ** max(attempt - len(delays), 0)
            attempt += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), min(delay, 30.0))
        return False

    async def _serve(self) -> None:
        interval = self.config.reconcile_interval_s
        next_reconcile = self.clock.monotonic() + interval
        while not self._stop.is_set():
            wait = min(self.config.idle_poll_s, max(next_reconcile - self.clock.monotonic(), 0))
            try:
                batch = await asyncio.wait_for(self._queue.get(), wait)
            except TimeoutError:
                batch = None
            if batch is not None:
                await self.process(batch)
            if self.clock.monotonic() >= next_reconcile and not self._stop.is_set():
                try:
                    await self.reconcile()
                except BybitError as exc:
                    self.stats.reconcile_errors += 1
                    self._log.warning("executor_reconcile_failed", error=str(exc))
                next_reconcile = self.clock.monotonic() + interval

    async def reconcile(self) -> proto.ReconcileReport:
        """Reconcile with the exchange and publish the report."""
        diff = await self.execution.reconcile()
        self._reconciles += 1
        s = self.stats
        s.reconciles += 1
        s.adopted += len(diff.adopted)
        s.orphans += len(diff.orphans)
        s.missing += len(diff.missing)
        if self._reconciles == 1 or diff.adopted or diff.orphans or diff.missing:
            (self._log.warning if diff.missing else self._log.info)(
                "executor_reconciled",
                open_orders=diff.open_orders,
                adopted=diff.adopted,
                orphans=diff.orphans,
                missing=diff.missing,
                dropped_unknown=diff.dropped_unknown,
            )
        return await self.outbox.report(diff, term=self.term, seq=self._reconciles)

    # ------------------------------------------------------------------ bus input

    async def _subscribe_account(self) -> None:
        for kind in ("order", "position", "wallet"):
            sub = await self.bus.subscribe(
                subjects.acct(self.config.namespace, self.account_id, kind),
                self._on_account,
                family=proto.Family.ACCT,
            )
            self._acct_subs.append(sub)

    async def _unsubscribe_account(self) -> None:
        subs, self._acct_subs = self._acct_subs, []
        for sub in subs:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def _on_intent(self, subject: str, message: proto.Message) -> None:
        if (
            not isinstance(message, IntentBatch)
            or message.account_id != self.account_id
            or self._demoted
        ):
            self.stats.ignored_batches += 1
            return
        if self._queue.full():
            self.stats.queue_full += 1
            if self.stats.queue_full % 100 == 1:
                self._log.warning("executor_queue_full", size=self._queue.qsize())
        await self._queue.put(message)

    async def _on_account(self, subject: str, message: proto.Message) -> None:
        if getattr(message, "account_id", None) != self.account_id:
            return
        now = self.clock.time_ns()
        match message:
            case OrderUpdate():
                if self.book.apply_update(message, now):
                    self.execution.latch(message.symbol)
            case Position():
                self.book.apply_position(message, now)
            case Wallet(coin=coin, available_balance=available):
                if coin == self.config.settle_coin:
                    self.wallet.put(available)

    # ------------------------------------------------------------------ batches

    async def process(self, batch: IntentBatch) -> None:
        """Execute one batch: cancels first, then places, each answered on the bus."""
        self.stats.batches += 1
        self.stats.intents += len(batch.intents)
        if batch.account_id != self.account_id:
            self.stats.ignored_batches += 1
            return
        now = self.clock.time_ns()
        if gates.is_stale(batch.ts_local_ns, now, self.config.stale_intent_s):
            verdict = Verdict(
                proto.RejectReason.STALE, f"batch is {(now - batch.ts_local_ns) / 1e9:.1f} s old"
            )
            for i, intent in enumerate(batch.intents):
                await self.outbox.emit(self.outbox.reject(batch, i, intent, verdict))
            return
        shadow = batch.shadow or batch.strategy_id in self.account.shadow_strategies
        ordered = [(i, x) for i, x in enumerate(batch.intents) if isinstance(x, CancelIntent)]
        ordered += [(i, x) for i, x in enumerate(batch.intents) if isinstance(x, PlaceIntent)]
        try:
            await self._execute_in_order(batch, ordered, shadow)
        finally:
            await self.outbox.flush()

    async def _execute_in_order(
        self,
        batch: IntentBatch,
        ordered: list[tuple[int, CancelIntent | PlaceIntent]],
        shadow: bool,
    ) -> None:
        for index, intent in ordered:
            if self._demoted:
                self._log.warning("executor_batch_abandoned", batch=batch.event_id, at=index)
                return
            try:
                if shadow:
                    outcome = self.execution.shadow(batch, index, intent)
                else:
                    outcome = await self.execution.execute(batch, index, intent)
            except Aborted:
                self._log.warning("executor_batch_abandoned", batch=batch.event_id, at=index)
                return
            except Exception as exc:  # a bad field or a bug: answer it, keep serving
                self._log.exception("executor_intent_failed", batch=batch.event_id, index=index)
                verdict = Verdict(proto.RejectReason.EXCHANGE, f"{type(exc).__name__}: {exc}")
                outcome = self.outbox.reject(batch, index, intent, verdict)
            await self.outbox.emit_pipelined(outcome)
