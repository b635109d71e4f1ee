"""The comparator service's Prometheus metrics, read from its live stats at scrape time."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from services.comparator.service import Comparator

_HELP = {
    "received": "replay_finished messages heard",
    "bad_messages": "payloads that were not a ReplayFinished of their subject's namespace",
    "dropped": "finished replays dropped: the queue was full",
    "unknown_runs": "finished replays runs has no finished seeded replay of",
    "runs": "replay runs judged (every strategy tried)",
    "comparisons": "comparisons stored and announced",
    "passed": "comparisons that passed",
    "failed": "comparisons that failed",
    "skipped": "comparisons that were skipped (data problems)",
    "errors": "comparisons or run look-ups that raised or timed out",
    "publish_errors": "comparison_done announcements that could not be published",
}


class _ComparatorCollector(Collector):
    def __init__(self, comparator: Comparator) -> None:
        self._comparator = comparator

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        stats = msgspec.structs.asdict(self._comparator.stats)
        for name, help_text in _HELP.items():
            yield CounterMetricFamily(f"gridtwin_comparator_{name}", help_text, value=stats[name])
        yield GaugeMetricFamily(
            "gridtwin_comparator_queued",
            "finished replays waiting to be judged",
            value=self._comparator.queued,
        )


def registry_for(comparator: Comparator) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(_ComparatorCollector(comparator))
    return registry
