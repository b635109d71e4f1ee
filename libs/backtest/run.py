"""One backtest: tickers through the strategy runner and the venue kernel, in process.

Per ticker, in the reference backtest's order (spec/backtest.md §3): the venue settles
funding due (before fills), then fills what the fill model decides from the ticker
(each fill reaches the runner as the venue's order, execution, position and wallet
events: the grid moves, the multipliers refresh), then the equity point (B-EQ-2), then
the runner turns the ticker into intents and the simulated broker executes them against
the venue (gates, then orders), whose events reach the runner again.

**Quiet tickers** are skipped in bulk (``skip_quiet``): a ticker is quiet when provably
nothing but the equity point can come of it: no resting order within the fill model's
reach, the price inside the grid's bounds (no rebuild), no funding due, no deferred
fill, no cancel in the runner's plan, and no place that could pass (every eligible
candidate is a close its leg has no room for). For those only the equity point is
computed (and the runner's last price advanced once, before the next full ticker). A
test runs every configuration both ways and compares fills, totals and curves.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import proto
from backtest.config import BacktestConfig
from backtest.equity import EquityTracker
from backtest.records import FillRecord, FundingRecord
from execution.simulated import SimulatedBroker
from gridcore import eligible, order_link_prefix
from marketdata.ticks import TickTape
from marketdata.trades import TradeTape
from runner import StrategyRunner
from venue import (
    AccountConfig,
    FeeConfig,
    FirstTickFunding,
    FundingConfig,
    FundingSchedule,
    IdGen,
    InstrumentConfig,
    MatchingConfig,
    ProtoSink,
    Tick,
    Trade,
    Venue,
    VenueConfig,
)
from venue.models import Execution

__all__ = ["BacktestRun", "Progress"]

API_KEY = "backtest"
_INF = float("inf")
_DIRECTIONS = ("long", "short")
Progress = Callable[[int, int], None]
Band = tuple[float, float, float, float, int, Decimal | None]


class BacktestRun:
    def __init__(
        self, config: BacktestConfig, ticks: TickTape, trades: TradeTape | None = None
    ) -> None:
        if config.fills == "trade" and trades is None:
            raise ValueError("fills: trade-level fills need the trades, not only tickers")
        self.config = config
        self.ticks = ticks
        self.trades = trades
        behaviour = config.behaviour
        self.behaviour = behaviour
        spec = config.strategy
        inst = config.instrument
        self.symbol = spec.symbol
        self.now_ms = ticks.ts_ms[0] if len(ticks) else 0
        venue_config = VenueConfig(
            instruments=(
                InstrumentConfig(
                    symbol=inst.symbol,
                    tick_size=inst.tick_size,
                    qty_step=inst.qty_step,
                    min_qty=inst.min_qty,
                    max_qty=inst.max_qty,
                ),
            ),
            accounts=(
                AccountConfig(
                    api_key=API_KEY,
                    api_secret=API_KEY,
                    usdt=config.balance,
                    hedge_mode=True,
                    leverage=Decimal(str(spec.risk.leverage)),
                ),
            ),
            fees=FeeConfig(maker=config.maker_fee, taker=config.taker_fee),
            matching=MatchingConfig(
                fill_model=config.fill_model,
                queue=config.queue,
                check_rules=behaviour.check_rules,
                taker_on_place=behaviour.taker_on_place,
                max_active_orders=10_000,
            ),
        )
        if behaviour.funding == "first_tick":
            funding: FirstTickFunding | FundingSchedule = FirstTickFunding(
                config.funding_rate, enabled=config.enable_funding
            )
        else:
            funding = FundingSchedule(
                FundingConfig(rate=config.funding_rate, enabled=config.enable_funding)
            )
        self.sink = ProtoSink(self._now, {API_KEY: spec.account_id})
        self.venue = Venue(venue_config, self._now, IdGen(0), funding, self.sink)
        self.sink.liq_prices = self.venue.liq_prices
        self.sink.marks = self.venue.marks
        self.account = self.venue.account(API_KEY)
        self.runner = StrategyRunner(
            spec,
            inst,
            profile=behaviour.runner_profile(),
            clock_ns=lambda: self.now_ms * 1_000_000,
        )
        self.broker = SimulatedBroker(
            self.venue,
            API_KEY,
            spec.account_id,
            intent_order=behaviour.intent_order,
            low_balance_buffer=Decimal("0.02") if behaviour.low_balance_check else None,
        )
        self.equity = EquityTracker(
            config.balance,
            spec.symbol,
            lambda equity, ts: self.venue.check_liquidation(API_KEY, equity, ts),
        )
        self.fills: list[FillRecord] = []
        self.funding: list[FundingRecord] = []
        self.full_ticks = 0
        self._on_fill_risk = behaviour.risk_refresh == "on_fill"
        self._equity_sizing = behaviour.sizing_balance == "equity"
        self._seen_executions = 0
        self._trade_pos = 0
        self._band: Band | None = None
        # The venue reports the opening wallet, as a collector's first snapshot would.
        self.sink.wallet(self.account)
        self.sink.flush()
        self._deliver()

    def _now(self) -> int:
        return self.now_ms

    # -- the loop -----------------------------------------------------------------------
    def run(self, progress: Progress | None = None) -> None:
        ticks = self.ticks
        n = len(ticks)
        ts_col, last_col, lastf_col = ticks.ts_ms, ticks.last, ticks.last_f
        equity = self.equity
        skip = self.config.skip_quiet and self.config.fills == "ticker"
        stateful = self.venue.fill_model.stateful
        advance = self.venue.fill_model.advance_price
        symbol = self.symbol
        book_touch = self.config.fill_model == "book_touch"
        report_every = max(n // 100, 1)
        next_report = report_every
        i = 0
        while i < n:
            equity_done = None
            if skip and self._band is not None:
                bid_f, ask_f, lo, hi, funding_at, floor = self._band
                start = i
                point = equity.point
                while i < n:
                    lf = lastf_col[i]
                    if book_touch:
                        bid, ask = ticks.bid_ask(i)
                        if not (float(ask) > bid_f and float(bid) < ask_f):
                            break
                    elif not bid_f < lf < ask_f:
                        break
                    if not lo <= lf <= hi or ts_col[i] >= funding_at or self._places_at(lf):
                        break
                    if stateful:
                        advance(symbol, ts_col[i], ts_col[i], last_col[i])
                    balance = point(ts_col[i], last_col[i])
                    if floor is not None and balance < floor:
                        equity_done = balance  # a smaller lot may now pass the close gate
                        break
                    i += 1
                if i > start:
                    self.runner.on_quiet_ticks(lastf_col[i - 1])
                    if i >= n:
                        break
            self._full_tick(i, equity_done)
            i += 1
            if progress is not None and i >= next_report:
                progress(i, n)
                next_report += report_every
        if progress is not None:
            progress(n, n)
        self._finish()

    def _full_tick(self, i: int, equity: Decimal | None = None) -> None:
        """Every step of one ticker; ``equity``: its point is already on the curve (a
        quiet ticker only its balance took out of the quiet band)."""
        ticks = self.ticks
        ts = ticks.ts_ms[i]
        last = ticks.last[i]
        last_f = ticks.last_f[i]
        self.now_ms = ts
        self.full_ticks += 1
        runner = self.runner
        if self._on_fill_risk:
            runner.sizer.on_price(last_f)  # B-RISK-2: the fill's ticker is last_close
        bid, ask = ticks.bid_ask(i)
        if self.config.fills == "trade":
            self._feed_trades(ticks.trade_end[i])
        else:
            self.venue.on_ticker(
                Tick(
                    symbol=self.symbol,
                    ts_ms=ts,
                    last=last,
                    mark=last,
                    bid=bid,
                    ask=ask,
                    local_ms=ts,
                )
            )
        self._deliver()
        balance = equity if equity is not None else self.equity.point(ts, last)
        if self._equity_sizing:
            runner.sizer.sizing_override = balance
        ticker = proto.Ticker(
            event_id=f"ticker:{self.symbol}:{i}",
            ts_exchange_ms=ts,
            ts_local_ns=ts * 1_000_000,
            symbol=self.symbol,
            last_price=last,
            mark_price=last,
            bid1_price=bid,
            ask1_price=ask,
        )
        batch = runner.on_ticker(ticker)
        if batch is not None:
            outcomes = self.broker.execute(batch)
            self._deliver()
            for outcome in outcomes:
                runner.on_result(outcome)
        self._band = self._quiet_band(ts) if self.config.skip_quiet else None

    def _feed_trades(self, end: int) -> None:
        trades = self.trades
        assert trades is not None
        venue = self.venue
        for k in range(self._trade_pos, end):
            venue.on_trades(
                [
                    Trade(
                        trades.ts_ms[k],
                        self.symbol,
                        trades.side[k],
                        trades.price[k],
                        trades.size[k],
                        trades.trade_id[k],
                    )
                ]
            )
        self._trade_pos = end

    # -- events -------------------------------------------------------------------------
    def _deliver(self) -> None:
        """Hand the venue's events to the runner, in order, and record new executions."""
        runner = self.runner
        for event in self.sink.drain():
            match event:
                case proto.OrderUpdate():
                    runner.on_order(event)
                case proto.Execution():
                    runner.on_execution(event)
                case proto.Position():
                    runner.on_position(event)
                case proto.Wallet():
                    runner.on_wallet(event)
        executions = self.account.executions
        if len(executions) > self._seen_executions:
            for execution in executions[self._seen_executions :]:
                self._record(execution)
            self._seen_executions = len(executions)
            self.equity.observe(self.account)

    def _record(self, e: Execution) -> None:
        direction = "long" if e.position_idx == 1 else "short"
        if e.exec_type == "Funding":
            self.funding.append(
                FundingRecord(
                    ts_ms=e.exec_time_ms,
                    direction=direction,
                    size=e.exec_qty,
                    price=e.exec_price,
                    rate=e.fee_rate,
                    amount=-e.exec_fee,
                )
            )
            return
        self.fills.append(
            FillRecord(
                ts_ms=e.exec_time_ms,
                symbol=e.symbol,
                side=e.side,
                direction=direction,
                price=e.exec_price,
                qty=e.exec_qty,
                fee=e.exec_fee,
                realized_pnl=e.exec_pnl,
                client_order_id=order_link_prefix(e.order_link_id) or "",
                order_id=e.order_id,
                liquidity="maker" if e.is_maker else "taker",
                opening=not e.reduce_only,
            )
        )

    # -- quiet tickers ------------------------------------------------------------------
    def _quiet_band(self, ts: int) -> Band | None:
        """``(best bid, best ask, grid low, grid high, funding due at, balance floor)``
        while the runner's next ticker can place nothing at any price that keeps the
        balance at or above the floor; ``None`` when every ticker counts.

        A close whose leg has room for more than one lot but less than its quantity is
        held back by the runner; a lot only grows with the balance, so it stays held
        while the balance does not fall below today's."""
        runner = self.runner
        engine = runner.engine
        if engine.fill_pending or not engine.grid.prices:
            return None
        books = runner.book.books()
        step = runner.sizer.qty_step
        self._buy_p = _INF
        self._sell_p = -_INF
        floor: Decimal | None = None
        wallet_fraction = runner.sizer.amount.kind == "wallet_fraction"
        for direction in _DIRECTIONS:
            plan = engine.plan(direction, books[direction])  # type: ignore[arg-type]
            if plan is None:
                return None
            room = runner.close_room(direction)
            for candidate in plan:
                if type(candidate) is not tuple:
                    return None  # a cancel is always emitted
                is_buy, price, intent = candidate
                if intent.reduce_only and room <= step:
                    continue  # the runner holds it back at any price
                if intent.reduce_only and runner.sizer.qty(intent) >= room:
                    if wallet_fraction:
                        floor = runner.sizer.balance()
                    continue  # held while the lot is no smaller
                if is_buy:
                    self._buy_p = min(self._buy_p, price)
                else:
                    self._sell_p = max(self._sell_p, price)
        if floor is not None and not self._equity_sizing:
            floor = None  # wallet sizing: the lot cannot change before the next event
        book = self.venue.markets[self.symbol].book
        best_bid, best_ask = book.bids.best(), book.asks.best()
        lo, hi = engine.grid.bounds
        return (
            float(best_bid) if best_bid is not None else -_INF,
            float(best_ask) if best_ask is not None else _INF,
            lo,
            hi,
            self.venue.next_funding_ms(ts + 1),
            floor,
        )

    def _places_at(self, last_f: float) -> bool:
        """Could a place pass at this price? Eligibility is monotone in the level price
        (E-7), so the lowest Buy and the highest Sell candidate decide."""
        step = self.runner.grid_config.grid_step
        if self._buy_p != _INF and eligible(True, self._buy_p, last_f, step):
            return True
        return self._sell_p != -_INF and eligible(False, self._sell_p, last_f, step)

    # -- end ----------------------------------------------------------------------------
    def _finish(self) -> None:
        if not len(self.ticks):
            return
        last = self.ticks.last[-1]
        self.now_ms = self.ticks.ts_ms[-1]
        if self.config.wind_down == "close_all":
            for idx, name in ((1, "wind_down_long"), (2, "wind_down_short")):
                self.venue.close_position(API_KEY, self.symbol, idx, last, name)
            self._deliver()
        self.equity.finish(last)
