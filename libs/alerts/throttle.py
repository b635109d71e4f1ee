"""Per-key throttling: one alert per key per interval, the suppressed ones counted."""

from __future__ import annotations

import time
from collections.abc import Callable

import msgspec

from alerts.model import Alert, AlertSink


class ThrottledAlerts:
    """A sink that forwards an alert only when its key last went out at least
    ``min_interval_s`` ago; the next one that goes out says how many were held back
    ("(3 more since the last one, 312 s ago)")."""

    def __init__(
        self,
        sink: AlertSink,
        min_interval_s: float = 300,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sink = sink
        self.min_interval_s = min_interval_s
        self._clock = clock
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}
        self.suppressed = 0

    def admit(self, alert: Alert) -> Alert | None:
        """The alert to send now (annotated with the held-back count), or None."""
        now = self._clock()
        last = self._last.get(alert.key)
        if last is not None and now - last < self.min_interval_s:
            self._held[alert.key] = self._held.get(alert.key, 0) + 1
            self.suppressed += 1
            return None
        self._last[alert.key] = now
        held = self._held.pop(alert.key, 0)
        if held and last is not None:
            note = f"({held} more since the last one, {now - last:.0f} s ago)"
            text = f"{alert.text}\n{note}" if alert.text else note
            alert = msgspec.structs.replace(alert, text=text)
        return alert

    async def send(self, alert: Alert) -> None:
        admitted = self.admit(alert)
        if admitted is not None:
            await self.sink.send(admitted)
