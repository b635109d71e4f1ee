"""Counters of one executor process (all its accounts), read by the metrics registry."""

from __future__ import annotations

from collections import Counter

from bus import PublishStats


class ExecutorStats(PublishStats):
    def __init__(self) -> None:
        super().__init__()  # answers stored, their re-publishes, left at a stop
        self.batches = 0  # intent batches taken by a worker
        self.ignored_batches = 0  # for an account this worker does not lead
        self.intents = 0
        self.placed = 0
        self.cancelled = 0
        self.shadow = 0  # intents answered in shadow mode
        self.rejected: Counter[str] = Counter()  # by RejectReason value
        self.retries = 0  # REST retries (after transport, server, rate-limit errors)
        self.lookups_adopted = 0  # placements found by orderLinkId after an unknown outcome
        self.breaker_trips = 0
        self.lease_acquired = 0
        self.lease_lost = 0
        self.lease_released = 0
        self.reconciles = 0
        self.reconcile_errors = 0
        self.adopted = 0
        self.orphans = 0  # orphan orders seen, summed over reconciliations
        self.missing = 0
        self.publish_errors = 0  # results that JetStream did not acknowledge
        self.queue_full = 0  # batches that waited for room in a worker queue
        self.leading = 0  # accounts this process leads now

    @property
    def lease_changes(self) -> int:
        return self.lease_acquired + self.lease_lost + self.lease_released

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())
