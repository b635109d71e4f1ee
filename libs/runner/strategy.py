"""One strategy (account × symbol): gridcore plus its book, sizing and in-flight filter.

The same runner serves the engine service (bus events in, intent batches out), the
backtest (a venue kernel in process) and replays: only the caller differs.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from decimal import Decimal

import structlog

import proto
from gridcore import GridEngine, GridLevel, saved_grid
from proto.strategy import CancelIntent, ExecutionEvent, OrderUpdateEvent, PlaceLimitIntent
from proto.strategy import TickerEvent as CoreTicker
from runner.book import RestingBook
from runner.instrument import Instrument
from runner.pending import PendingIntents
from runner.profile import LIVE, RunnerProfile
from runner.sizing import Sizer
from tenants.models import StrategySpec

log = structlog.get_logger(__name__)

#: ``(strategy_id, levels, exchange ms of the event that changed it or None)``.
GridChange = Callable[[str, tuple[GridLevel, ...], int | None], None]
_SEEN_EXECUTIONS = 8192


class StrategyRunner:
    """Turns the events of one strategy into :class:`proto.IntentBatch` messages.

    The grid engine gets every event gridcore reads (tickers, fills, order updates); the
    runner adds what gridcore leaves to its caller: the resting-order view (E-3), the
    quantity (§9, §10), dropping zero quantities and closes no position can take, and
    (with ``pending``) holding back intents in flight.
    """

    def __init__(
        self,
        spec: StrategySpec,
        instrument: Instrument,
        *,
        pending: PendingIntents | None = None,
        profile: RunnerProfile = LIVE,
        saved_document: dict | None = None,
        on_grid_change: GridChange | None = None,
        anchor_price: float | None = None,
        clock_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        self.spec = spec
        self.grid_config = spec.grid_config()
        restored = (
            saved_grid(saved_document, spec.strategy_id, self.grid_config)
            if saved_document
            else None
        )

        def changed(levels: tuple[GridLevel, ...], ts: int | None) -> None:
            if on_grid_change is not None:
                on_grid_change(spec.strategy_id, levels, ts)

        self.engine = GridEngine(
            spec.symbol,
            instrument.tick_size,
            self.grid_config,
            spec.strategy_id,
            anchor_price=anchor_price,
            restored_grid=restored,
            on_grid_change=changed,
        )
        self.restored = bool(restored) and bool(self.engine.grid.prices)
        self.book = RestingBook()
        self.sizer = Sizer(spec.amount, spec.risk, instrument, profile)
        self.pending = pending
        self._clock_ns = clock_ns
        self._seen_exec: OrderedDict[str, None] = OrderedDict()
        self.zero_qty_dropped = 0
        self.reduce_only_held = 0

    # -- events -----------------------------------------------------------------------

    def on_ticker(self, ticker: proto.Ticker) -> proto.IntentBatch | None:
        event = CoreTicker(
            symbol=ticker.symbol,
            exchange_ts=ticker.ts_exchange_ms,
            local_ts=ticker.ts_local_ns // 1_000_000,
            last_price=ticker.last_price,
        )
        self.sizer.on_price(float(ticker.last_price))
        intents = self.engine.on_event(event, self.book.books())
        if not intents:
            return None
        out = self._to_wire(intents)
        if not out:
            return None
        return proto.IntentBatch(
            event_id=f"{self.spec.strategy_id}:{ticker.event_id}",
            ts_exchange_ms=ticker.ts_exchange_ms,
            ts_local_ns=self._clock_ns(),
            strategy_id=self.spec.strategy_id,
            account_id=self.spec.account_id,
            symbol=self.spec.symbol,
            trigger_event_id=ticker.event_id,
            intents=out,
            shadow=self.spec.shadow,
        )

    def on_quiet_ticks(self, last_price: float) -> None:
        """Stand-in for tickers known to change nothing but the last price (the backtest
        skips them in bulk): gridcore's ``last_close`` and the sizer's price advance."""
        self.engine.last_close = last_price
        self.sizer.on_price(last_price)

    def on_order(self, update: proto.OrderUpdate) -> None:
        if self.pending is not None:
            self.pending.on_order(update)
        if self.book.apply(update):
            self.engine.on_event(
                OrderUpdateEvent(
                    symbol=update.symbol,
                    exchange_ts=update.ts_exchange_ms,
                    local_ts=update.ts_local_ns // 1_000_000,
                    order_id=update.order_id,
                    order_link_id=update.order_link_id,
                    status=update.status.value,
                )
            )
        if self.pending is not None and update.status not in (
            proto.OrderStatus.NEW,
            proto.OrderStatus.PARTIALLY_FILLED,
        ):
            self.pending.on_position_change()  # freed reduce-only room

    def on_execution(self, execution: proto.Execution) -> None:
        """E-12: every trade fill moves the grid, once (a back-filled copy is skipped)."""
        if execution.exec_type is not proto.ExecType.TRADE:
            return
        if execution.exec_id in self._seen_exec:
            return
        self._seen_exec[execution.exec_id] = None
        if len(self._seen_exec) > _SEEN_EXECUTIONS:
            self._seen_exec.popitem(last=False)
        self.sizer.on_fill()
        self.engine.on_event(
            ExecutionEvent(
                symbol=execution.symbol,
                exchange_ts=execution.ts_exchange_ms,
                local_ts=execution.ts_local_ns // 1_000_000,
                price=execution.price,
                exec_id=execution.exec_id,
                order_id=execution.order_id,
                order_link_id=execution.order_link_id,
                side=execution.side.value,
                qty=execution.qty,
                fee=execution.fee,
                leaves_qty=execution.leaves_qty,
            )
        )

    def on_position(self, position: proto.Position) -> None:
        if self.sizer.on_position(position) and self.pending is not None:
            self.pending.on_position_change()

    def on_wallet(self, wallet: proto.Wallet) -> None:
        self.sizer.on_wallet(wallet)

    def on_result(self, message: proto.ExecResult | proto.ExecReject) -> None:
        if self.pending is not None:
            self.pending.on_result(message)

    # -- intents ----------------------------------------------------------------------

    def close_room(self, direction: str) -> Decimal:
        """Position size minus the resting closes of that leg: what a new close can take."""
        return self.sizer.position_size(direction) - self.book.close_qty(direction)

    def _to_wire(
        self, intents: list[PlaceLimitIntent | CancelIntent]
    ) -> list[proto.PlaceIntent | proto.CancelIntent]:
        out: list[proto.PlaceIntent | proto.CancelIntent] = []
        pending = self.pending
        step = self.sizer.qty_step
        room: dict[str, Decimal] = {}
        for intent in intents:
            if isinstance(intent, CancelIntent):
                if pending is None or pending.allow_cancel(intent.order_id):
                    out.append(
                        proto.CancelIntent(
                            order_id=intent.order_id,
                            symbol=intent.symbol,
                            reason=intent.reason,
                        )
                    )
                continue
            # gridcore re-emits every missing level on every tick: one in flight is
            # dropped before it is sized (most of a busy tick's work otherwise).
            if pending is not None and pending.holds_place(intent.client_order_id):
                continue
            left = None
            if intent.reduce_only:
                left = room.get(intent.direction)
                if left is None:
                    left = room[intent.direction] = self.close_room(intent.direction)
                if left <= step:
                    # Certain to fail the §6.6 close gate (size > resting closes + qty,
                    # qty >= one step): the gate stays the authority, this only spares
                    # the bus one reject per level and tick.
                    self.reduce_only_held += 1
                    continue
            qty = self.sizer.qty(intent)
            if qty <= 0:
                self.zero_qty_dropped += 1
                continue
            if left is not None and left <= qty:
                self.reduce_only_held += 1  # the same certain reject, for a bigger lot
                continue
            if pending is not None and not pending.allow_place(intent.client_order_id):
                continue
            out.append(_place(intent, qty))
        return out


def _place(intent: PlaceLimitIntent, qty: Decimal) -> proto.PlaceIntent:
    return proto.PlaceIntent(
        client_order_id=intent.client_order_id,
        symbol=intent.symbol,
        side=proto.Side(intent.side),
        direction=proto.Direction(intent.direction),
        price=intent.price,
        qty=qty,
        reduce_only=intent.reduce_only,
        grid_level=intent.grid_level,
        post_only=intent.post_only,
    )
