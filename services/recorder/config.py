"""Recorder configuration."""

from __future__ import annotations

from typing import Annotated

import msgspec

from checked import CheckedStruct

PositiveInt = Annotated[int, msgspec.Meta(gt=0)]
PositiveFloat = Annotated[float, msgspec.Meta(gt=0)]


class RecorderConfig(CheckedStruct, frozen=True):
    #: Reader name; its committed position is kept in ``stream_offsets`` under this name,
    #: so a restarted recorder resumes where this one stopped.
    durable: str = "recorder"
    #: Most events per ``COPY`` transaction.
    batch_size: PositiveInt = 5000
    #: Connections writing batches concurrently (the pool must hold as many): a batch is
    #: decoded, copied and deduplicated while earlier ones are stored. Commits stay in
    #: stream order.
    writers: PositiveInt = 3
    #: How long the writer waits for the first event of a batch.
    fetch_timeout_s: PositiveFloat = 0.1
    #: Events read ahead of the writer; when full, delivery from the server pauses.
    max_buffered: PositiveInt = 50_000
    #: How often lag and throughput are logged.
    report_every_s: PositiveFloat = 5.0
    #: Lag (events between the committed position and the stream tail) above which an
    #: alert is raised at a report (throttled per key by the alerts).
    alert_lag: PositiveInt = 100_000
    #: Waits before reconnecting while PostgreSQL is down (the last one repeats); the
    #: batches not committed are read again from the committed offset, so nothing is
    #: lost or stored twice.
    reconnect_backoff_s: Annotated[tuple[PositiveFloat, ...], msgspec.Meta(min_length=1)] = (
        0.5,
        1.0,
        2.0,
        5.0,
    )
