"""The recorder's /metrics reflect what it stored."""

from __future__ import annotations

from prometheus_client import generate_latest

from services.recorder.metrics import registry_for
from services.recorder.service import RecorderStats


def test_gauges_read_the_live_stats() -> None:
    stats = RecorderStats()
    registry = registry_for(stats)
    stats.written, stats.lag, stats.dead_letters = 1234, 7, 2
    text = generate_latest(registry).decode()
    assert "gridtwin_recorder_written 1234.0" in text
    assert "gridtwin_recorder_lag 7.0" in text
    assert "gridtwin_recorder_dead_letters 2.0" in text
