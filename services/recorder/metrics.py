"""The recorder's Prometheus metrics, read from its live stats at scrape time."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Gauge

from services.recorder.service import RecorderStats


def registry_for(stats: RecorderStats) -> CollectorRegistry:
    registry = CollectorRegistry()
    for name, help_text in (
        ("written", "events committed to the store"),
        ("duplicates", "events dropped as already stored"),
        ("dead_letters", "messages that did not decode or match their subject"),
        ("received", "messages read from the stream"),
        ("lag", "stream messages not yet committed"),
        ("last_seq", "last committed stream sequence"),
        ("database_outages", "times PostgreSQL went away and the recorder waited for it"),
    ):
        gauge = Gauge(f"gridtwin_recorder_{name}", help_text, registry=registry)
        gauge.set_function(lambda n=name: float(getattr(stats, n)))
    return registry
