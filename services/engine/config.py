"""Engine settings."""

from __future__ import annotations

from typing import Annotated

import msgspec

from checked import CheckedStruct

PositiveFloat = Annotated[float, msgspec.Meta(gt=0)]


class EngineConfig(CheckedStruct, frozen=True):
    #: Namespace the engine reads events from and publishes intents to.
    namespace: str = "live"
    #: Name used in resync requests and logs.
    instance: str = "engine"
    #: How long to wait for the collector's snapshot (open orders, positions, wallet)
    #: before trading without it; the executor's duplicate gate still prevents doubles.
    resync_timeout_s: PositiveFloat = 10.0
    #: A published place/cancel is not re-published for this long unless its outcome
    #: (an order event, a result or a reject) arrives first.
    inflight_timeout_s: PositiveFloat = 5.0
    #: A gate-rejected place is re-published after this long at the latest (sooner when a
    #: position or order event may have changed the gate's answer).
    reject_backoff_s: PositiveFloat = 2.0
    #: Grid-state writes are coalesced over this period (latest wins, S-2).
    persist_interval_s: PositiveFloat = 0.2
    #: Replays: after every ticker of the namespace, publish ``EngineProgress`` (after the
    #: batch it caused) so the simbroker can step in lockstep, measure the in-flight and
    #: reject timeouts on the recording's clock (when live received the market data), and
    #: stamp what it publishes with exchange time.
    lockstep: bool = False
