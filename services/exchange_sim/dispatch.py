"""The engine's event sink for the WS hubs: renders only what someone subscribed to.

Within one engine operation updates are collected and pushed at `flush()` per account in
the order order → execution → position → wallet (Bybit does not document an order; clients
must not depend on it). Order items are rendered when they happen (each status change is
its own item); positions and the wallet are rendered once, at flush, in their final state.
"""

from collections.abc import Sequence
from typing import Any

from services.exchange_sim.render import (
    render_execution,
    render_execution_fast,
    render_order,
    render_position,
    render_wallet,
)
from services.exchange_sim.ws_private import PrivateHub
from services.exchange_sim.ws_public import PublicHub
from venue.accounts import Account
from venue.kernel import Venue
from venue.market import Market
from venue.models import Execution, Order, Trade

__all__ = ["WsSink"]


class _Pending:
    __slots__ = ("executions", "orders", "positions", "wallet")

    def __init__(self) -> None:
        self.orders: list[dict[str, Any]] = []
        self.executions: list[Execution] = []
        self.positions: dict[tuple[str, int], None] = {}
        self.wallet = False


class WsSink:
    def __init__(self, public: PublicHub | None = None, private: PrivateHub | None = None) -> None:
        self.public = public
        self.private = private
        self.exchange: Venue | None = None  # set once the exchange exists
        self._pending: dict[str, _Pending] = {}

    def _slot(self, account: Account, kind: str) -> _Pending | None:
        if self.private is None or not self.private.subscribed(account.api_key, kind):
            return None
        slot = self._pending.get(account.api_key)
        if slot is None:
            slot = self._pending[account.api_key] = _Pending()
        return slot

    def order(self, account: Account, order: Order) -> None:
        slot = self._slot(account, "order")
        if slot is not None and self.exchange is not None:
            inst = self.exchange.markets[order.symbol].inst
            slot.orders.append(render_order(order, inst, ws=True))

    def execution(self, account: Account, execution: Execution) -> None:
        slot = self._slot(account, "execution") or self._slot(account, "execution.fast")
        if slot is not None:
            slot.executions.append(execution)

    def position(self, account: Account, symbol: str, idx: int) -> None:
        slot = self._slot(account, "position")
        if slot is not None:
            slot.positions[(symbol, idx)] = None

    def wallet(self, account: Account) -> None:
        slot = self._slot(account, "wallet")
        if slot is not None:
            slot.wallet = True

    def trades(self, market: Market, trades: Sequence[Trade]) -> None:
        if self.public is not None:
            self.public.publish_trades(market, trades)

    def flush(self) -> None:
        if not self._pending or self.private is None or self.exchange is None:
            return
        pending, self._pending = self._pending, {}
        ex = self.exchange
        hub = self.private
        for api_key, slot in pending.items():
            acct = ex.accounts[api_key]
            hub.push(api_key, "order", slot.orders)
            if slot.executions:
                insts = {e.symbol: ex.markets[e.symbol].inst for e in slot.executions}
                hub.push(
                    api_key,
                    "execution",
                    (render_execution(e, insts[e.symbol], ws=True) for e in slot.executions),
                )
                fast = [e for e in slot.executions if e.exec_type == "Trade"]
                hub.push(
                    api_key,
                    "execution.fast",
                    (render_execution_fast(e, insts[e.symbol]) for e in fast),
                )
            hub.push(
                api_key,
                "position",
                (
                    render_position(
                        acct, acct.position(s, i), ex.markets[s].inst, ex.marks.get(s), ws=True
                    )
                    for s, i in slot.positions
                ),
            )
            if slot.wallet:
                hub.push(api_key, "wallet", [render_wallet(acct, ex.marks)])
