"""The venue kernel: orders in, fills and state changes out. Synchronous, no I/O, no
clock of its own (``now`` is handed in and only read).

One model of a venue under three front-ends: the exchange simulator (Bybit protocol over
HTTP/WS), the simbroker (the bus) and the backtest (in process). It is fed public
trades (:meth:`Venue.on_trades`, the trade path of the fill model), tickers
(:meth:`Venue.on_ticker`, the ticker path), time (:meth:`Venue.on_time`) and recorded
executions (:meth:`Venue.apply_recorded`, the ``follow`` model), and reports every order
update, execution, position and wallet change to its sink.

Every public method runs to completion and ends with ``sink.flush()``, so a front-end
sees one consistent batch per operation; the ticker path flushes after each fill, so a
fill's order, execution, position and wallet reach the sink before the next fill.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Protocol

from venue.accounts import Account
from venue.book import is_marketable, taker_price
from venue.config import AccountConfig, FeeConfig, InstrumentConfig, MatchingConfig
from venue.errors import BybitError, RetCode
from venue.fills import FillModel, Tick, make_fill_model
from venue.funding import FundingModel
from venue.ids import IdGen
from venue.liquidation import maintenance_margin_of, pair_liquidation_prices
from venue.market import Market
from venue.models import (
    Execution,
    Order,
    OrderRequest,
    OrderStatus,
    RestoredLeg,
    RestoredOrder,
    Trade,
)
from venue.numbers import ZERO, floor_to
from venue.rules import (
    check_instrument_rules,
    check_margin,
    check_order_link_id,
    check_position_rules,
)
from venue.sink import EventSink, NullSink

__all__ = ["RecordedFill", "Venue", "VenueSettings"]


class VenueSettings(Protocol):
    """The parts of a configuration the kernel reads (``SimConfig`` has them)."""

    @property
    def instruments(self) -> tuple[InstrumentConfig, ...]: ...
    @property
    def accounts(self) -> tuple[AccountConfig, ...]: ...
    @property
    def fees(self) -> FeeConfig: ...
    @property
    def matching(self) -> MatchingConfig: ...
    @property
    def recent_trades(self) -> int: ...


class RecordedFill(Protocol):
    """What ``follow`` takes from a recorded execution."""

    price: Decimal
    qty: Decimal
    fee: Decimal
    exec_pnl: Decimal
    is_maker: bool


class Venue:
    def __init__(
        self,
        cfg: VenueSettings,
        now: Callable[[], int],
        ids: IdGen,
        funding: FundingModel,
        sink: EventSink | None = None,
        *,
        fill_model: FillModel | None = None,
    ) -> None:
        self.cfg = cfg
        self.now = now
        self.ids = ids
        self.funding = funding
        self.sink: EventSink = sink if sink is not None else NullSink()
        matching = cfg.matching
        self.fill_model = fill_model or make_fill_model(matching.model_name, matching.queue)
        self.markets = {i.symbol: Market(i, cfg.recent_trades) for i in cfg.instruments}
        self.accounts = {a.api_key: Account(a) for a in cfg.accounts}
        self.marks: dict[str, Decimal] = {}
        self.funding_history: list[tuple[str, int, Decimal]] = []
        self.liquidations: list[tuple[str, int, Decimal, Decimal]] = []
        self._liquidated: set[str] = set()
        self._check_rules = matching.check_rules
        self._taker_on_place = matching.taker_on_place
        self._maker = cfg.fees.maker
        self._taker = cfg.fees.taker
        funding.start(now())
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

    def liq_prices(self, acct: Account, symbol: str) -> tuple[Decimal, Decimal]:
        """The pair estimate (long, short) of ``symbol``'s hedge legs at the current marks."""
        long = acct.positions.get((symbol, 1))
        short = acct.positions.get((symbol, 2))
        return pair_liquidation_prices(
            symbol,
            long.size if long is not None else ZERO,
            long.avg_price if long is not None else ZERO,
            -short.size if short is not None else ZERO,
            short.avg_price if short is not None else ZERO,
            acct.equity(self.marks),
        )

    # --- orders ------------------------------------------------------------------------------
    def place(self, api_key: str, req: OrderRequest) -> Order:
        acct = self.account(api_key)
        market = self.market(req.symbol)
        reduce, qty = check_position_rules(acct, req)
        check_order_link_id(req.order_link_id)
        if req.order_link_id and req.order_link_id in acct.link_ids:
            raise BybitError(RetCode.DUPLICATE_LINK_ID)
        if self._check_rules:
            check_instrument_rules(market.inst, req, market.last_price, reduce)
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

    def restore(
        self,
        api_key: str,
        wallet: Decimal,
        legs: Iterable[RestoredLeg] = (),
        orders: Iterable[RestoredOrder] = (),
    ) -> None:
        """Start ``api_key`` from state an exchange reported (a seeded replay, V-16):
        ``wallet`` is the cash balance (unrealised PnL is the kernel's own from here,
        V-18), the legs' size and entry, and the resting orders with their ids, link ids
        and time priority (oldest first). Nothing is reported: this state is the
        exchange's, already known to whoever trades it."""
        acct = self.account(api_key)
        if acct.orders or acct.executions or any(p.size for p in acct.positions.values()):
            raise ValueError(f"restore: account {api_key!r} has already traded")
        acct.starting_usdt = wallet
        for leg in legs:
            if leg.idx not in (1, 2) or leg.size < 0:
                raise ValueError(f"restore: {leg.symbol} leg {leg.idx} size {leg.size}")
            self.market(leg.symbol)
            pos = acct.position(leg.symbol, leg.idx)
            pos.size = leg.size if leg.idx == 1 else -leg.size
            pos.avg_price = leg.avg_price if leg.size else ZERO
            pos.cum_realised_pnl = leg.cum_realised_pnl
        for r in sorted(orders, key=lambda o: o.created_ms):
            market = self.market(r.symbol)
            if not ZERO < r.leaves_qty <= r.qty:
                raise ValueError(f"restore: order {r.order_id} leaves {r.leaves_qty} of {r.qty}")
            filled = r.qty - r.leaves_qty
            order = Order(
                seq=self.ids.seq("order"),
                order_id=r.order_id,
                order_link_id=r.order_link_id,
                account=api_key,
                symbol=r.symbol,
                side=r.side,
                order_type="Limit",
                price=r.price,
                qty=r.qty,
                time_in_force="GTC",
                position_idx=r.position_idx,
                reduce_only=r.reduce_only,
                close_on_trigger=False,
                created_ms=r.created_ms,
                updated_ms=r.created_ms,
                last_price_on_created=market.last_price,
                status=OrderStatus.PARTIALLY_FILLED if filled else OrderStatus.NEW,
                leaves_qty=r.leaves_qty,
                cum_exec_qty=filled,
            )
            acct.orders[order.order_id] = order
            if order.order_link_id:
                acct.link_ids[order.order_link_id] = order.order_id
            market.book.add(order)
            acct.open_orders[order.order_id] = order
            self.fill_model.on_rest(order, market.recent)

    def _new_order(
        self, acct: Account, market: Market, req: OrderRequest, qty: Decimal, reduce: bool
    ) -> Order:
        now = self.now()
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
        takes = order.order_type == "Market" or (
            self._taker_on_place and is_marketable(order.side, order.price, touch)
        )
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
        self.fill_model.on_rest(order, market.recent)

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
        order.updated_ms = self.now()
        if acct.open_orders.pop(order.order_id, None) is not None:
            self.markets[order.symbol].book.remove(order)
            self.fill_model.on_gone(order)
        self.sink.order(acct, order)

    def close_position(
        self, api_key: str, symbol: str, idx: int, price: Decimal, link_id: str = ""
    ) -> Execution | None:
        """Close a whole leg at ``price`` as maker, whatever the market (the backtest's
        wind-down, B-END-2). None when the leg is flat."""
        acct = self.account(api_key)
        size = acct.position(symbol, idx).size
        if not size:
            return None
        side = "Sell" if size > 0 else "Buy"
        request = OrderRequest(symbol, side, "Limit", abs(size), price, "GTC", idx, link_id, True)
        order = self._new_order(acct, self.market(symbol), request, abs(size), True)
        self._fill(acct, order, order.leaves_qty, price, True)
        self.sink.flush()
        return acct.executions[-1]

    # --- fills -------------------------------------------------------------------------------
    def _fill(
        self,
        acct: Account,
        order: Order,
        qty: Decimal,
        price: Decimal,
        is_maker: bool,
        *,
        recorded: RecordedFill | None = None,
    ) -> Decimal:
        """Execute up to `qty` of `order` at `price`; returns the quantity filled.

        ``recorded`` (``follow``): the fee and gross PnL are the recorded ones, pro rata
        to the quantity applied; the position still moves by our own accounting."""
        pos = acct.position(order.symbol, order.position_idx)
        if order.reduce_only:
            qty = min(qty, abs(pos.size))
        if qty <= 0:
            return ZERO
        now = self.now()
        value = qty * price
        if recorded is None:
            rate = self._maker if is_maker else self._taker
            fee = value * rate
            gross, closed = acct.apply_fill(pos, order.side, qty, price, fee, now)
        else:
            share = qty / recorded.qty
            rate = recorded.fee / (recorded.qty * recorded.price) if recorded.qty else ZERO
            fee = recorded.fee * share
            _, closed = acct.apply_fill(
                pos, order.side, qty, price, fee, now, gross=recorded.exec_pnl * share
            )
            gross = recorded.exec_pnl * share
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
            position_idx=order.position_idx,
            reduce_only=order.reduce_only,
        )
        acct.executions.append(execution)
        if not order.leaves_qty and acct.open_orders.pop(order.order_id, None) is not None:
            self.markets[order.symbol].book.remove(order)
            self.fill_model.on_gone(order)
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

    # --- market events: trade path -----------------------------------------------------------
    def on_trades(self, trades: Sequence[Trade]) -> None:
        """Apply feed trades of one symbol in order: stats, fills, publication."""
        if not trades:
            return
        market = self.markets[trades[0].symbol]
        book = market.book
        model = self.fill_model
        step = market.inst.qty_step
        last_basis = self.funding.basis == "last"
        for trade in trades:
            if last_basis:  # settled on this trade's price (B-FUND-2), before its fills
                market.on_trade(trade)
                self.on_time(trade.ts_ms, flush=False)
            else:  # settled on the mark the boundary saw, before this trade moves it
                self.on_time(trade.ts_ms, flush=False)
                market.on_trade(trade)
            self.marks[market.symbol] = trade.price
            if book.bids.prices or book.asks.prices:
                remaining = floor_to(trade.size, step)  # fills are whole qty steps
                for order, most in model.trade_fills(book, trade):
                    if remaining <= 0:
                        break
                    if not order.is_open:  # cancelled by a reduce-only clean-up in this pass
                        continue
                    acct = self.accounts[order.account]
                    fill_qty = min(order.leaves_qty, most, remaining)
                    remaining -= self._fill(acct, order, fill_qty, order.price, True)
            model.on_trade(trade)
        self.sink.trades(market, trades)
        self.sink.flush()

    # --- market events: ticker path ----------------------------------------------------------
    def on_ticker(self, tick: Tick) -> list[Execution]:
        """One ticker: funding due at its time (before fills, B-TICK-4), then the orders
        the fill model decides from it, filled whole at their limits in arrival order.
        Returns the executions, in order."""
        market = self.markets[tick.symbol]
        market.on_ticker(tick)
        self.marks[tick.symbol] = tick.mark if tick.mark is not None else tick.last
        self.on_time(tick.ts_ms)
        model = self.fill_model
        model.advance(tick)
        book = market.book
        if not (book.bids.prices or book.asks.prices):
            return []
        orders = sorted(
            (o for o in self._open_of(tick.symbol)), key=lambda o: o.seq
        )  # arrival order
        decided = model.ticker_fills(orders, tick)
        executions: list[Execution] = []
        for order in decided:
            if not order.is_open:
                continue
            acct = self.accounts[order.account]
            if self._fill(acct, order, order.leaves_qty, order.price, True):
                executions.append(acct.executions[-1])
            self.sink.flush()
        return executions

    def _open_of(self, symbol: str) -> Iterable[Order]:
        book = self.markets[symbol].book
        for side in (book.bids, book.asks):
            for level in side.levels.values():
                yield from level

    # --- recorded executions (follow) --------------------------------------------------------
    def apply_recorded(self, api_key: str, order: Order, fill: RecordedFill) -> Execution | None:
        """Fill ``order`` as a recorded execution says: its price, its quantity (capped at
        what the order has left), its fee and realised PnL pro rata."""
        acct = self.account(api_key)
        if not order.is_open:
            return None
        qty = min(fill.qty, order.leaves_qty)
        done = self._fill(acct, order, qty, fill.price, fill.is_maker, recorded=fill)
        self.sink.flush()
        return acct.executions[-1] if done else None

    # --- time and funding --------------------------------------------------------------------
    def on_time(self, now_ms: int, *, flush: bool = True) -> None:
        """Settle the funding due up to `now_ms`."""
        settled = self.funding.due(now_ms)
        for boundary in settled:
            self._settle_funding(boundary)
        if settled or self.funding.enabled:
            for market in self.markets.values():
                self._refresh_funding_view(market, now_ms)
        if settled and flush:
            self.sink.flush()

    def next_funding_ms(self, now_ms: int) -> int:
        return self.funding.next_ms(now_ms)

    def _refresh_funding_view(self, market: Market, now_ms: int | None = None) -> None:
        upcoming = self.funding.next_ms(self.now() if now_ms is None else now_ms)
        market.next_funding_ms = upcoming
        market.funding_rate = self.funding.rate_at(market.symbol, upcoming)
        market.funding_interval_hours = self.funding.interval_hours

    def _settle_funding(self, boundary: int) -> None:
        use_last = self.funding.basis == "last"
        for symbol in list(self.marks):
            market = self.markets[symbol]
            price = market.last_price if use_last else self.marks[symbol]
            if price is None:
                continue
            rate = self.funding.rate_at(symbol, boundary)
            self.funding_history.append((symbol, boundary, rate))
            for acct in self.accounts.values():
                for idx in acct.position_indices(symbol):
                    pos = acct.positions.get((symbol, idx))
                    if pos is not None and pos.size:
                        self._pay_funding(acct, pos.symbol, idx, price, rate, boundary)

    def _pay_funding(
        self, acct: Account, symbol: str, idx: int, price: Decimal, rate: Decimal, ts: int
    ) -> None:
        pos = acct.position(symbol, idx)
        qty = abs(pos.size)
        payment = acct.apply_funding(pos, price, rate, ts)
        pos.seq = self.ids.seq("position")
        execution = Execution(
            seq=self.ids.seq("execution"),
            exec_id=self.ids.uuid("execution"),
            account=acct.api_key,
            symbol=symbol,
            exec_type="Funding",
            side=pos.side,
            exec_price=price,
            exec_qty=qty,
            exec_value=qty * price,
            exec_fee=payment,
            fee_rate=rate,
            is_maker=False,
            exec_time_ms=ts,
            mark_price=price,
            position_idx=idx,
        )
        acct.executions.append(execution)
        self.sink.execution(acct, execution)
        self.sink.position(acct, symbol, idx)
        self.sink.wallet(acct)

    # --- liquidation detection ---------------------------------------------------------------
    def check_liquidation(self, api_key: str, equity: Decimal, now_ms: int) -> bool:
        """Record a liquidation when ``equity`` is at or below the account's maintenance
        margin (entering that state once; a check above it re-arms); True while below."""
        acct = self.account(api_key)
        mm = maintenance_margin_of(acct.positions.values())
        below = bool(mm) and equity <= mm
        if below and api_key not in self._liquidated:
            self._liquidated.add(api_key)
            self.liquidations.append((api_key, now_ms, equity, mm))
        elif not below:
            self._liquidated.discard(api_key)
        return below
