"""Sinks: the log (always available) and Telegram's Bot API (falls back to the log).

The bot token is part of the Bot API URL path, so no URL is ever logged or put into an
exception message here: aiohttp errors are reported by type and a message with the
token masked.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import structlog

from alerts.model import Alert, AlertSink

log = structlog.get_logger("alerts")

DEFAULT_TELEGRAM_URL = "https://api.telegram.org"
#: Telegram rejects messages longer than 4096 characters.
MAX_MESSAGE = 4096
_MASK = "***"


class LogSink:
    """An alert as one structlog line: ``error`` for critical, ``warning`` otherwise."""

    async def send(self, alert: Alert) -> None:
        emit = log.error if alert.severity == "critical" else log.warning
        emit(
            "alert",
            key=alert.key,
            severity=alert.severity,
            title=alert.title,
            text=alert.text,
            service=alert.service,
        )


class TelegramSink:
    """``sendMessage`` to one chat; any failure is logged (token masked) and the alert
    goes to ``fallback`` (a :class:`LogSink` unless given)."""

    def __init__(
        self,
        bot_token: str,
        chat_id: str,
        *,
        base_url: str = DEFAULT_TELEGRAM_URL,
        timeout_s: float = 5,
        fallback: AlertSink | None = None,
    ) -> None:
        if not bot_token or not chat_id:
            raise ValueError("TelegramSink needs a bot token and a chat id")
        self._token = bot_token
        self.chat_id = chat_id
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.fallback: AlertSink = fallback or LogSink()
        self._session: aiohttp.ClientSession | None = None
        self.sent = 0
        self.failed = 0

    def __repr__(self) -> str:
        return f"TelegramSink(chat_id={self.chat_id!r}, base_url={self.base_url!r})"

    __str__ = __repr__

    def _mask(self, text: str) -> str:
        return text.replace(self._token, _MASK)

    def _session_for_loop(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout_s)
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(self, alert: Alert) -> None:
        error = await self._post(alert)
        if error is None:
            self.sent += 1
            return
        self.failed += 1
        log.warning("alert_telegram_failed", key=alert.key, **error)
        await self.fallback.send(alert)

    async def _post(self, alert: Alert) -> dict[str, Any] | None:
        """None when delivered, else the (token-free) fields describing the failure."""
        url = f"{self.base_url}/bot{self._token}/sendMessage"
        payload = {
            "chat_id": self.chat_id,
            "text": alert.render()[:MAX_MESSAGE],
            "disable_web_page_preview": True,
        }
        try:
            session = self._session_for_loop()
            async with session.post(url, json=payload) as resp:
                status = resp.status
                try:
                    body: Any = await resp.json(content_type=None)
                except (ValueError, aiohttp.ContentTypeError):
                    body = None
        except TimeoutError:
            return {"reason": "timeout", "timeout_s": self.timeout_s}
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # any transport failure falls back
            return {"reason": type(exc).__name__, "detail": self._mask(str(exc))[:300]}
        ok = isinstance(body, dict) and body.get("ok") is True
        if 200 <= status < 300 and ok:
            return None
        description = body.get("description") if isinstance(body, dict) else None
        return {
            "reason": "rejected",
            "status": status,
            "detail": self._mask(str(description or ""))[:300],
        }
