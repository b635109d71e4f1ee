"""Alerts: Telegram against a local fake Bot API server, the log fallback, throttling."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from structlog.testing import capture_logs

from alerts import (
    Alert,
    Alerts,
    LogSink,
    TelegramSink,
    ThrottledAlerts,
    alerts_from_settings,
)

TOKEN = "123456:SECRET-bot-token-xyz"
CHAT = "-100200300"


class FakeBotApi:
    """``POST /bot<token>/sendMessage`` recorded; ``mode`` picks the answer."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.mode = "ok"
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append({"token": request.match_info["token"], **body})
        if self.mode == "500":
            return web.Response(status=500, text="boom")
        if self.mode == "not-ok":
            return web.json_response(
                {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
            )
        if self.mode == "hang":
            await asyncio.sleep(30)
        return web.json_response({"ok": True, "result": {"message_id": len(self.requests)}})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/sendMessage", self.handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alert(key: str = "breaker:acc-1", text: str = "3 failures") -> Alert:
    return Alert(key=key, severity="critical", title="breaker open", text=text, service="executor")


def _no_token(events: list[dict[str, Any]]) -> None:
    assert TOKEN not in repr(events)
    assert TOKEN.split(":")[1] not in repr(events)


async def test_message_is_delivered_with_chat_id_and_text(bot_api: FakeBotApi) -> None:
    sink = TelegramSink(TOKEN, CHAT, base_url=bot_api.url, timeout_s=2)
    try:
        with capture_logs() as events:
            await sink.send(_alert())
    finally:
        await sink.close()
    assert len(bot_api.requests) == 1
    sent = bot_api.requests[0]
    assert sent["token"] == TOKEN
    assert sent["chat_id"] == CHAT
    assert "breaker open" in sent["text"] and "3 failures" in sent["text"]
    assert "CRITICAL" in sent["text"] and "executor" in sent["text"]
    assert sink.sent == 1 and sink.failed == 0
    assert not [e for e in events if e["event"] == "alert"]  # no fallback
    assert TOKEN not in repr(sink) and TOKEN not in str(sink)


@pytest.mark.parametrize("mode", ["500", "not-ok", "hang", "down"])
async def test_telegram_failure_falls_back_to_the_log_without_the_token(
    bot_api: FakeBotApi, mode: str
) -> None:
    bot_api.mode = mode
    url = f"http://127.0.0.1:{_free_port()}" if mode == "down" else bot_api.url
    sink = TelegramSink(TOKEN, CHAT, base_url=url, timeout_s=0.3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        with capture_logs() as events:
            await sink.send(_alert())  # must not raise
    finally:
        await sink.close()
    assert loop.time() - started < 2
    failed = [e for e in events if e["event"] == "alert_telegram_failed"]
    assert len(failed) == 1, events
    assert failed[0]["key"] == "breaker:acc-1"
    fallback = [e for e in events if e["event"] == "alert"]
    assert len(fallback) == 1
    assert fallback[0]["log_level"] == "error"  # critical
    assert fallback[0]["title"] == "breaker open" and fallback[0]["service"] == "executor"
    assert sink.failed == 1
    _no_token(events)
    if mode == "not-ok":
        assert "chat not found" in failed[0]["detail"]
    if mode == "hang":
        assert failed[0]["reason"] == "timeout"


async def test_token_masked_even_if_an_error_message_echoes_it() -> None:
    sink = TelegramSink(TOKEN, CHAT, base_url="http://127.0.0.1:1/x")
    assert sink._mask(f"bad url /bot{TOKEN}/sendMessage") == "bad url /bot***/sendMessage"
    await sink.close()


async def test_throttled_per_key_with_the_suppressed_count_in_the_next(
    bot_api: FakeBotApi,
) -> None:
    now = [1000.0]
    sink = TelegramSink(TOKEN, CHAT, base_url=bot_api.url, timeout_s=2)
    throttled = ThrottledAlerts(sink, min_interval_s=300, clock=lambda: now[0])
    try:
        await throttled.send(_alert())
        for _ in range(3):
            now[0] += 10
            await throttled.send(_alert())
        await throttled.send(_alert(key="breaker:acc-2"))  # another key is not held back
        now[0] = 1000.0 + 301
        await throttled.send(_alert(text="still failing"))
    finally:
        await sink.close()
    texts = [r["text"] for r in bot_api.requests]
    assert len(texts) == 3
    assert "(3 more" not in texts[0]
    assert "still failing" in texts[2]
    assert "(3 more since the last one, 301 s ago)" in texts[2]
    assert throttled.suppressed == 3


async def test_alerts_queue_delivers_in_the_background_and_drops_when_full() -> None:
    got: list[Alert] = []
    gate = asyncio.Event()

    class Slow:
        async def send(self, alert: Alert) -> None:
            await gate.wait()
            got.append(alert)

    alerts = Alerts(Slow(), service="recorder", min_interval_s=0, maxsize=2)
    with capture_logs() as events:
        async with alerts:
            for i in range(4):  # 1 taken by the worker, 2 queued, 1 dropped (or 2)
                alerts.fire(f"k{i}", "t")
                await asyncio.sleep(0)
            gate.set()
    assert alerts.dropped >= 1
    assert len(got) + alerts.dropped == 4
    assert all(a.service == "recorder" for a in got)
    assert [e for e in events if e["event"] == "alert_dropped"]


async def test_a_raising_sink_falls_back_to_the_log_and_never_reaches_the_caller() -> None:
    class Broken:
        async def send(self, alert: Alert) -> None:
            raise RuntimeError("kaput")

    with capture_logs() as events:
        async with Alerts(Broken(), service="collector") as alerts:
            alerts.fire("gap:BTCUSDT", "gap not back-filled", severity="warning")
    assert [e for e in events if e["event"] == "alert_sink_failed"]
    fallback = [e for e in events if e["event"] == "alert"]
    assert fallback and fallback[0]["log_level"] == "warning"


async def test_alerts_via_telegram_end_to_end(bot_api: FakeBotApi) -> None:
    env = {"GRIDTWIN_TELEGRAM_BOT_TOKEN": TOKEN, "GRIDTWIN_TELEGRAM_CHAT_ID": CHAT}
    with capture_logs() as events:
        async with alerts_from_settings("executor", env, base_url=bot_api.url) as alerts:
            assert isinstance(alerts.sink, TelegramSink)
            alerts.fire("lease:acc-1", "lease lost", "no replica took it over")
            alerts.fire("lease:acc-1", "lease lost", "throttled")
    assert len(bot_api.requests) == 1
    assert bot_api.requests[0]["chat_id"] == CHAT
    _no_token(events)


def test_settings_without_token_or_chat_log_only() -> None:
    assert isinstance(alerts_from_settings("x", {}).sink, LogSink)
    only_token = {"GRIDTWIN_TELEGRAM_BOT_TOKEN": TOKEN}
    assert isinstance(alerts_from_settings("x", only_token).sink, LogSink)
    only_chat = {"GRIDTWIN_TELEGRAM_CHAT_ID": CHAT}
    assert isinstance(alerts_from_settings("x", only_chat).sink, LogSink)


async def test_log_sink_levels() -> None:
    with capture_logs() as events:
        await LogSink().send(_alert())
        await LogSink().send(Alert(key="k", title="lag", severity="warning"))
    assert [e["log_level"] for e in events] == ["error", "warning"]
    assert events[0]["key"] == "breaker:acc-1"
