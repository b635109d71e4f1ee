"""gridcore: the pure grid strategy core (spec/gridcore.md). Events in, intents out."""

from gridcore._levels import GridLevel
from gridcore._placement import Plan, eligible
from gridcore.config import GridConfig, RiskConfig
from gridcore.engine import GridEngine, reduce_only_for
from gridcore.errors import (
    DuplicatePriceError,
    EmptyGridError,
    GridConfigError,
    GridcoreError,
    InvalidAmountError,
    OrderLinkIdTooLongError,
    RiskLinkError,
)
from gridcore.grid import Grid
from gridcore.identity import client_order_id, order_link_id, order_link_prefix
from gridcore.persistence import (
    decode_grid_document,
    encode_grid_document,
    grid_state_key,
    saved_grid,
)
from gridcore.quantity import Amount, InstrumentInfo, order_qty, parse_amount, round_qty
from gridcore.risk import (
    PositionRiskManager,
    PositionState,
    early_imbalance_qty,
    update_multipliers,
)
from gridcore.rounding import round_to_tick
from proto.strategy import (
    CancelIntent,
    Event,
    ExecutionEvent,
    Intent,
    OrderUpdateEvent,
    PlaceLimitIntent,
    PublicTradeEvent,
    RestingOrder,
    TickerEvent,
    event_sort_key,
)

__all__ = [
    "Amount",
    "CancelIntent",
    "DuplicatePriceError",
    "EmptyGridError",
    "Event",
    "ExecutionEvent",
    "Grid",
    "GridConfig",
    "GridConfigError",
    "GridEngine",
    "GridLevel",
    "GridcoreError",
    "InstrumentInfo",
    "Intent",
    "InvalidAmountError",
    "OrderLinkIdTooLongError",
    "OrderUpdateEvent",
    "PlaceLimitIntent",
    "Plan",
    "PositionRiskManager",
    "PositionState",
    "PublicTradeEvent",
    "RestingOrder",
    "RiskConfig",
    "RiskLinkError",
    "TickerEvent",
    "client_order_id",
    "decode_grid_document",
    "early_imbalance_qty",
    "eligible",
    "encode_grid_document",
    "event_sort_key",
    "grid_state_key",
    "order_link_id",
    "order_link_prefix",
    "order_qty",
    "parse_amount",
    "reduce_only_for",
    "round_qty",
    "round_to_tick",
    "saved_grid",
    "update_multipliers",
]
