"""Per-account state: wallet, hedge/one-way positions, orders, executions, margin.

Pure bookkeeping, no I/O. PnL conventions (linear USDT perpetuals):
- a fill that adds to a position moves `avg_price` to the size-weighted mean;
- a fill that reduces it realises `closed * (price - avg) * sign(size)`;
- every fee and funding payment is realised too (wallet, cumRealisedPnl, curRealisedPnl);
- the wallet is `starting + realised - fees + funding` (gross realised PnL, fees paid and
  funding received kept as separate totals, summed in that order, as the reference
  backtest does);
- unrealised PnL is `(mark - avg) * size`, mark = last trade price.
Margin: IM = value / leverage for positions (at avg price) and for opening orders (at limit
price); available = wallet + unrealised - position IM - order IM.
"""

from collections.abc import Mapping
from decimal import Decimal

from venue.config import AccountConfig
from venue.models import Execution, Order, Position
from venue.numbers import ZERO

__all__ = ["MAINTENANCE_RATE", "Account"]

MAINTENANCE_RATE = Decimal("0.005")


class Account:
    def __init__(self, cfg: AccountConfig) -> None:
        self.api_key = cfg.api_key
        self.api_secret = cfg.api_secret
        self.starting_usdt = cfg.usdt
        self.realised = ZERO  # gross realised PnL of every close
        self.fees = ZERO  # trading fees paid (negative: rebates)
        self.funding = ZERO  # funding received (negative: paid)
        self.cum_realised = ZERO
        self._default_hedge = cfg.hedge_mode
        self._default_leverage = cfg.leverage
        self._hedge: dict[str, bool] = {}
        self._leverage: dict[str, Decimal] = {}
        self.positions: dict[tuple[str, int], Position] = {}
        self.orders: dict[str, Order] = {}  # every order ever, by orderId, arrival order
        self.link_ids: dict[str, str] = {}  # orderLinkId -> orderId
        self.open_orders: dict[str, Order] = {}  # open only, arrival order
        self.executions: list[Execution] = []

    # --- modes and leverage -------------------------------------------------------------
    def is_hedge(self, symbol: str) -> bool:
        return self._hedge.get(symbol, self._default_hedge)

    def set_hedge(self, symbol: str, hedge: bool) -> None:
        self._hedge[symbol] = hedge

    def leverage(self, symbol: str) -> Decimal:
        return self._leverage.get(symbol, self._default_leverage)

    def set_leverage(self, symbol: str, leverage: Decimal) -> None:
        self._leverage[symbol] = leverage
        for idx in self.position_indices(symbol):
            self.position(symbol, idx).leverage = leverage

    def position_indices(self, symbol: str) -> tuple[int, ...]:
        return (1, 2) if self.is_hedge(symbol) else (0,)

    def position(self, symbol: str, idx: int) -> Position:
        key = (symbol, idx)
        pos = self.positions.get(key)
        if pos is None:
            pos = Position(symbol=symbol, idx=idx, leverage=self.leverage(symbol))
            self.positions[key] = pos
        return pos

    def open_orders_of(self, symbol: str) -> list[Order]:
        return [o for o in self.open_orders.values() if o.symbol == symbol]

    # --- fills and funding -------------------------------------------------------------
    def apply_fill(
        self,
        pos: Position,
        side: str,
        qty: Decimal,
        price: Decimal,
        fee: Decimal,
        ts_ms: int,
        *,
        gross: Decimal | None = None,
    ) -> tuple[Decimal, Decimal]:
        """Book a fill; returns (gross realised PnL, closed size). ``gross`` overrides the
        realised PnL booked to the wallet (a recorded execution's); size and average
        entry always follow our own accounting."""
        booked = gross
        delta = qty if side == "Buy" else -qty
        size = pos.size
        gross = ZERO
        closed = ZERO
        if size == 0 or (size > 0) == (delta > 0):
            if size == 0:
                pos.cur_realised_pnl = ZERO
                pos.created_ms = pos.created_ms or ts_ms
            new_size = size + delta
            pos.avg_price = (abs(size) * pos.avg_price + qty * price) / abs(new_size)
            pos.size = new_size
        else:
            closed = min(qty, abs(size))
            gross = closed * (price - pos.avg_price) * (1 if size > 0 else -1)
            pos.size = size + (closed if delta > 0 else -closed)
            rest = qty - closed
            if rest > 0:  # one-way flip through zero
                pos.size = rest if delta > 0 else -rest
                pos.avg_price = price
                pos.cur_realised_pnl = ZERO
            elif pos.size == 0:
                pos.avg_price = ZERO
        if booked is not None:
            gross = booked
        self.realised += gross
        self.fees += fee
        self._realise(pos, gross - fee, ts_ms)
        return gross, closed

    def apply_funding(self, pos: Position, mark: Decimal, rate: Decimal, ts_ms: int) -> Decimal:
        """Settle funding; returns the payment (> 0 paid by the account)."""
        payment = pos.size * mark * rate
        self.funding -= payment
        self._realise(pos, -payment, ts_ms)
        return payment

    @property
    def wallet(self) -> Decimal:
        return self.starting_usdt + self.realised - self.fees + self.funding

    def _realise(self, pos: Position, amount: Decimal, ts_ms: int) -> None:
        self.cum_realised += amount
        pos.cum_realised_pnl += amount
        pos.cur_realised_pnl += amount
        pos.updated_ms = ts_ms

    # --- margin ---------------------------------------------------------------------------
    def unrealised(self, marks: Mapping[str, Decimal]) -> Decimal:
        return sum(
            (p.unrealised(marks.get(p.symbol, p.avg_price)) for p in self.positions.values()),
            ZERO,
        )

    def position_im(self) -> Decimal:
        return sum((p.value() / p.leverage for p in self.positions.values() if p.size), ZERO)

    def position_mm(self, marks: Mapping[str, Decimal]) -> Decimal:
        total = ZERO
        for p in self.positions.values():
            if p.size:
                total += abs(p.size) * marks.get(p.symbol, p.avg_price) * MAINTENANCE_RATE
        return total

    def order_im(self) -> Decimal:
        total = ZERO
        for o in self.open_orders.values():
            if not o.reduce_only:
                total += o.leaves_qty * o.price / self.leverage(o.symbol)
        return total

    def equity(self, marks: Mapping[str, Decimal]) -> Decimal:
        return self.wallet + self.unrealised(marks)

    def available(self, marks: Mapping[str, Decimal]) -> Decimal:
        return self.equity(marks) - self.position_im() - self.order_im()
