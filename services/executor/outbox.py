"""Everything a worker says on the bus: results, rejects, lease changes, reconciliations.

Event ids are deterministic: ``{batch.event_id}:{index}`` for the answer to intent
``index`` of a batch, so a batch delivered again after a failover is stored once (the
capture stream drops a repeated ``Nats-Msg-Id``), while live subscribers still see it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import proto
from bus import Bus, BusState, DurablePublisher
from execution.gates import Verdict
from proto import (
    CancelIntent,
    ExecReject,
    ExecResult,
    ExecutorLease,
    IntentBatch,
    PlaceIntent,
    ReconcileReport,
)
from services.executor.clock import Clock
from services.executor.config import ExecutorConfig
from services.executor.orders import ReconcileDiff
from services.executor.stats import ExecutorStats

Intent = PlaceIntent | CancelIntent
Outcome = ExecResult | ExecReject
_ACK_WAIT_S = 10.0
_MAX_IN_FLIGHT = 256


def action(intent: Intent) -> str:
    return "cancel" if isinstance(intent, CancelIntent) else "place"


class Outbox:
    def __init__(
        self,
        bus: Bus,
        config: ExecutorConfig,
        account_id: str,
        *,
        clock: Clock,
        stats: ExecutorStats,
        log: Any,
    ) -> None:
        self.bus = bus
        self.account_id = account_id
        self._ns = config.namespace
        self._instance = config.instance
        self._clock = clock
        self._stats = stats
        self._log = log
        # Captured namespaces go through JetStream (stored once per event id, recorded);
        # others (replay runs) are not captured and use core NATS.
        self._durable = config.namespace in bus.config.stream.namespaces
        self._publisher = (
            DurablePublisher(
                bus,
                config.namespace,
                stats,
                timeout_s=_ACK_WAIT_S,
                max_in_flight=_MAX_IN_FLIGHT,
                retry_max_s=5.0,
            )
            if self._durable
            else None
        )
        self._batch: list[asyncio.Future[None]] = []

    def result(
        self,
        batch: IntentBatch,
        index: int,
        intent: Intent,
        *,
        link_id: str = "",
        order_id: str = "",
        shadow: bool = False,
        client_order_id: str | None = None,
    ) -> ExecResult:
        header = self._answer_header(batch, index, intent)
        return ExecResult(
            **header,
            client_order_id=intent.client_order_id if client_order_id is None else client_order_id,
            order_link_id=link_id,
            order_id=order_id,
            shadow=shadow,
            latency_ns=max(header["ts_local_ns"] - batch.ts_local_ns, 0),
        )

    def _answer_header(self, batch: IntentBatch, index: int, intent: Intent) -> dict[str, Any]:
        """The fields every answer to intent ``index`` of ``batch`` shares."""
        now = self._clock.time_ns()
        return {
            "event_id": f"{batch.event_id}:{index}",
            "ts_exchange_ms": now // 1_000_000,
            "ts_local_ns": now,
            "account_id": self.account_id,
            "symbol": intent.symbol,
            "intent_batch_id": batch.event_id,
            "action": action(intent),
        }

    def reject(
        self,
        batch: IntentBatch,
        index: int,
        intent: Intent,
        verdict: Verdict,
        *,
        ret_code: int = 0,
    ) -> ExecReject:
        """The reject of one intent (counted and logged here)."""
        self._stats.rejected[verdict.reason.value] += 1
        self._log.info(
            "executor_rejected",
            action=action(intent),
            symbol=intent.symbol,
            client_order_id=intent.client_order_id,
            reason=verdict.reason.value,
            ret_code=ret_code,
            detail=verdict.detail,
        )
        return ExecReject(
            **self._answer_header(batch, index, intent),
            client_order_id=intent.client_order_id,
            ret_code=ret_code,
            reason=verdict.reason.value,
            detail=verdict.detail,
        )

    async def lease(self, *, active: bool, term: int) -> None:
        now = self._clock.time_ns()
        await self.emit(
            ExecutorLease(
                event_id=f"executor_lease:{self._ns}:{self.account_id}:{self._instance}:"
                f"{term}:{'on' if active else 'off'}",
                ts_exchange_ms=now // 1_000_000,
                ts_local_ns=now,
                account_id=self.account_id,
                instance=self._instance,
                active=active,
            )
        )

    async def report(self, diff: ReconcileDiff, *, term: int, seq: int) -> ReconcileReport:
        now = self._clock.time_ns()
        report = ReconcileReport(
            event_id=f"reconcile:{self._ns}:{self.account_id}:{self._instance}:{term}:{seq}",
            ts_exchange_ms=now // 1_000_000,
            ts_local_ns=now,
            account_id=self.account_id,
            instance=self._instance,
            open_orders=diff.open_orders,
            adopted=diff.adopted,
            orphans=diff.orphans,
            missing=diff.missing,
        )
        await self.emit(report)
        return report

    async def run_acks(self) -> None:
        """Check the acks of pipelined answers (re-publishing any not stored) until
        cancelled; a worker runs it for its lifetime."""
        if self._publisher is not None:
            await self._publisher.run()

    async def emit_pipelined(self, message: proto.Message) -> None:
        """Send without waiting for the stream's ack, so the next REST call goes out
        meanwhile; :meth:`flush` waits for the batch's answers to be stored."""
        if self._publisher is None:
            await self.emit(message)
            return
        self._batch.append(await self._publisher.publish(message))

    async def flush(self) -> None:
        """Wait until the answers sent with :meth:`emit_pipelined` are stored."""
        batch, self._batch = self._batch, []
        if not batch:
            return
        _, pending = await asyncio.wait(batch, timeout=_ACK_WAIT_S)
        if pending:  # still being re-published by run_acks; a stop reports what is left
            self._log.warning("executor_answers_unacknowledged", count=len(pending))

    async def close(self, grace_s: float) -> None:
        """At a worker's end: give pending answers ``grace_s`` to be stored."""
        if self._publisher is not None and not await self._publisher.flush(grace_s):
            self._publisher.abandon()

    async def emit(self, message: proto.Message) -> None:
        """Publish and wait (bounded) until stored. A captured namespace goes through the
        durable publisher, which re-publishes until the stream has it (never a
        fire-and-forget fallback: an answer must be recorded); what is still pending at
        the worker's end is counted and logged. Replay namespaces use core NATS."""
        if self._publisher is None:
            try:
                await self.bus.publish(self._ns, message)
            except Exception as exc:
                self._stats.publish_errors += 1
                self._log.error("executor_publish_failed", kind=proto.kind(message), error=str(exc))
            return
        if self.bus.state is BusState.CLOSED:  # the connection is gone for good (a crash)
            self._stats.publish_errors += 1
            self._log.error(
                "executor_unpublished", kind=proto.kind(message), event_id=message.event_id
            )
            return
        stored = await self._publisher.publish(message)
        try:
            await asyncio.wait_for(asyncio.shield(stored), _ACK_WAIT_S)
        except TimeoutError:
            self._stats.publish_errors += 1
            self._log.warning(
                "executor_publish_pending",
                kind=proto.kind(message),
                event_id=message.event_id,
                note="re-published until the stream stores it",
            )
