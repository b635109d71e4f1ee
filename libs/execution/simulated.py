"""A simulated broker: the live executor's gates in front of the venue kernel, in process.

It stands in for executor + exchange where both are simulated (the backtest; the bus
simbroker wraps the same core). Per batch, in the engine's order (``emitted``, the
reference backtest's B-ORD-2) or all cancels first (``cancels_first``, the live
executor's §6.6): a cancel removes the order if it rests (not found is success); a place
passes the §6.6 gates (zero qty, duplicate, reduce-only flat/exceeds, and optionally the
low-balance preflight) against the kernel's own open orders and positions, then goes to
the kernel under one ``orderLinkId`` ``{client_order_id}-{ms}`` (I-2; the ms never
repeats within a broker). Every intent gets an ``ExecResult`` or an ``ExecReject`` with
the executor's reasons and event ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Literal

import proto
from execution.gates import Verdict, check_balance, check_place
from execution.orders import BookOrder, OrderState, position_idx
from gridcore import order_link_prefix
from proto import CancelIntent, IntentBatch, PlaceIntent, RejectReason
from venue.errors import BybitError, RetCode
from venue.kernel import Venue
from venue.models import Order, OrderRequest

__all__ = ["IntentOrder", "SimulatedBroker"]

IntentOrder = Literal["emitted", "cancels_first"]
Outcome = proto.ExecResult | proto.ExecReject


class SimulatedBroker:
    def __init__(
        self,
        venue: Venue,
        api_key: str,
        account_id: str,
        *,
        intent_order: IntentOrder = "cancels_first",
        low_balance_buffer: Decimal | None = None,
    ) -> None:
        self.venue = venue
        self.api_key = api_key
        self.account_id = account_id
        self.intent_order = intent_order
        #: ``None``: no low-balance preflight (the reference backtest has none).
        self.low_balance_buffer = low_balance_buffer
        self.placed = 0
        self.cancelled = 0
        self.rejected: dict[str, int] = {}
        self._gates: Mapping[int, Verdict | None] = {}
        self._last_link_ms = 0

    def execute(
        self,
        batch: IntentBatch,
        indices: Iterable[int] | None = None,
        gates: Mapping[int, Verdict | None] | None = None,
    ) -> list[Outcome]:
        """Every intent of ``batch``, or only those at ``indices`` (a batch whose intents
        reach the venue at different times); answers keep each intent's own index.
        ``gates``: per index, the gates' answer to take instead of asking them (None:
        passed), as a replay takes live's executor's, whose view of the account lagged."""
        self._gates = gates or {}
        intents: Iterable[tuple[int, PlaceIntent | CancelIntent]] = enumerate(batch.intents)
        if indices is not None:
            intents = [(i, batch.intents[i]) for i in indices]
        if self.intent_order == "cancels_first":
            indexed = list(intents)
            intents = [p for p in indexed if isinstance(p[1], CancelIntent)] + [
                p for p in indexed if isinstance(p[1], PlaceIntent)
            ]
        out: list[Outcome] = []
        for index, intent in intents:
            if isinstance(intent, CancelIntent):
                out.append(self._cancel(batch, index, intent))
            else:
                out.append(self._place(batch, index, intent))
        return out

    # -- cancels ------------------------------------------------------------------------
    def _cancel(self, batch: IntentBatch, index: int, intent: CancelIntent) -> Outcome:
        try:
            order = self.venue.cancel(self.api_key, intent.symbol, intent.order_id, "")
            link_id = order.order_link_id
        except BybitError as exc:
            if exc.ret_code is not RetCode.ORDER_NOT_FOUND:
                return self._reject(batch, index, "cancel", intent.client_order_id, exc)
            link_id = ""  # already gone: what the cancel wanted
        self.cancelled += 1
        return self._result(
            batch, index, "cancel", intent.client_order_id, link_id, intent.order_id
        )

    # -- places -------------------------------------------------------------------------
    def _place(self, batch: IntentBatch, index: int, intent: PlaceIntent) -> Outcome:
        idx = position_idx(intent.direction)
        verdict = self._gates[index] if index in self._gates else self._gate(intent, idx)
        if verdict is not None:
            return self._reject(batch, index, "place", intent.client_order_id, verdict)
        link_id = f"{intent.client_order_id}-{self._link_ms()}"
        request = OrderRequest(
            symbol=intent.symbol,
            side=intent.side.value,
            order_type="Limit",
            qty=intent.qty,
            price=intent.price,
            time_in_force="PostOnly" if intent.post_only else "GTC",
            position_idx=idx,
            order_link_id=link_id,
            reduce_only=intent.reduce_only,
        )
        try:
            order = self.venue.place(self.api_key, request)
        except BybitError as exc:
            return self._reject(batch, index, "place", intent.client_order_id, exc)
        self.placed += 1
        return self._result(batch, index, "place", intent.client_order_id, link_id, order.order_id)

    def _gate(self, intent: PlaceIntent, idx: int) -> Verdict | None:
        acct = self.venue.account(self.api_key)
        size = abs(acct.position(intent.symbol, idx).size)
        verdict = check_place(intent, self._view(intent.symbol), size)
        if verdict is None and self.low_balance_buffer is not None:
            available = acct.available(self.venue.marks)
            leverage = acct.leverage(intent.symbol)
            verdict = check_balance(intent, available, leverage, self.low_balance_buffer)
        return verdict

    def _link_ms(self) -> int:
        ms = max(self.venue.now(), self._last_link_ms + 1)
        self._last_link_ms = ms
        return ms

    def _view(self, symbol: str) -> list[BookOrder]:
        acct = self.venue.account(self.api_key)
        return [_book_order(o) for o in acct.open_orders.values() if o.symbol == symbol]

    # -- answers ------------------------------------------------------------------------
    def _header(self, batch: IntentBatch, index: int) -> dict[str, object]:
        now = self.venue.now()
        return {
            "event_id": f"{batch.event_id}:{index}",
            "ts_exchange_ms": now,
            "ts_local_ns": now * 1_000_000,
            "account_id": self.account_id,
            "symbol": batch.symbol,
            "intent_batch_id": batch.event_id,
        }

    def _result(
        self,
        batch: IntentBatch,
        index: int,
        action: str,
        client_order_id: str,
        link_id: str,
        order_id: str,
    ) -> proto.ExecResult:
        return proto.ExecResult(
            **self._header(batch, index),  # type: ignore[arg-type]
            action=action,
            client_order_id=client_order_id,
            order_link_id=link_id,
            order_id=order_id,
        )

    def _reject(
        self,
        batch: IntentBatch,
        index: int,
        action: str,
        client_order_id: str,
        why: Verdict | BybitError,
    ) -> proto.ExecReject:
        if isinstance(why, Verdict):
            reason, code, detail = why.reason.value, 0, why.detail
        else:
            reason, code, detail = RejectReason.EXCHANGE.value, int(why.ret_code), why.ret_msg
        self.rejected[reason] = self.rejected.get(reason, 0) + 1
        return proto.ExecReject(
            **self._header(batch, index),  # type: ignore[arg-type]
            action=action,
            client_order_id=client_order_id,
            ret_code=code,
            reason=reason,
            detail=detail,
        )


def _book_order(order: Order) -> BookOrder:
    return BookOrder(
        link_id=order.order_link_id,
        client_order_id=order_link_prefix(order.order_link_id) or "",
        symbol=order.symbol,
        side=order.side,
        price=order.price,
        qty=order.qty,
        leaves_qty=order.leaves_qty,
        reduce_only=order.reduce_only,
        position_idx=order.position_idx,
        state=OrderState.OPEN,
        order_id=order.order_id,
        updated_ms=order.updated_ms,
    )
