"""Simbroker settings: which namespaces, which venue rules, which latency."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from checked import CheckedStruct
from venue import DEFAULT_INSTRUMENTS, FeeConfig, FillModelName, FundingConfig, InstrumentConfig

NonNegInt = Annotated[int, msgspec.Meta(ge=0)]
PositiveInt = Annotated[int, msgspec.Meta(gt=0)]


class SimBrokerConfig(CheckedStruct, frozen=True):
    #: The replay run's namespace (``replay.<run>``): where the engine trades and where
    #: the market data, account events and results the simbroker publishes go.
    namespace: str
    #: Where the replayer republishes the recorded market data for the simbroker alone;
    #: the simbroker forwards it into ``namespace`` in one deterministic sequence with the
    #: account events it causes.
    feed_namespace: str
    run_id: str
    fill_model: FillModelName = "strict_cross"
    #: ``none``: an intent reaches the venue before the next market event; an integer: that
    #: many ms of exchange time after the ticker that caused it; ``recorded``: when the
    #: same intent took effect live (``replay.RecordedLatency``, given to the venue).
    latency: Literal["none", "recorded"] | NonNegInt = "none"
    fees: FeeConfig = FeeConfig()
    funding: FundingConfig = FundingConfig()
    instruments: tuple[InstrumentConfig, ...] = DEFAULT_INSTRUMENTS
    leverage: Decimal = Decimal("10")
    #: No intent takes effect sooner than this after its ticker (the model's least
    #: latency): market events younger than that go on without the engine's answer, so
    #: the engine and the simbroker work at once. 0 waits for the answer to every ticker.
    lookahead_ms: NonNegInt = 0
    #: The live executor's order (cancels first) or the engine's (``emitted``).
    intent_order: Literal["cancels_first", "emitted"] = "cancels_first"
    #: How many feed events the venue may match ahead of the engine (where live's
    #: exchange ran ahead of the recorded market data: ``replay.RecordedDelivery``).
    max_ahead: PositiveInt = 5000
    #: A progress report to the replayer at least this often (and whenever idle).
    progress_every: PositiveInt = 1000
