"""The venue kernel: orders, matching under a named fill model, hedge-mode positions,
fees, funding, wallet, margin and liquidation detection, in Decimal. No I/O and no clock
of its own. Front-ends: the exchange simulator, the simbroker, the backtest."""

from venue.config import (
    DEFAULT_INSTRUMENTS,
    AccountConfig,
    FeeConfig,
    FillModelName,
    FundingConfig,
    FundingPoint,
    InstrumentConfig,
    MatchingConfig,
    QueueConfig,
    VenueConfig,
)
from venue.errors import BybitError, RetCode
from venue.fills import FILL_MODELS, FillModel, Tick, make_fill_model
from venue.funding import FirstTickFunding, FundingModel, FundingSchedule, RecordedFunding
from venue.ids import IdGen
from venue.kernel import RecordedFill, Venue, VenueSettings
from venue.models import (
    Execution,
    Order,
    OrderRequest,
    OrderStatus,
    Position,
    RestoredLeg,
    RestoredOrder,
    Trade,
)
from venue.proto_sink import ProtoSink
from venue.sink import EventSink, NullSink

__all__ = [
    "DEFAULT_INSTRUMENTS",
    "FILL_MODELS",
    "AccountConfig",
    "BybitError",
    "EventSink",
    "Execution",
    "FeeConfig",
    "FillModel",
    "FillModelName",
    "FirstTickFunding",
    "FundingConfig",
    "FundingModel",
    "FundingPoint",
    "FundingSchedule",
    "IdGen",
    "InstrumentConfig",
    "MatchingConfig",
    "NullSink",
    "Order",
    "OrderRequest",
    "OrderStatus",
    "Position",
    "ProtoSink",
    "QueueConfig",
    "RecordedFill",
    "RecordedFunding",
    "RestoredLeg",
    "RestoredOrder",
    "RetCode",
    "Tick",
    "Trade",
    "Venue",
    "VenueConfig",
    "VenueSettings",
    "make_fill_model",
]
