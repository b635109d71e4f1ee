"""The executor's Prometheus metrics, read from its live stats at scrape time."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from proto import RejectReason
from services.executor.stats import ExecutorStats

_COUNTERS = (
    ("batches", "intent batches executed"),
    ("ignored_batches", "batches for an account this worker does not lead"),
    ("placed", "orders placed (acknowledged or found by orderLinkId)"),
    ("cancelled", "orders cancelled (or found already gone)"),
    ("shadow", "intents answered in shadow mode"),
    ("retries", "REST retries"),
    ("lookups_adopted", "placements found by orderLinkId after an unknown outcome"),
    ("breaker_trips", "circuit breaker openings"),
    ("lease_acquired", "account leases acquired"),
    ("lease_lost", "account leases lost"),
    ("lease_released", "account leases released on a graceful stop"),
    ("reconciles", "open-order reconciliations"),
    ("reconcile_errors", "reconciliations that failed"),
    ("adopted", "exchange orders adopted by reconciliation"),
    ("orphans", "foreign orders seen by reconciliation"),
    ("missing", "orders in the view the exchange no longer had"),
    ("publish_errors", "results JetStream did not acknowledge"),
    ("publish_retries", "results re-published after an error or a missing ack"),
    ("queue_full", "batches that waited for room in a worker queue"),
)


class _StatsCollector(Collector):
    def __init__(self, stats: ExecutorStats) -> None:
        self._stats = stats

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        s = self._stats
        for name, help_text in _COUNTERS:
            yield CounterMetricFamily(
                f"gridtwin_executor_{name}", help_text, value=float(getattr(s, name))
            )
        rejected = CounterMetricFamily(
            "gridtwin_executor_rejected", "intents rejected, by reason", labels=["reason"]
        )
        for reason in RejectReason:
            rejected.add_metric([reason.value], float(s.rejected.get(reason.value, 0)))
        yield rejected
        yield GaugeMetricFamily(
            "gridtwin_executor_leading", "accounts this process leads", value=float(s.leading)
        )


def registry_for(stats: ExecutorStats) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(_StatsCollector(stats))
    return registry
