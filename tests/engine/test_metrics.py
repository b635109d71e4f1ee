"""The engine's /metrics read its live counters."""

from __future__ import annotations

from prometheus_client import generate_latest

from bus import Bus, BusConfig
from services.engine import Engine, EngineConfig
from services.engine.metrics import registry_for
from tests.fixtures.engine_events import BTC, spec


def test_metrics_follow_the_engine_stats() -> None:
    bad = spec("eth1", symbol="ETHUSDT")  # no instrument: refused at start
    engine = Engine(
        Bus(BusConfig(url="nats://unused")), EngineConfig(), [spec(), bad], {"BTCUSDT": BTC}
    )
    registry = registry_for(engine)
    engine.stats.tickers, engine.stats.batches = 42, 3
    engine.runners["btc1"].reduce_only_held = 7
    text = generate_latest(registry).decode()
    assert "gridtwin_engine_tickers_total 42.0" in text
    assert "gridtwin_engine_batches_total 3.0" in text
    assert "gridtwin_engine_reduce_only_held_total 7.0" in text
    assert "gridtwin_engine_strategies 1.0" in text
    assert "gridtwin_engine_strategies_rejected 1.0" in text
