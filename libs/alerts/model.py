"""What an alert is and what a sink does with one."""

from __future__ import annotations

from typing import Literal, Protocol

import msgspec

Severity = Literal["info", "warning", "critical"]


class Alert(msgspec.Struct, frozen=True, kw_only=True):
    """One notification: ``key`` is stable per condition (``breaker:{account}``), the
    unit of throttling; ``service`` names the process that raised it."""

    key: str
    title: str
    text: str = ""
    severity: Severity = "warning"
    service: str = ""

    def render(self) -> str:
        head = f"[{self.severity.upper()}] {self.service + ': ' if self.service else ''}"
        return f"{head}{self.title}" + (f"\n{self.text}" if self.text else "")


class AlertSink(Protocol):
    """Delivers an alert. Implementations never raise for a delivery failure."""

    async def send(self, alert: Alert) -> None: ...
