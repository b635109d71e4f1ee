"""The services raise their alerts: breaker trips, recorder lag, back-fill gaps."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from alerts import Alert, Alerts
from bybit import BybitConfig
from services.collector.config import CollectorConfig
from services.collector.stats import CollectorStats
from services.collector.streams import Shared, Stream
from services.executor import Executor, ExecutorAccount
from services.recorder.config import RecorderConfig
from services.recorder.service import Recorder


class Recording:
    def __init__(self) -> None:
        self.alerts: list[Alert] = []
        self.got = asyncio.Event()

    async def send(self, alert: Alert) -> None:
        self.alerts.append(alert)
        self.got.set()


async def test_recorder_lag_over_the_bound_sends_an_alert() -> None:
    sink = Recording()

    class Bus:
        async def stream_last_seq(self) -> int:
            return 500

    config = RecorderConfig(report_every_s=0.01, alert_lag=100)
    stop = asyncio.Event()
    async with Alerts(sink, service="recorder") as alerts:
        recorder = Recorder(Bus(), None, config, alerts=alerts)  # type: ignore[arg-type]
        recorder.stats.last_seq = 350  # 150 behind: over the bound
        task = asyncio.create_task(recorder._report_loop(stop))
        await asyncio.wait_for(sink.got.wait(), 5)
        await asyncio.sleep(0.05)  # more reports: throttled to one alert
        stop.set()
        await task
    assert len(sink.alerts) == 1
    alert = sink.alerts[0]
    assert alert.key == "recorder:lag" and alert.service == "recorder"
    assert "150 events behind" in alert.text


async def test_recorder_lag_under_the_bound_is_quiet() -> None:
    sink = Recording()
    async with Alerts(sink) as alerts:
        recorder = Recorder(None, None, RecorderConfig(alert_lag=100), alerts=alerts)  # type: ignore[arg-type]
        recorder.stats.lag = 100
        recorder._check_lag()
    assert sink.alerts == []


async def test_a_breaker_trip_sends_a_critical_alert_per_account() -> None:
    sink = Recording()
    account = ExecutorAccount(account_id="acct-x", bybit=BybitConfig())
    async with Alerts(sink, service="executor") as alerts:
        executor = Executor(None, [account], alerts=alerts)  # type: ignore[arg-type]
        breaker = executor.breaker("acct-x")
        while not breaker.record_failure():
            pass
    assert [(a.key, a.severity) for a in sink.alerts] == [("breaker:acct-x", "critical")]
    assert "trip 1" in sink.alerts[0].text


async def test_an_incomplete_backfill_sends_an_alert() -> None:
    sink = Recording()

    class Failing(Stream):
        async def backfill(self, started_ns: int) -> tuple[int, bool]:
            return 3, False

    async with Alerts(sink, service="collector") as alerts:
        shared = Shared(None, CollectorConfig(), None, CollectorStats(), alerts)  # type: ignore[arg-type]
        stream = Failing(SimpleNamespace(stream="publicTrade.BTCUSDT"), None, shared)  # type: ignore[arg-type]
        assert await stream.recover(1_700_000_000_000_000_000) == (3, False)
    assert [a.key for a in sink.alerts] == ["backfill:publicTrade.BTCUSDT"]
    assert "3 events recovered" in sink.alerts[0].text
