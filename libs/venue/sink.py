"""Where the exchange core reports what happened (the WS layer, or nothing)."""

from collections.abc import Sequence
from typing import Protocol

from venue.accounts import Account
from venue.market import Market
from venue.models import Execution, Order, Trade

__all__ = ["EventSink", "NullSink"]


class EventSink(Protocol):
    def order(self, account: Account, order: Order) -> None: ...
    def execution(self, account: Account, execution: Execution) -> None: ...
    def position(self, account: Account, symbol: str, idx: int) -> None: ...
    def wallet(self, account: Account) -> None: ...
    def trades(self, market: Market, trades: Sequence[Trade]) -> None: ...
    def flush(self) -> None: ...


class NullSink:
    """Discards every event (benchmarks, pure tests)."""

    def order(self, account: Account, order: Order) -> None:
        pass

    def execution(self, account: Account, execution: Execution) -> None:
        pass

    def position(self, account: Account, symbol: str, idx: int) -> None:
        pass

    def wallet(self, account: Account) -> None:
        pass

    def trades(self, market: Market, trades: Sequence[Trade]) -> None:
        pass

    def flush(self) -> None:
        pass
