"""Prometheus metrics read the collector's live counters."""

from __future__ import annotations

import pytest
from prometheus_client import generate_latest

from bus import Bus, BusConfig
from services.collector import Collector, CollectorConfig
from services.collector.metrics import registry_for


def test_metrics_follow_the_stats(bus_config: BusConfig) -> None:
    collector = Collector(Bus(bus_config), CollectorConfig(symbols=["BTCUSDT"]), None)
    registry = registry_for(collector)
    collector.stats.published["trade"] += 3
    collector.stats.gaps += 1
    text = generate_latest(registry).decode()
    assert 'gridtwin_collector_published{kind="trade"} 3.0' in text
    assert "gridtwin_collector_gaps 1.0" in text
    assert "gridtwin_collector_ws_dropped_events 0.0" in text


def test_a_namespace_the_stream_does_not_capture_is_refused(bus_config: BusConfig) -> None:
    with pytest.raises(ValueError, match="not captured"):
        Collector(Bus(bus_config), CollectorConfig(namespace="replay.r1"), None)
    with pytest.raises(ValueError, match="symbol"):
        Collector(Bus(bus_config), CollectorConfig(symbols=["BTC.USDT"]), None)
