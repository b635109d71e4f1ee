"""The collector's counters (exported by ``metrics.registry_for``)."""

from __future__ import annotations

from collections import Counter


class CollectorStats:
    def __init__(self) -> None:
        #: Events acknowledged by JetStream, per kind (``trade``, ``execution`` …).
        self.published: Counter[str] = Counter()
        #: Items recovered by back-fills and resyncs (trades, executions, snapshots).
        self.backfilled = 0
        #: Gaps handled (disconnects, stale sockets, restarts).
        self.gaps = 0
        #: Publishes repeated after an error or a missing ack.
        self.publish_retries = 0
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
        #: Publishes not acknowledged when the collector had to stop (logged as errors).
        self.unacknowledged_at_stop = 0

    @property
    def published_total(self) -> int:
        return sum(self.published.values())
