"""One account's order execution: the §6.6 gates, the same-order latch, the circuit
breaker, REST place/cancel, and the view those keep up to date.

A place runs: latch → zero qty / duplicates / reduce-only (pure gates over the view) →
breaker → low-balance preflight (opening orders, cached wallet) → REST with one
``orderLinkId`` for the whole placement lifecycle. A placement whose outcome stayed
unknown (retries exhausted after timeouts) keeps its link id in the view: the next
emission of the same client order id first looks it up and, if absent, places it again
under that same id, so the exchange can never hold it twice.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import gridcore
from bybit import (
    BybitAccountHttpAPI,
    BybitError,
    BybitHttpClient,
    BybitTradeHttpAPI,
    PlaceOrder,
    decimal_str,
)
from execution import gates
from execution.gates import Verdict
from execution.orders import OrderState, position_idx
from proto import CancelIntent, IntentBatch, PlaceIntent, RejectReason
from services.executor.breaker import CircuitBreaker
from services.executor.clock import Clock
from services.executor.config import ExecutorConfig
from services.executor.orders import OrderBook, ReconcileDiff
from services.executor.outbox import Intent, Outbox, Outcome, action
from services.executor.rest import Aborted, Health, OpResult, OrderGateway
from services.executor.stats import ExecutorStats
from services.executor.wallet import WalletCache

_INSUFFICIENT = frozenset({110004, 110007, 110012})


class AccountExecution:
    def __init__(
        self,
        http: BybitHttpClient,
        config: ExecutorConfig,
        *,
        clock: Clock,
        breaker: CircuitBreaker,
        stats: ExecutorStats,
        outbox: Outbox,
        aborted: Callable[[], bool],
        log: Any,
    ) -> None:
        self.config = config
        self.clock = clock
        self.breaker = breaker
        self.stats = stats
        self.outbox = outbox
        self.book = OrderBook()
        self.wallet = WalletCache(config.wallet_cache_s, clock.monotonic)
        self._trade = BybitTradeHttpAPI(http)
        self._accounts = BybitAccountHttpAPI(http)
        self._gateway = OrderGateway(
            self._trade,
            max_retries=config.max_retries,
            backoff_s=config.retry_backoff_s,
            on_retry=self._count_retry,
            aborted=aborted,
        )
        self._log = log
        self._latched: set[str] = set()
        self._last_link_ms = 0

    async def execute(self, batch: IntentBatch, index: int, intent: Intent) -> Outcome:
        verdict = gates.latch_blocks(intent, self.latch(intent.symbol))
        if verdict is not None:
            return self.outbox.reject(batch, index, intent, verdict)
        if isinstance(intent, CancelIntent):
            return await self._cancel(batch, index, intent)
        return await self._place(batch, index, intent)

    def shadow(self, batch: IntentBatch, index: int, intent: Intent) -> Outcome:
        """What would have been sent, logged and answered; nothing reaches the exchange."""
        self.stats.shadow += 1
        fields: dict[str, Any] = {
            "symbol": intent.symbol,
            "client_order_id": intent.client_order_id,
        }
        if isinstance(intent, PlaceIntent):
            fields.update(side=intent.side, price=str(intent.price), qty=str(intent.qty))
        else:
            fields.update(order_id=intent.order_id, reason=intent.reason)
        self._log.info("executor_shadow", action=action(intent), batch=batch.event_id, **fields)
        return self.outbox.result(batch, index, intent, shadow=True)

    # ------------------------------------------------------------------ place

    async def _place(self, batch: IntentBatch, index: int, intent: PlaceIntent) -> Outcome:
        symbol, idx = intent.symbol, position_idx(intent.direction)
        pending = next(
            (
                o
                for o in self.book.with_client_id(symbol, intent.client_order_id)
                if o.state is OrderState.UNKNOWN
            ),
            None,
        )
        others = [o for o in self.book.orders(symbol) if o is not pending]
        verdict = gates.check_place(intent, others, self.book.position_size(symbol, idx))
        if verdict is not None:
            return self.outbox.reject(batch, index, intent, verdict)
        link_id = pending.link_id if pending else self._new_link_id(intent.client_order_id)
        if not self.breaker.allow():
            return self._circuit_open(batch, index, intent)
        health = Health.NEUTRAL
        try:
            if not intent.reduce_only:
                leverage = self.book.leverage(symbol, idx) or self.config.default_leverage
                available = await self._available()
                buffer = self.config.low_balance_buffer
                verdict = gates.check_balance(intent, available, leverage, buffer)
                if verdict is not None:
                    return self.outbox.reject(batch, index, intent, verdict)
            self.book.begin_place(intent, link_id, self.clock.time_ns())
            try:
                result = await self._gateway.place(
                    _place_order(intent, link_id, idx), outcome_unknown=pending is not None
                )
            except Aborted:
                self.book.mark_unknown(link_id, self.clock.time_ns())
                raise
            health = result.health
            return self._placed(batch, index, intent, link_id, result)
        finally:
            self._record(health)

    def _placed(
        self, batch: IntentBatch, index: int, intent: PlaceIntent, link_id: str, result: OpResult
    ) -> Outcome:
        now = self.clock.time_ns()
        if not result.ok:
            if result.outcome_unknown:
                self.book.mark_unknown(link_id, now)
            else:
                self.book.abandon(link_id)
            if result.ret_code in _INSUFFICIENT:
                self.wallet.invalidate()
            verdict = Verdict(result.reason or RejectReason.EXCHANGE, result.detail)
            return self.outbox.reject(batch, index, intent, verdict, ret_code=result.ret_code)
        if result.row is not None:  # found by orderLinkId after an unknown outcome
            self.stats.lookups_adopted += 1
            self.book.adopt(result.row, now)  # open: into the view; else remembered gone
            self.book.abandon(link_id)  # drops the in-flight entry if it was not adopted
        else:
            self.book.placed(link_id, result.order_id, now)
        self.stats.placed += 1
        self._log.info(
            "executor_placed",
            symbol=intent.symbol,
            link_id=link_id,
            order_id=result.order_id,
            side=intent.side,
            price=str(intent.price),
            qty=str(intent.qty),
            found_by_lookup=result.row is not None,
        )
        self.latch(intent.symbol)
        return self.outbox.result(batch, index, intent, link_id=link_id, order_id=result.order_id)

    # ------------------------------------------------------------------ cancel

    async def _cancel(self, batch: IntentBatch, index: int, intent: CancelIntent) -> Outcome:
        order_id = intent.order_id
        if not order_id and intent.client_order_id:
            known = self.book.with_client_id(intent.symbol, intent.client_order_id)
            order_id = next((o.order_id for o in known if o.order_id), "")
        if not order_id:
            verdict = Verdict(RejectReason.EXCHANGE, "cancel without an order id we know")
            return self.outbox.reject(batch, index, intent, verdict)
        if not self.breaker.allow():
            return self._circuit_open(batch, index, intent)
        health = Health.NEUTRAL
        try:
            result = await self._gateway.cancel(intent.symbol, order_id)
            health = result.health
        finally:
            self._record(health)
        if not result.ok:
            verdict = Verdict(result.reason or RejectReason.EXCHANGE, result.detail)
            return self.outbox.reject(batch, index, intent, verdict, ret_code=result.ret_code)
        gone = self.book.remove_order_id(order_id)
        self.stats.cancelled += 1
        self._log.info(
            "executor_cancelled",
            symbol=intent.symbol,
            order_id=order_id,
            reason=intent.reason,
            already_gone=bool(result.detail),
        )
        self.latch(intent.symbol)
        return self.outbox.result(
            batch,
            index,
            intent,
            link_id=gone.link_id if gone else "",
            order_id=order_id,
            client_order_id=intent.client_order_id or (gone.client_order_id if gone else ""),
        )

    # ------------------------------------------------------------------ breaker, latch

    def _circuit_open(self, batch: IntentBatch, index: int, intent: Intent) -> Outcome:
        detail = f"circuit open, retry in {self.breaker.retry_in_s():.1f} s"
        return self.outbox.reject(batch, index, intent, Verdict(RejectReason.CIRCUIT_OPEN, detail))

    def _record(self, health: Health) -> None:
        if health is Health.SUCCESS:
            self.breaker.record_success()
        elif health is Health.FAILURE:
            if self.breaker.record_failure():
                self.stats.breaker_trips += 1
                self._log.warning(
                    "executor_circuit_open",
                    trips=self.breaker.trips,
                    cooldown_s=round(self.breaker.retry_in_s(), 1),
                )
        else:
            self.breaker.release()

    def latch(self, symbol: str) -> bool:
        """Is the same-order latch on for ``symbol``? Logs when it sets and clears."""
        doubled = self.book.doubled(symbol)
        if doubled and symbol not in self._latched:
            self._latched.add(symbol)
            self._log.warning("executor_same_order_latch_set", symbol=symbol, ids=sorted(doubled))
        elif not doubled and symbol in self._latched:
            self._latched.discard(symbol)
            self._log.info("executor_same_order_latch_cleared", symbol=symbol)
        return bool(doubled)

    def _count_retry(self, attempt: int, exc: BybitError) -> None:
        self.stats.retries += 1
        self._log.warning(
            "executor_retry", attempt=attempt, error_type=type(exc).__name__, error=str(exc)
        )

    def _new_link_id(self, client_order_id: str) -> str:
        """I-2, with the ms strictly increasing so two placements never share an id."""
        ms = max(self.clock.time_ns() // 1_000_000, self._last_link_ms + 1)
        self._last_link_ms = ms
        return gridcore.order_link_id(client_order_id, ms)

    # ------------------------------------------------------------------ exchange state

    async def _available(self) -> Decimal | None:
        if self.wallet.fresh() is None:
            await self.refresh_wallet()
        return self.wallet.last()

    async def refresh_wallet(self) -> None:
        """Fetch the available balance; on failure the stale value (if any) stays."""
        coin = self.config.settle_coin
        try:
            for row in await self._accounts.request_wallet(coin):
                if row.coin == coin:
                    self.wallet.put(row.available_balance)
        except BybitError as exc:
            self._log.warning("executor_wallet_unavailable", error=str(exc))

    async def reconcile(self) -> ReconcileDiff:
        """Open orders and positions from REST against the view (raises adapter errors)."""
        started = self.clock.time_ns()
        coin = self.config.settle_coin
        rows = await self._trade.query_open_orders(settle_coin=coin)
        positions = await self._accounts.request_positions(settle_coin=coin)
        now = self.clock.time_ns()
        diff = self.book.reconcile(rows, started, now)
        self.book.replace_positions(positions, started, now)
        if self.wallet.fresh() is None:
            await self.refresh_wallet()
        for symbol in {o.symbol for o in self.book.orders()} | self._latched:
            self.latch(symbol)
        return diff


def _place_order(intent: PlaceIntent, link_id: str, idx: int) -> PlaceOrder:
    return PlaceOrder(
        symbol=intent.symbol,
        side=str(intent.side),
        orderType="Limit",
        qty=decimal_str(intent.qty),
        price=decimal_str(intent.price),
        timeInForce="PostOnly" if intent.post_only else "GTC",
        positionIdx=idx,
        orderLinkId=link_id,
        reduceOnly=intent.reduce_only,
    )
