"""The collector's Prometheus metrics, read from its live stats at scrape time."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Gauge

from services.collector.service import Collector

_COUNTERS = (
    ("backfilled", "items recovered over REST (trades, executions, snapshots)"),
    ("gaps", "stream gaps handled (disconnects, stale sockets, restarts)"),
    ("publish_retries", "publishes repeated after an error or a missing ack"),
    ("backfill_errors", "failed REST calls of back-fills and resyncs"),
    ("backfill_incomplete", "back-fills that could not recover everything"),
    ("duplicates", "websocket events dropped as already published"),
    ("resyncs", "resync requests answered"),
    ("stream_failures", "streams stopped for good (auth or subscribe refused)"),
    ("unacknowledged_at_stop", "publishes not acknowledged at a forced stop"),
)
_WS = (
    ("ws_frames", "websocket frames received", "frames_received"),
    ("ws_parse_errors", "websocket frames that did not parse", "parse_errors"),
    ("ws_dropped_events", "events dropped on a full websocket queue", "dropped_events"),
    ("ws_reconnects", "websocket outages", "reconnects"),
)
_KINDS = ("trade", "ticker", "order", "execution", "position", "wallet", "gap_start", "gap_end")


def registry_for(collector: Collector) -> CollectorRegistry:
    registry = CollectorRegistry()
    stats = collector.stats
    for name, help_text in _COUNTERS:
        gauge = Gauge(f"gridtwin_collector_{name}", help_text, registry=registry)
        gauge.set_function(lambda n=name: float(getattr(stats, n)))
    published = Gauge(
        "gridtwin_collector_published", "events stored by JetStream", ["kind"], registry=registry
    )
    for kind in _KINDS:
        published.labels(kind).set_function(lambda k=kind: float(stats.published[k]))
    for name, help_text, attr in _WS:
        gauge = Gauge(f"gridtwin_collector_{name}", help_text, registry=registry)
        gauge.set_function(lambda a=attr: float(sum(getattr(ws, a) for ws in collector.ws_clients)))
    return registry
