"""Per-symbol market state built from feed trades and tickers: touch, rolling 24 h stats,
1 m bars."""

from collections import deque
from dataclasses import dataclass
from decimal import Decimal

from venue.book import Book, Touch, touch_after_trade
from venue.config import InstrumentConfig
from venue.fills import Tick
from venue.models import Trade
from venue.numbers import ZERO

__all__ = ["Bar", "Market"]

MINUTE_MS = 60_000
DAY_BARS = 1440
KEEP_BARS = DAY_BARS * 7


@dataclass(slots=True)
class Bar:
    start_ms: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal = ZERO
    turnover: Decimal = ZERO


class Market:
    def __init__(self, inst: InstrumentConfig, recent_maxlen: int) -> None:
        self.inst = inst
        self.symbol = inst.symbol
        self.book = Book()
        self.touch: Touch | None = None
        self.last_trade: Trade | None = None
        self.tick_direction = "ZeroPlusTick"
        self.recent: deque[Trade] = deque(maxlen=recent_maxlen)
        self.bars: deque[Bar] = deque(maxlen=KEEP_BARS)
        self._volume_24h = ZERO
        self._turnover_24h = ZERO
        self.trade_seq = 0
        self.funding_rate = ZERO
        self.next_funding_ms = 0
        self.funding_interval_hours = 8

    @property
    def last_price(self) -> Decimal | None:
        return self.touch.last if self.touch is not None else None

    def set_initial_price(self, price: Decimal) -> None:
        """Seed the touch before the first trade (a Buy-side touch at `price`)."""
        if self.touch is None:
            self.touch = touch_after_trade("Buy", price, self.inst.tick_size)

    def on_ticker(self, tick: Tick) -> None:
        """A ticker (the ticker path): its touch, or the last price on both sides."""
        bid, ask = tick.bid, tick.ask
        if bid is None or ask is None or bid <= 0 or ask <= 0:
            bid = ask = tick.last
        self.touch = Touch(bid=bid, ask=ask, last=tick.last)

    def on_trade(self, trade: Trade) -> None:
        last = self.touch.last if self.touch is not None else None
        self.touch = touch_after_trade(trade.side, trade.price, self.inst.tick_size)
        if trade.tick_direction:
            self.tick_direction = trade.tick_direction
        elif last is not None and trade.price != last:
            self.tick_direction = "PlusTick" if trade.price > last else "MinusTick"
        elif last is not None:
            self.tick_direction = "Zero" + self.tick_direction.removeprefix("Zero")
        self.last_trade = trade
        self.trade_seq += 1
        self.recent.append(trade)
        self._add_to_bar(trade)

    def _add_to_bar(self, trade: Trade) -> None:
        start = trade.ts_ms - trade.ts_ms % MINUTE_MS
        bar = self.bars[-1] if self.bars else None
        if bar is None or start > bar.start_ms:
            bar = Bar(start, trade.price, trade.price, trade.price, trade.price)
            self.bars.append(bar)
            self._expire(start)
        elif trade.price > bar.high:
            bar.high = trade.price
        elif trade.price < bar.low:
            bar.low = trade.price
        bar.close = trade.price
        value = trade.price * trade.size
        bar.volume += trade.size
        bar.turnover += value
        self._volume_24h += trade.size
        self._turnover_24h += value

    def _expire(self, newest_start: int) -> None:
        """Drop bars older than 24 h from the rolling sums (recomputed; once a minute)."""
        cutoff = newest_start - DAY_BARS * MINUTE_MS
        window = [b for b in self.bars if b.start_ms > cutoff]
        self._volume_24h = sum((b.volume for b in window), ZERO)
        self._turnover_24h = sum((b.turnover for b in window), ZERO)

    @property
    def volume_24h(self) -> Decimal:
        return self._volume_24h

    @property
    def turnover_24h(self) -> Decimal:
        return self._turnover_24h

    def window(self) -> list[Bar]:
        """The 1 m bars of the last 24 h."""
        if not self.bars:
            return []
        cutoff = self.bars[-1].start_ms - DAY_BARS * MINUTE_MS
        n = 0
        for bar in reversed(self.bars):
            if bar.start_ms <= cutoff:
                break
            n += 1
        return list(self.bars)[-n:] if n else []

    def price_ago(self, ms: int) -> Decimal | None:
        """Open of the first bar within the last `ms` (or the oldest bar)."""
        if not self.bars:
            return self.last_price
        cutoff = self.bars[-1].start_ms - ms
        for bar in self.bars:
            if bar.start_ms > cutoff:
                return bar.open
        return self.bars[-1].open
