"""The kernel's reports as the proto events Bybit's private streams become on the bus:
``OrderUpdate``, ``Execution``, ``Position``, ``Wallet`` (in-process front-ends: the
backtest and the simbroker).

Within one kernel operation, at ``flush()``, events come per account in the order
order → execution → position → wallet; a position or the wallet is reported once, in
its state at the flush. A hedge-mode leg is reported with its sibling leg: the pair
liquidation estimate of each depends on both (B-RISK-3), so a fill on one leg moves the
other's liquidation price too. Prices and amounts keep the kernel's full Decimal precision
(no rounding to the tick: the reference accounting is compared to 1e-6 USDT), unless
``wire_money`` asks for money as the exchange's wire gives it (8 decimals, half up: what
a collector parses from exchange-sim, so a replay's fees and PnL equal live's to the
last digit). Timestamps are the kernel's time, so a run's events are reproducible.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

import proto
from venue.accounts import Account
from venue.market import Market
from venue.models import Execution, Order, Position, Trade

__all__ = ["ProtoSink"]

_ZERO = Decimal(0)
_NS = 1_000_000
_Q8 = Decimal("0.00000001")


class _Slot:
    __slots__ = ("executions", "orders", "positions", "wallet")

    def __init__(self) -> None:
        self.orders: list[proto.OrderUpdate] = []
        self.executions: list[proto.Execution] = []
        self.positions: dict[tuple[str, int], None] = {}
        self.wallet = False


class ProtoSink:
    """Collects proto events; :meth:`drain` hands them over in order."""

    def __init__(
        self,
        now: Callable[[], int],
        account_ids: Mapping[str, str] | None = None,
        liq_prices: Callable[[Account, str], tuple[Decimal, Decimal]] | None = None,
        marks: Mapping[str, Decimal] | None = None,
        *,
        wire_money: bool = False,
    ) -> None:
        self._now = now
        self._money: Callable[[Decimal], Decimal] = _wire if wire_money else _exact
        self._ids = dict(account_ids or {})
        #: Set by the owner once the kernel exists (it needs the sink first).
        self.liq_prices = liq_prices
        self.marks: Mapping[str, Decimal] = marks if marks is not None else {}
        self._slots: dict[str, tuple[Account, _Slot]] = {}
        self._events: list[proto.Message] = []
        self._wallet_seq = 0

    def account_id(self, acct: Account) -> str:
        return self._ids.get(acct.api_key, acct.api_key)

    def _slot(self, account: Account) -> _Slot:
        held = self._slots.get(account.api_key)
        if held is None:
            held = self._slots[account.api_key] = (account, _Slot())
        return held[1]

    # -- EventSink ----------------------------------------------------------------------
    def order(self, account: Account, order: Order) -> None:
        self._slot(account).orders.append(self._order(account, order))

    def execution(self, account: Account, execution: Execution) -> None:
        self._slot(account).executions.append(self._execution(account, execution))

    def position(self, account: Account, symbol: str, idx: int) -> None:
        self._slot(account).positions[(symbol, idx)] = None

    def wallet(self, account: Account) -> None:
        self._slot(account).wallet = True

    def trades(self, market: Market, trades: Sequence[Trade]) -> None:
        pass

    def flush(self) -> None:
        if not self._slots:
            return
        slots, self._slots = self._slots, {}
        out = self._events
        for account, slot in slots.values():
            out.extend(slot.orders)
            out.extend(slot.executions)
            for symbol, idx in _with_siblings(account, slot.positions):
                out.append(self._position(account, symbol, idx))
            if slot.wallet:
                out.append(self._wallet(account))

    def drain(self) -> list[proto.Message]:
        """Every event flushed since the last call, in order."""
        events, self._events = self._events, []
        return events

    # -- rendering ------------------------------------------------------------------------
    def _order(self, account: Account, order: Order) -> proto.OrderUpdate:
        return proto.OrderUpdate(
            event_id=f"order:{order.order_id}:{order.updated_ms}:{order.status}:{order.cum_exec_qty}",
            ts_exchange_ms=order.updated_ms,
            ts_local_ns=order.updated_ms * _NS,
            account_id=self.account_id(account),
            symbol=order.symbol,
            order_id=order.order_id,
            order_link_id=order.order_link_id,
            side=proto.Side(order.side),
            position_idx=order.position_idx,
            price=order.price,
            qty=order.qty,
            leaves_qty=order.leaves_qty,
            cum_exec_qty=order.cum_exec_qty,
            status=proto.OrderStatus(str(order.status)),
            reduce_only=order.reduce_only,
            order_type=order.order_type,
            time_in_force=order.time_in_force,
            reject_reason=order.reject_reason,
            created_ms=order.created_ms,
            updated_ms=order.updated_ms,
        )

    def _execution(self, account: Account, e: Execution) -> proto.Execution:
        return proto.Execution(
            event_id=f"exec:{e.exec_id}",
            ts_exchange_ms=e.exec_time_ms,
            ts_local_ns=e.exec_time_ms * _NS,
            account_id=self.account_id(account),
            symbol=e.symbol,
            exec_id=e.exec_id,
            exec_type=proto.ExecType(e.exec_type),
            order_id=e.order_id,
            order_link_id=e.order_link_id,
            side=proto.Side(e.side or "Buy"),
            price=e.exec_price,
            qty=e.exec_qty,
            fee=self._money(e.exec_fee),
            fee_rate=e.fee_rate,
            is_maker=e.is_maker,
            closed_size=e.closed_size,
            leaves_qty=e.leaves_qty,
            exec_pnl=self._money(e.exec_pnl),
        )

    def _position(self, account: Account, symbol: str, idx: int) -> proto.Position:
        pos: Position = account.position(symbol, idx)
        mark = self.marks.get(symbol)
        liq: Decimal | None = None
        if idx in (1, 2) and self.liq_prices is not None:
            liq = self.liq_prices(account, symbol)[idx - 1]
        now = self._now()
        return proto.Position(
            event_id=f"position:{self.account_id(account)}:{symbol}:{idx}:{pos.seq}",
            ts_exchange_ms=now,
            ts_local_ns=now * _NS,
            account_id=self.account_id(account),
            symbol=symbol,
            position_idx=idx,
            side=proto.Side(pos.side) if pos.side else None,
            size=abs(pos.size),
            avg_price=pos.avg_price,
            mark_price=mark,
            liq_price=liq,
            leverage=pos.leverage,
            unrealised_pnl=self._money(pos.unrealised(mark)) if mark is not None else _ZERO,
            cum_realised_pnl=self._money(pos.cum_realised_pnl),
            seq=pos.seq,
        )

    def _wallet(self, account: Account) -> proto.Wallet:
        self._wallet_seq += 1
        now = self._now()
        unrealised = account.unrealised(self.marks)
        return proto.Wallet(
            event_id=f"wallet:{self.account_id(account)}:USDT:{self._wallet_seq}",
            ts_exchange_ms=now,
            ts_local_ns=now * _NS,
            account_id=self.account_id(account),
            coin="USDT",
            equity=self._money(account.wallet + unrealised),
            wallet_balance=self._money(account.wallet),
            available_balance=self._money(account.available(self.marks)),
            unrealised_pnl=self._money(unrealised),
            cum_realised_pnl=self._money(account.cum_realised),
        )


def _exact(value: Decimal) -> Decimal:
    return value


def _wire(value: Decimal) -> Decimal:
    return value.quantize(_Q8, rounding=ROUND_HALF_UP)


def _with_siblings(account: Account, keys: dict[tuple[str, int], None]) -> list[tuple[str, int]]:
    out = list(keys)
    for symbol, idx in list(keys):
        if idx in (1, 2):
            sibling = (symbol, 3 - idx)
            if sibling not in keys and sibling in account.positions and sibling not in out:
                out.append(sibling)
    return out
