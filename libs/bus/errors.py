"""Typed errors of the bus boundary."""

from __future__ import annotations


class BusError(Exception):
    """Base of every bus failure."""


class BusConnectionError(BusError):
    """NATS could not be reached; carries the URL (credentials stripped)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"cannot connect to NATS at {url}: {reason}")
        self.url = url
        self.reason = reason


class PublishError(BusError):
    """JetStream did not acknowledge a publish (no stream, timeout, limits)."""

    def __init__(self, subject: str, reason: str) -> None:
        super().__init__(f"publish to {subject!r} failed: {reason}")
        self.subject = subject
        self.reason = reason


class BusClosedError(BusError):
    """The bus was used after ``close()``."""
