"""The engine's Prometheus metrics, read from its live stats at scrape time."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from services.engine.service import Engine

_HELP = {
    "events": "bus messages handled",
    "tickers": "tickers handled",
    "tickers_before_ready": "tickers ignored before the resync snapshot arrived",
    "batches": "intent batches published",
    "intents": "intents published",
    "decode_errors": "messages that did not decode",
    "strategy_errors": "exceptions raised inside one strategy (the others kept running)",
    "resyncs": "resync requests sent to the collector",
    "resync_failures": "resyncs no collector answered in time",
}


class _EngineCollector(Collector):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        stats = msgspec.structs.asdict(self._engine.stats)
        for name, help_text in _HELP.items():
            yield CounterMetricFamily(f"gridtwin_engine_{name}", help_text, value=stats[name])
        runners = self._engine.runners.values()
        yield CounterMetricFamily(
            "gridtwin_engine_zero_qty_dropped",
            "places dropped because their quantity resolved to 0 (§6.6)",
            value=sum(r.zero_qty_dropped for r in runners),
        )
        yield CounterMetricFamily(
            "gridtwin_engine_reduce_only_held",
            "reduce-only places held back: their leg has no room for one more close",
            value=sum(r.reduce_only_held for r in runners),
        )
        yield GaugeMetricFamily(
            "gridtwin_engine_strategies", "strategies running", value=len(self._engine.runners)
        )
        yield GaugeMetricFamily(
            "gridtwin_engine_strategies_rejected",
            "strategies refused at start (bad config, unknown symbol)",
            value=len(self._engine.failed),
        )


def registry_for(engine: Engine) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(_EngineCollector(engine))
    return registry
