"""Fields and conventions every bus message shares.

Units and number types, fixed for the whole wire contract:

* ``ts_exchange_ms``: the exchange's own timestamp, integer milliseconds since the Unix
  epoch (UTC). Bybit stamps everything in ms; carrying more digits would invent precision.
* ``ts_local_ns``: when this process saw or made the event, integer nanoseconds since the
  Unix epoch (UTC) from ``time.time_ns()``. Nanoseconds because local latency (tick →
  intent → order) is measured in microseconds.
* Prices, quantities, fees and PnL are ``decimal.Decimal``; msgspec encodes them as
  decimal strings, exactly as Bybit sends them, so no value is ever rounded through a
  binary float on the wire.
"""

from __future__ import annotations

import enum

import msgspec

#: Bumped when a field is added to any message; old readers ignore unknown fields and
#: new fields always have defaults, so a version is informative, never a gate.
SCHEMA_VERSION = 1


class Side(enum.StrEnum):
    BUY = "Buy"
    SELL = "Sell"


class Direction(enum.StrEnum):
    """The hedge-mode leg an order belongs to (Bybit positionIdx 1 = long, 2 = short)."""

    LONG = "long"
    SHORT = "short"


class Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    """Base of every bus message: a stable id, two timestamps and a schema version."""

    #: Stable id: exchange ids where they exist (trade id, execId, orderId+updatedTime),
    #: otherwise derived deterministically from what caused the event. Used as
    #: ``Nats-Msg-Id`` and as the event store's idempotency key.
    event_id: str
    ts_exchange_ms: int
    ts_local_ns: int
    v: int = SCHEMA_VERSION
