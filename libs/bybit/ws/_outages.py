"""Outage bookkeeping of one stream: when the link was lost, when it was back."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Final

import msgspec
import structlog

log = structlog.get_logger(__name__)

_QUEUE_SIZE: Final = 1000


class Disconnect(msgspec.Struct, frozen=True, kw_only=True):
    """One outage of a stream: from the moment the link was lost (``started_ns``) until it
    was subscribed again (``ended_ns``), both ``time.time_ns()``."""

    stream: str
    started_ns: int
    ended_ns: int
    reason: str

    @property
    def gap_ms(self) -> float:
        return (self.ended_ns - self.started_ns) / 1e6


def backoff_delay(attempt: int, min_s: float, max_s: float, rng: random.Random) -> float:
    """Equal-jitter exponential backoff: half of ``min_s * 2**attempt`` (capped at
    ``max_s``) plus a random share of the other half."""
    cap = min(max_s, min_s * 2 ** min(attempt, 30))
    return cap / 2 + rng.uniform(0, cap / 2)


class OutageTracker:
    """Turns "lost" / "restored" into :class:`Disconnect` reports on a bounded queue.

    Failed first connects are retried but are not outages: an outage needs a link that
    had been up.
    """

    def __init__(self, stream: str, clock_ns: Callable[[], int]) -> None:
        self.stream = stream
        self._clock_ns = clock_ns
        self.reports: asyncio.Queue[Disconnect] = asyncio.Queue(_QUEUE_SIZE)
        self.since_ns: int | None = None
        self._reason = ""
        self._ever_up = False
        self.count = 0
        self.dropped = 0
        self._overflow_since: int | None = None
        self._overflowed = 0

    def lost(self, reason: str) -> None:
        if self.since_ns is None and self._ever_up:
            self.since_ns = self._clock_ns()
            self._reason = reason
        log.warning("bybit.ws.disconnected", stream=self.stream, reason=reason)

    def restored(self) -> None:
        self._ever_up = True
        self._report("")

    def closed(self) -> None:
        """The client stops while down: the outage ends now, and says so."""
        self._report(" (closed while down)")

    def overflowed(self) -> None:
        """An event was dropped (the consumer's queue was full): what the stream said
        from now until :meth:`drained` is lost to the consumer, like an outage."""
        if self._overflow_since is None:
            self._overflow_since = self._clock_ns()
        self._overflowed += 1

    def drained(self) -> None:
        """The queue takes events again: the overflow episode is reported as a gap."""
        started, self._overflow_since = self._overflow_since, None
        if started is None:
            return
        dropped, self._overflowed = self._overflowed, 0
        self._put(
            Disconnect(
                stream=self.stream,
                started_ns=started,
                ended_ns=self._clock_ns(),
                reason=f"consumer queue full: {dropped} events dropped",
            )
        )

    def _report(self, suffix: str) -> None:
        started, self.since_ns = self.since_ns, None
        if started is None:
            return
        self.count += 1
        report = Disconnect(
            stream=self.stream,
            started_ns=started,
            ended_ns=self._clock_ns(),
            reason=self._reason + suffix,
        )
        self._put(report)

    def _put(self, report: Disconnect) -> None:
        log.warning(
            "bybit.ws.outage", stream=self.stream, gap_ms=report.gap_ms, reason=report.reason
        )
        try:
            self.reports.put_nowait(report)
        except asyncio.QueueFull:
            self.dropped += 1
            log.error("bybit.ws.outage_queue_full", stream=self.stream, dropped=self.dropped)
