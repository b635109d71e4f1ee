"""The exchange core: orders in, fills and state changes out. Synchronous, no I/O.

Every public method runs to completion and ends with `sink.flush()`, so the WS layer sees
one consistent batch of order/execution/position/wallet updates per operation.
"""

from collections.abc import Iterable, Sequence
from decimal import Decimal

from services.exchange_sim._num import ZERO, floor_to
from services.exchange_sim.accounts import Account
from services.exchange_sim.clock import IdGen, VirtualClock
from services.exchange_sim.config import SimConfig
from services.exchange_sim.errors import BybitError, RetCode
from services.exchange_sim.funding import FundingSchedule
from services.exchange_sim.market import Market
from services.exchange_sim.matching import is_marketable, taker_price
from services.exchange_sim.models import Execution, Order, OrderRequest, OrderStatus, Trade
from services.exchange_sim.rules import (
    check_instrument_rules,
    check_margin,
    check_order_link_id,
    check_position_rules,
)
from services.exchange_sim.sink import EventSink, NullSink

__all__ = ["Exchange"]


class Exchange:
    def __init__(
        self,
        cfg: SimConfig,
        clock: VirtualClock,
        ids: IdGen,
        funding: FundingSchedule,
        sink: EventSink | None = None,
    ) -> None:
        self.cfg = cfg
        self.clock = clock
        self.ids = ids
        self.funding = funding
        self.sink: EventSink = sink if sink is not None else NullSink()
        self.markets = {i.symbol: Market(i, cfg.recent_trades) for i in cfg.instruments}
        self.accounts = {a.api_key: Account(a) for a in cfg.accounts}
        self.marks: dict[str, Decimal] = {}
        self.funding_history: list[tuple[str, int, Decimal]] = []
        self._at_price = cfg.matching.trade_at_price == "fill"
        self._next_funding = funding.next_after(clock.now_ms())
        for market in self.markets.values():
            self._refresh_funding_view(market)

    # --- lookups -----------------------------------------------------------------------------
    def account(self, api_key: str) -> Account:
        acct = self.accounts.get(api_key)
        if acct is None:
            raise BybitError(RetCode.API_KEY)
        return acct

    def market(self, symbol: str) -> Market:
        market = self.markets.get(symbol)
        if market is None:
            raise BybitError(RetCode.PARAMS, f"params error: symbol invalid ({symbol})")
        return market

    def set_initial_price(self, symbol: str, price: Decimal) -> None:
        market = self.market(symbol)
        market.set_initial_price(price)
        self.marks.setdefault(symbol, price)

    # --- orders ------------------------------------------------------------------------------
    def place(self, api_key: str, req: OrderRequest) -> Order:
        acct = self.account(api_key)
        market = self.market(req.symbol)
        reduce, qty = check_position_rules(acct, req)
        check_instrument_rules(market.inst, req, market.last_price, reduce)
        check_order_link_id(req.order_link_id)
        if req.order_link_id and req.order_link_id in acct.link_ids:
            raise BybitError(RetCode.DUPLICATE_LINK_ID)
        if len(acct.open_orders_of(req.symbol)) >= self.cfg.matching.max_active_orders:
            raise BybitError(RetCode.TOO_MANY_ORDERS)
        if not reduce:
            check_margin(acct, req, market.last_price, self.marks)
        order = self._new_order(acct, market, req, qty, reduce)
        self._execute_new(acct, market, order)
        self.sink.position(acct, order.symbol, order.position_idx)
        self.sink.wallet(acct)
        self.sink.flush()
        return order

    def _new_order(
        self, acct: Account, market: Market, req: OrderRequest, qty: Decimal, reduce: bool
    ) -> Order:
        now = self.clock.now_ms()
        order = Order(
            seq=self.ids.seq("order"),
            order_id=self.ids.uuid("order"),
            order_link_id=req.order_link_id,
            account=acct.api_key,
            symbol=req.symbol,
            side=req.side,
            order_type=req.order_type,
            price=req.price if req.price is not None else ZERO,
            qty=qty,
            time_in_force="IOC" if req.order_type == "Market" else req.time_in_force,
            position_idx=req.position_idx,
            reduce_only=reduce,
            close_on_trigger=req.close_on_trigger,
            created_ms=now,
            updated_ms=now,
            last_price_on_created=market.last_price,
            leaves_qty=qty,
        )
        acct.orders[order.order_id] = order
        if order.order_link_id:
            acct.link_ids[order.order_link_id] = order.order_id
        return order

    def _execute_new(self, acct: Account, market: Market, order: Order) -> None:
        touch = market.touch
        takes = order.order_type == "Market" or is_marketable(order.side, order.price, touch)
        if takes and order.time_in_force == "PostOnly":
            reason = "EC_PostOnlyWillTakeLiquidity"
            self._close(acct, order, OrderStatus.CANCELLED, "UNKNOWN", reason)
            return
        if takes and touch is not None:
            self._fill(acct, order, order.leaves_qty, taker_price(order.side, touch), False)
        if not order.is_open:
            return
        if order.time_in_force in ("IOC", "FOK") or order.order_type == "Market":
            self._close(acct, order, OrderStatus.CANCELLED, "UNKNOWN", "EC_NoImmediateQtyToFill")
            return
        if order.status is OrderStatus.NEW:
            self.sink.order(acct, order)
        market.book.add(order)
        acct.open_orders[order.order_id] = order

    def cancel(self, api_key: str, symbol: str, order_id: str, link_id: str) -> Order:
        acct = self.account(api_key)
        self.market(symbol)
        if order_id:
            order = acct.orders.get(order_id)
        else:
            order = acct.orders.get(acct.link_ids.get(link_id, ""))
        if order is None or order.symbol != symbol or not order.is_open:
            raise BybitError(RetCode.ORDER_NOT_FOUND)
        self._close(acct, order, OrderStatus.CANCELLED, "CancelByUser")
        self.sink.position(acct, order.symbol, order.position_idx)
        self.sink.wallet(acct)
        self.sink.flush()
        return order

    def cancel_all(self, api_key: str, symbols: Iterable[str]) -> list[Order]:
        acct = self.account(api_key)
        wanted = set(symbols)
        cancelled = [o for o in acct.open_orders.values() if o.symbol in wanted]
        for order in cancelled:
            self._close(acct, order, OrderStatus.CANCELLED, "CancelByUser")
        for symbol, idx in sorted({(o.symbol, o.position_idx) for o in cancelled}):
            self.sink.position(acct, symbol, idx)
        if cancelled:
            self.sink.wallet(acct)
        self.sink.flush()
        return cancelled

    def _close(
        self,
        acct: Account,
        order: Order,
        status: OrderStatus,
        cancel_type: str,
        reject_reason: str = "EC_NoError",
    ) -> None:
        order.status = status
        order.cancel_type = cancel_type
        order.reject_reason = reject_reason
        order.updated_ms = self.clock.now_ms()
        if acct.open_orders.pop(order.order_id, None) is not None:
            self.markets[order.symbol].book.remove(order)
        self.sink.order(acct, order)

    # --- fills -------------------------------------------------------------------------------
    def _fill(
        self, acct: Account, order: Order, qty: Decimal, price: Decimal, is_maker: bool
    ) -> Decimal:
        """Execute up to `qty` of `order` at `price`; returns the quantity filled."""
        pos = acct.position(order.symbol, order.position_idx)
        if order.reduce_only:
            qty = min(qty, abs(pos.size))
        if qty <= 0:
            return ZERO
        now = self.clock.now_ms()
        rate = self.cfg.fees.maker if is_maker else self.cfg.fees.taker
        value = qty * price
        fee = value * rate
        gross, closed = acct.apply_fill(pos, order.side, qty, price, fee, now)
        order.leaves_qty -= qty
        order.cum_exec_qty += qty
        order.cum_exec_value += value
        order.cum_exec_fee += fee
        if closed:
            order.closed_pnl += gross - fee
        order.status = OrderStatus.FILLED if not order.leaves_qty else OrderStatus.PARTIALLY_FILLED
        order.updated_ms = now
        pos.seq = self.ids.seq("position")
        execution = Execution(
            seq=self.ids.seq("execution"),
            exec_id=self.ids.uuid("execution"),
            account=acct.api_key,
            symbol=order.symbol,
            exec_type="Trade",
            side=order.side,
            exec_price=price,
            exec_qty=qty,
            exec_value=value,
            exec_fee=fee,
            fee_rate=rate,
            is_maker=is_maker,
            exec_time_ms=now,
            mark_price=self.marks.get(order.symbol, price),
            closed_size=closed,
            exec_pnl=gross,
            order_id=order.order_id,
            order_link_id=order.order_link_id,
            order_price=order.price,
            order_qty=order.qty,
            order_type=order.order_type,
            leaves_qty=order.leaves_qty,
        )
        acct.executions.append(execution)
        if not order.leaves_qty and acct.open_orders.pop(order.order_id, None) is not None:
            self.markets[order.symbol].book.remove(order)
        self.sink.order(acct, order)
        self.sink.execution(acct, execution)
        self.sink.position(acct, order.symbol, order.position_idx)
        self.sink.wallet(acct)
        if closed:
            self._enforce_reduce_only(acct, order.symbol, order.position_idx)
        return qty

    def _enforce_reduce_only(self, acct: Account, symbol: str, idx: int) -> None:
        """Cancel resting reduce-only orders the position can no longer absorb (furthest first)."""
        size = acct.position(symbol, idx).size
        reducing_side = "Sell" if size > 0 else "Buy"
        orders = [
            o
            for o in acct.open_orders.values()
            if o.symbol == symbol and o.position_idx == idx and o.reduce_only
        ]
        # nearest to the market first: sells ascending, buys descending
        orders.sort(key=lambda o: (o.price if o.side == "Sell" else -o.price, o.seq))
        room = abs(size)
        for order in orders:
            if order.side == reducing_side and size and order.leaves_qty <= room:
                room -= order.leaves_qty
                continue
            self._close(acct, order, OrderStatus.CANCELLED, "CancelByReduceOnly")

    # --- market events -----------------------------------------------------------------------
    def on_trades(self, trades: Sequence[Trade]) -> None:
        """Apply feed trades of one symbol in order: stats, through-fills, publication."""
        if not trades:
            return
        market = self.markets[trades[0].symbol]
        book = market.book
        for trade in trades:
            self.on_time(trade.ts_ms)
            market.on_trade(trade)
            self.marks[market.symbol] = trade.price
            if not book.bids.prices and not book.asks.prices:
                continue
            step = market.inst.qty_step
            remaining = floor_to(trade.size, step)  # fills are whole qty steps
            for order in book.through(trade.price, self._at_price):
                if remaining <= 0:
                    break
                if not order.is_open:  # cancelled by a reduce-only clean-up in this pass
                    continue
                acct = self.accounts[order.account]
                fill_qty = min(order.leaves_qty, remaining)
                remaining -= self._fill(acct, order, fill_qty, order.price, True)
        self.sink.trades(market, trades)
        self.sink.flush()

    def on_time(self, now_ms: int) -> None:
        """Settle every funding boundary up to `now_ms`."""
        while self._next_funding <= now_ms:
            boundary = self._next_funding
            self._next_funding += self.funding.interval_ms
            if self.funding.enabled:
                self._settle_funding(boundary)
            for market in self.markets.values():
                self._refresh_funding_view(market)

    def _refresh_funding_view(self, market: Market) -> None:
        market.next_funding_ms = self._next_funding
        market.funding_rate = self.funding.rate_at(market.symbol, self._next_funding)
        market.funding_interval_hours = self.funding.interval_hours

    def _settle_funding(self, boundary: int) -> None:
        for symbol, mark in self.marks.items():
            rate = self.funding.rate_at(symbol, boundary)
            self.funding_history.append((symbol, boundary, rate))
            for acct in self.accounts.values():
                for idx in acct.position_indices(symbol):
                    pos = acct.positions.get((symbol, idx))
                    if pos is not None and pos.size:
                        self._pay_funding(acct, pos.symbol, idx, mark, rate, boundary)
        self.sink.flush()

    def _pay_funding(
        self, acct: Account, symbol: str, idx: int, mark: Decimal, rate: Decimal, ts: int
    ) -> None:
        pos = acct.position(symbol, idx)
        qty = abs(pos.size)
        payment = acct.apply_funding(pos, mark, rate, ts)
        pos.seq = self.ids.seq("position")
        execution = Execution(
            seq=self.ids.seq("execution"),
            exec_id=self.ids.uuid("execution"),
            account=acct.api_key,
            symbol=symbol,
            exec_type="Funding",
            side=pos.side,
            exec_price=mark,
            exec_qty=qty,
            exec_value=qty * mark,
            exec_fee=payment,
            fee_rate=rate,
            is_maker=False,
            exec_time_ms=ts,
            mark_price=mark,
        )
        acct.executions.append(execution)
        self.sink.execution(acct, execution)
        self.sink.position(acct, symbol, idx)
        self.sink.wallet(acct)
