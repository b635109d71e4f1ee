"""The executor process: for each configured account, hold its lease or stand by.

Every replica runs the same loop per account: try to create the account's lease key; the
winner starts an :class:`AccountWorker` (reconcile, then intents) and renews the lease
every ``lease_renew_s``; the others retry ``create`` at that period. A lost or expired
renewal demotes the worker at once (intent subscription dropped first, then
``ExecutorLease(active=False)``). A graceful stop finishes the batch in progress while
still renewing, then deletes the key so a standby takes over immediately. A crash leaves
the key to expire after ``lease_ttl_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Sequence

import structlog

from alerts import Alerts
from bus import Bus, BusError
from services.executor.breaker import CircuitBreaker
from services.executor.clock import Clock, SystemClock
from services.executor.config import ExecutorAccount, ExecutorConfig
from services.executor.lease import Lease, LeaseBucket, bucket_name, lease_key
from services.executor.stats import ExecutorStats
from services.executor.worker import AccountWorker

log = structlog.get_logger(__name__)


class Executor:
    """``await Executor(bus, accounts, config).run(stop)`` serves until ``stop`` is set."""

    def __init__(
        self,
        bus: Bus,
        accounts: Sequence[ExecutorAccount],
        config: ExecutorConfig | None = None,
        *,
        clock: Clock | None = None,
        alerts: Alerts | None = None,
    ) -> None:
        ids = [a.account_id for a in accounts]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate account ids: {ids}")
        self.bus = bus
        self.accounts = tuple(accounts)
        self.config = config or ExecutorConfig()
        self.clock = clock or SystemClock()
        self.stats = ExecutorStats()
        self.alerts = alerts  # None: nothing is sent
        self._workers: dict[str, AccountWorker] = {}
        self._leases: dict[str, Lease] = {}
        self._breakers = {
            a.account_id: CircuitBreaker(
                self.config.breaker_threshold,
                self.config.breaker_cooldowns_s,
                self.clock.monotonic,
                on_trip=functools.partial(self._breaker_tripped, a.account_id),
            )
            for a in accounts
        }
        self._log = log.bind(instance=self.config.instance, ns=self.config.namespace)

    @property
    def leading(self) -> frozenset[str]:
        """Accounts whose worker is reconciled and taking intents in this process."""
        return frozenset(a for a, w in self._workers.items() if w.ready.is_set())

    def healthy(self, stuck_s: float = 5.0) -> bool:
        """False while some account's lease bucket has not answered for ``stuck_s``: such
        a replica can neither lead nor know who does (alive but idle is not healthy)."""
        now = time.monotonic()
        return all(
            lease.failing_since is None or now - lease.failing_since < stuck_s
            for lease in self._leases.values()
        )

    def worker(self, account_id: str) -> AccountWorker | None:
        return self._workers.get(account_id)

    def breaker(self, account_id: str) -> CircuitBreaker:
        return self._breakers[account_id]

    def _breaker_tripped(self, account_id: str) -> None:
        if self.alerts is None:
            return
        breaker = self._breakers[account_id]
        self.alerts.fire(
            f"breaker:{account_id}",
            f"circuit breaker open for {account_id}",
            f"trip {breaker.trips}, next probe in {breaker.retry_in_s():.0f} s",
            severity="critical",
        )

    async def run(self, stop: asyncio.Event) -> None:
        try:
            await self.bus.ensure_stream()
        except BusError as exc:  # results still go out on core NATS
            self._log.warning("executor_stream_unavailable", error=str(exc))
        bucket = bucket_name(self.bus.config.prefix, self.config.lease_bucket)
        leases = await LeaseBucket.open(self.bus.js, bucket, self.config.lease_ttl_s)
        self.lease_bucket = leases
        ttl_s = (await leases.kv.status()).ttl or 0.0
        if ttl_s != self.config.lease_ttl_s:  # another replica created it: its TTL rules
            self._log.warning(
                "executor_lease_ttl_differs",
                bucket_ttl_s=ttl_s,
                config_ttl_s=self.config.lease_ttl_s,
            )
        if not self.config.lease_renew_s < ttl_s:
            raise ValueError(f"lease bucket {bucket} has ttl {ttl_s} s: must exceed lease_renew_s")
        self._log.info(
            "executor_started", accounts=[a.account_id for a in self.accounts], bucket=bucket
        )
        async with asyncio.TaskGroup() as tg:
            for account in self.accounts:
                tg.create_task(self._account_loop(account, leases, ttl_s, stop))
        self._log.info("executor_stopped", placed=self.stats.placed, rejected=self.stats.rejected)

    async def _account_loop(
        self, account: ExecutorAccount, leases: LeaseBucket, ttl_s: float, stop: asyncio.Event
    ) -> None:
        cfg = self.config
        lease = Lease(
            leases,
            lease_key(cfg.namespace, account.account_id),
            cfg.instance,
            ttl_s=ttl_s,
            renew_s=cfg.lease_renew_s,
        )
        self._leases[account.account_id] = lease
        lost_at: float | None = None  # lost here, and nobody seen to take it over since
        while not stop.is_set():
            try:
                if await lease.try_acquire():
                    lost = await self._lead(account, lease, stop)
                    lost_at = time.monotonic() if lost else None
                elif lease.failing_since is None:  # the bucket answered: another replica leads
                    lost_at = None
                elif lost_at is not None and time.monotonic() - lost_at > ttl_s:
                    lost_at = None  # once per loss
                    self._lease_untaken(account.account_id, ttl_s)
            except Exception:  # never let one account's trouble stop the others
                self._log.exception("executor_account_loop_error", account=account.account_id)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), cfg.lease_renew_s)

    def _lease_untaken(self, account_id: str, ttl_s: float) -> None:
        self._log.warning("executor_lease_untaken", account=account_id)
        if self.alerts is not None:
            self.alerts.fire(
                f"lease:{account_id}",
                f"no executor leads {account_id}",
                f"lease lost and no replica seen taking it over for more than {ttl_s:.0f} s",
                severity="critical",
            )

    async def _lead(self, account: ExecutorAccount, lease: Lease, stop: asyncio.Event) -> bool:
        """Run a worker while the lease holds; release it on a graceful end. True when
        the lease was lost."""
        cfg, account_id = self.config, account.account_id
        self.stats.lease_acquired += 1
        self._log.info("executor_lease_acquired", account=account_id, revision=lease.revision)
        worker = AccountWorker(
            self.bus,
            account,
            cfg,
            clock=self.clock,
            breaker=self._breakers[account_id],
            stats=self.stats,
            term=lease.revision,
        )
        self._workers[account_id] = worker
        self.stats.leading += 1
        task = asyncio.create_task(worker.run(), name=f"executor-worker-{account_id}")
        stopping = asyncio.create_task(stop.wait())
        deadline: float | None = None
        lost = False
        try:
            next_renew = time.monotonic() + cfg.lease_renew_s
            while not task.done():
                waiting = {task} if deadline is not None else {task, stopping}
                timeout = max(next_renew - time.monotonic(), 0)
                await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                if task.done():
                    break
                if deadline is None and stop.is_set():
                    worker.request_stop()  # finish the batch in progress, keep renewing
                    deadline = time.monotonic() + cfg.stop_grace_s
                if deadline is not None and time.monotonic() > deadline:
                    self._log.warning("executor_stop_grace_exceeded", account=account_id)
                    break
                if time.monotonic() >= next_renew:
                    next_renew = time.monotonic() + cfg.lease_renew_s
                    if await lease.renew() is False or not lease.valid():
                        lost = True
                        break
            if lost:
                lease.forget()
                self.stats.lease_lost += 1
                self._log.warning("executor_lease_lost", account=account_id)
                await worker.demote()  # intents unsubscribed, active=False announced
                await asyncio.wait({task}, timeout=cfg.stop_grace_s)
        finally:
            stopping.cancel()
            if not task.done():
                task.cancel()
                await asyncio.wait({task})  # never swallows a cancellation of our own
            self._workers.pop(account_id, None)
            self.stats.leading -= 1
        if not task.cancelled() and task.exception() is not None:
            self._log.error("executor_worker_failed", account=account_id, exc_info=task.exception())
        if not lost:
            await lease.release()
            self.stats.lease_released += 1
            self._log.info("executor_lease_released", account=account_id)
        return lost
