"""The collector's counters (exported by ``metrics.registry_for``)."""

from __future__ import annotations

from bus import PublishStats


class CollectorStats(PublishStats):
    """``published``, ``publish_retries`` and ``unacknowledged_at_stop`` come from
    :class:`bus.PublishStats` (counted by the publisher)."""

    def __init__(self) -> None:
        super().__init__()
        #: Items recovered by back-fills and resyncs (trades, executions, snapshots).
        self.backfilled = 0
        #: Gaps handled (disconnects, stale sockets, restarts).
        self.gaps = 0
        #: REST calls of a back-fill or resync that failed (every attempt counts).
        self.backfill_errors = 0
        #: Back-fills that could not recover everything (a part failed, or more trades
        #: were missed than one ``recent-trade`` page holds).
        self.backfill_incomplete = 0
        #: Websocket events dropped because another path published them already.
        self.duplicates = 0
        #: Resync requests answered.
        self.resyncs = 0
        #: Streams that ended for good (auth or subscribe refused).
        self.stream_failures = 0
