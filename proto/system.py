"""Service-level events (subject ``{ns}.sys.{service}.{event}``)."""

from __future__ import annotations

import msgspec

from proto.common import Event


class GapStart(Event, frozen=True, kw_only=True, tag="gap_start"):
    """A stream stopped delivering (disconnect or stale heartbeat) at ``ts_local_ns``."""

    service: str
    stream: str
    reason: str


class GapEnd(Event, frozen=True, kw_only=True, tag="gap_end"):
    """The stream is back; ``started_ns`` is the matching ``GapStart`` time."""

    service: str
    stream: str
    started_ns: int
    backfilled_count: int = 0


class Heartbeat(Event, frozen=True, kw_only=True, tag="heartbeat"):
    service: str
    instance: str
    seq: int


class ReplayStart(Event, frozen=True, kw_only=True, tag="replay_start"):
    run_id: str
    source_namespace: str
    window_start_ms: int | None
    window_end_ms: int | None
    symbols: list[str] = msgspec.field(default_factory=list)
    accounts: list[str] = msgspec.field(default_factory=list)
    speed: float | None = None  # ``None`` = as fast as flow control allows


class ReplayEnd(Event, frozen=True, kw_only=True, tag="replay_end"):
    run_id: str
    events: int
