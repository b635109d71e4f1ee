"""Alerts: Telegram with a log fallback, throttled per key, never in the caller's way."""

from alerts.model import Alert, AlertSink, Severity
from alerts.runner import CHAT_ENV, TOKEN_ENV, Alerts, alerts_from_settings
from alerts.sinks import LogSink, TelegramSink
from alerts.throttle import ThrottledAlerts

__all__ = [
    "CHAT_ENV",
    "TOKEN_ENV",
    "Alert",
    "AlertSink",
    "Alerts",
    "LogSink",
    "Severity",
    "TelegramSink",
    "ThrottledAlerts",
    "alerts_from_settings",
]
