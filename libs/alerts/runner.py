"""The caller-facing side: ``notify`` never raises and never waits; a background task
delivers through the sink, one alert at a time, off the caller's path."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

import structlog

from alerts.model import Alert, AlertSink, Severity
from alerts.sinks import DEFAULT_TELEGRAM_URL, LogSink, TelegramSink
from alerts.throttle import ThrottledAlerts

log = structlog.get_logger("alerts")

TOKEN_ENV = "GRIDTWIN_TELEGRAM_BOT_TOKEN"
CHAT_ENV = "GRIDTWIN_TELEGRAM_CHAT_ID"


class Alerts:
    """Throttle (per key) → bounded queue → sink. Use as ``async with`` or
    :meth:`start` / :meth:`stop`. Alerts queued before ``start`` go out once it runs;
    a full queue drops the alert, counts it and logs it."""

    def __init__(
        self,
        sink: AlertSink,
        *,
        service: str = "",
        min_interval_s: float = 300,
        clock: Callable[[], float] = time.monotonic,
        maxsize: int = 100,
        stop_timeout_s: float = 10,
    ) -> None:
        self.sink = sink
        self.service = service
        self.throttle = ThrottledAlerts(sink, min_interval_s, clock)
        self.stop_timeout_s = stop_timeout_s
        self._queue: asyncio.Queue[Alert] = asyncio.Queue(maxsize=maxsize)
        self._task: asyncio.Task[None] | None = None
        self._fallback = LogSink()
        self.dropped = 0
        self.delivered = 0

    def fire(self, key: str, title: str, text: str = "", *, severity: Severity = "warning") -> None:
        """Raise an alert from this service (see :meth:`notify`)."""
        self.notify(Alert(key=key, title=title, text=text, severity=severity, service=self.service))

    def notify(self, alert: Alert) -> None:
        """Queue an alert unless its key is throttled. Never raises, never blocks."""
        try:
            admitted = self.throttle.admit(alert)
            if admitted is None:
                return
            self._queue.put_nowait(admitted)
        except asyncio.QueueFull:
            self.dropped += 1
            log.warning("alert_dropped", key=alert.key, title=alert.title, dropped=self.dropped)
        except Exception:  # alerting must never break the caller
            log.exception("alert_notify_failed", key=alert.key)

    async def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="alerts")

    async def stop(self) -> None:
        """Deliver what is queued (for at most ``stop_timeout_s``), then close the sink."""
        task, self._task = self._task, None
        if task is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._queue.join(), self.stop_timeout_s)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        close = getattr(self.sink, "close", None)
        if close is not None:
            with contextlib.suppress(Exception):
                await close()

    async def __aenter__(self) -> Alerts:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _run(self) -> None:
        while True:
            alert = await self._queue.get()
            try:
                await self.sink.send(alert)
                self.delivered += 1
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a broken sink falls back to the log
                log.warning("alert_sink_failed", key=alert.key, reason=type(exc).__name__)
                with contextlib.suppress(Exception):
                    await self._fallback.send(alert)
            finally:
                self._queue.task_done()


def alerts_from_settings(
    service: str,
    env: Mapping[str, str] | None = None,
    *,
    base_url: str = DEFAULT_TELEGRAM_URL,
    timeout_s: float = 5,
    **options: Any,
) -> Alerts:
    """Telegram when ``GRIDTWIN_TELEGRAM_BOT_TOKEN`` and ``GRIDTWIN_TELEGRAM_CHAT_ID`` are
    both set, else the log only. ``options`` go to :class:`Alerts`."""
    env = os.environ if env is None else env
    token, chat = env.get(TOKEN_ENV) or "", env.get(CHAT_ENV) or ""
    sink: AlertSink
    if token and chat:
        sink = TelegramSink(token, chat, base_url=base_url, timeout_s=timeout_s)
    else:
        sink = LogSink()
    log.info("alerts_configured", sink=type(sink).__name__)
    return Alerts(sink, service=service, **options)
