"""Engine decisions (subject ``{ns}.intent.{account_id}.{symbol}``).

The engine publishes one ``IntentBatch`` per triggering event, so the executor sees the
engine's order (cancels and places interleaved as gridcore returned them) atomically.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from proto.common import Direction, Event, Side


class PlaceIntent(msgspec.Struct, frozen=True, kw_only=True, tag="place"):
    client_order_id: str
    symbol: str
    side: Side
    direction: Direction
    price: Decimal
    qty: Decimal
    reduce_only: bool
    grid_level: int
    post_only: bool = False


class CancelIntent(msgspec.Struct, frozen=True, kw_only=True, tag="cancel"):
    order_id: str
    symbol: str
    reason: str
    client_order_id: str = ""


class IntentBatch(Event, frozen=True, kw_only=True, tag="intents"):
    strategy_id: str
    account_id: str
    symbol: str
    #: The event whose handling produced these intents (comparator and latency join key).
    trigger_event_id: str
    intents: list[PlaceIntent | CancelIntent]
    shadow: bool = False
