"""Collector configuration: what to collect and how hard to try.

Decoded once at the edge (``msgspec.convert``); a bad value fails with its field path.
Credentials are not part of it: the caller passes already-decrypted ``BybitConfig``s.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from bybit import BybitConfig
from checked import CheckedStruct

PositiveInt = Annotated[int, msgspec.Meta(gt=0)]
NonNegativeInt = Annotated[int, msgspec.Meta(ge=0)]
PositiveFloat = Annotated[float, msgspec.Meta(gt=0)]
NonNegativeFloat = Annotated[float, msgspec.Meta(ge=0)]
TradesLimit = Annotated[int, msgspec.Meta(ge=1, le=1000)]


class CollectorConfig(CheckedStruct, frozen=True):
    #: Namespace every event is published under (``live``, ``paper``). Default ``live``.
    namespace: str = "live"
    #: Symbols of the public streams (``publicTrade`` + ``tickers``). Default none.
    symbols: list[str] = msgspec.field(default_factory=list)
    #: Trades asked for per symbol when back-filling a public gap (Bybit's max 1000).
    backfill_trades_limit: TradesLimit = 1000
    #: Wait for one JetStream ack before the publish is retried. Default 10 s.
    publish_timeout_s: PositiveFloat = 10.0
    #: Pipelined publishes awaiting their ack; past it publishing waits. Default 2000.
    max_in_flight: PositiveInt = 2000
    #: Longest pause between publish retries (exponential from 0.05 s). Default 5 s.
    publish_retry_max_s: PositiveFloat = 5.0
    #: Event ids (trade ids for public streams) remembered per stream to drop what a
    #: back-fill and the websocket both deliver. Default 20000 (at least 2 × trades limit).
    dedup_window: PositiveInt = 20_000
    #: Answer ``ResyncRequest``s on ``{ns}.sys.collector.resync_request``. Default true.
    resync: bool = True
    #: Queue group of the responder: with several collectors one of them answers.
    resync_queue: str = "collector"
    #: Longest a resync may take before the reply reports the account as failed.
    resync_timeout_s: PositiveFloat = 20.0
    #: Attempts per REST call of a back-fill (then that part is given up). Default 3.
    backfill_attempts: PositiveInt = 3
    #: First pause between back-fill attempts (doubles each time). Default 0.5 s.
    backfill_retry_s: NonNegativeFloat = 0.5
    #: An incomplete back-fill is tried again after this many seconds (and at every later
    #: gap) from where it started, until it completes. 0 = only at the next gap. Default 30.
    backfill_retry_after_s: NonNegativeFloat = 30.0
    #: Executions are asked for from this long before the last one seen (exchange clock),
    #: so late or out-of-order ones are not missed; repeats are dropped. Default 5000 ms.
    exec_overlap_ms: NonNegativeInt = 5_000
    #: With no execution or order of an account seen yet (here or in the stream), the
    #: start-up back-fill asks for executions of the last this many seconds of the
    #: exchange's REST clock. 0 = the exchange's own default window (Bybit: 7 days), the
    #: default: a collector killed before its first fill was stored must still find it,
    #: and the REST clock is not the clock of a simulated feed. Repeats are dropped by id.
    initial_lookback_s: NonNegativeFloat = 0.0
    #: On start, what the previous run stored within this many seconds before its last
    #: event (per account and kind; trade frames per symbol) is read back, to know what it
    #: already published. Keep it above ``exec_overlap_ms``. Default 10.
    restart_window_s: NonNegativeFloat = 10.0
    #: On stop, how long queued websocket events and unacknowledged publishes may take.
    drain_timeout_s: PositiveFloat = 10.0


class CollectorAccount(msgspec.Struct, frozen=True, kw_only=True):
    """One account's private streams. ``bybit`` carries the decrypted key (its
    ``api_secret`` is a ``bybit.Secret``: never logged, published or put in an error)."""

    account_id: str
    bybit: BybitConfig
    #: Symbols whose positions are back-filled even when flat (a position closed during a
    #: gap is otherwise invisible: Bybit lists only open ones per settle coin). Default:
    #: the collector's ``symbols``.
    symbols: list[str] = msgspec.field(default_factory=list)
