"""The gridcore error tree. Every error carries the data that explains it."""

from __future__ import annotations

from typing import Any


class GridcoreError(Exception):
    """Base class of every error gridcore raises on purpose."""


class GridConfigError(GridcoreError, ValueError):
    """A configuration value is invalid; raised at construction, naming the field."""

    def __init__(self, field: str, value: Any, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}={value!r}: {reason}")


class DuplicatePriceError(GridcoreError, ValueError):
    """G-4.7: a freshly built grid holds two levels with the same price."""

    def __init__(self, price: float, build_price: float) -> None:
        self.price = price
        self.build_price = build_price
        super().__init__(
            f"Grid contains duplicate prices: {price!r} (built at {build_price!r}); "
            "the tick is too coarse for grid_step at this price"
        )


class InvalidAmountError(GridcoreError, ValueError):
    """Q-1: an amount string is neither ``x<fraction>`` nor a plain USDT notional."""

    def __init__(self, amount: str) -> None:
        self.amount = amount
        super().__init__(f"amount={amount!r}: invalid amount string (expected 'x<f>' or '<n>')")


class RiskLinkError(GridcoreError, RuntimeError):
    """R-1: a risk manager was asked to calculate before being linked to its opposite."""

    def __init__(self, direction: str) -> None:
        self.direction = direction
        super().__init__(f"{direction} risk manager has no opposite manager linked")


class OrderLinkIdTooLongError(GridcoreError, ValueError):
    """I-2: the wire orderLinkId would exceed Bybit's 36-character limit."""

    def __init__(self, order_link_id: str, limit: int) -> None:
        self.order_link_id = order_link_id
        self.limit = limit
        super().__init__(f"orderLinkId {order_link_id!r} is {len(order_link_id)} > {limit} chars")


class EmptyGridError(GridcoreError, ValueError):
    """G-5 / G-7: a query that needs at least one level was asked of an empty grid."""

    def __init__(self, query: str) -> None:
        self.query = query
        super().__init__(f"{query}: the grid is empty")
