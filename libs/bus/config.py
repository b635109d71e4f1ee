"""Bus configuration, decoded once at the edge."""

from __future__ import annotations

from typing import Annotated

import msgspec

from checked import CheckedStruct

PositiveFloat = Annotated[float, msgspec.Meta(gt=0)]
NonNegativeInt = Annotated[int, msgspec.Meta(ge=0)]


class StreamConfig(CheckedStruct, frozen=True):
    """The JetStream stream that captures everything the recorder must store.

    ``0`` for a limit means unlimited (JetStream's ``-1``).
    """

    name: str = "GRIDTWIN"
    #: Namespaces captured; replay namespaces are transient and not captured.
    namespaces: tuple[str, ...] = ("live", "paper")
    max_age_s: NonNegativeInt = 7 * 24 * 3600
    max_bytes: NonNegativeInt = 0
    max_msgs: NonNegativeInt = 0
    #: Window in which a repeated ``Nats-Msg-Id`` is dropped by the server.
    duplicate_window_s: PositiveFloat = 120.0
    storage: str = "file"


class BusConfig(CheckedStruct, frozen=True):
    url: str = "nats://127.0.0.1:4222"
    #: Client name shown in NATS monitoring (the service's name).
    name: str = "gridtwin"
    #: Prepended to every subject and stream name; isolates tests sharing one server.
    prefix: str = ""
    connect_timeout_s: PositiveFloat = 2.0
    initial_connect_attempts: Annotated[int, msgspec.Meta(ge=1)] = 3
    request_timeout_s: PositiveFloat = 5.0
    #: Pending JetStream acks allowed before publishers wait (backpressure).
    max_pending_acks: Annotated[int, msgspec.Meta(gt=0)] = 4000
    stream: StreamConfig = StreamConfig()
