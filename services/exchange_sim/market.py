"""Per-symbol market state built from feed trades: touch, rolling 24 h stats, 1 m bars."""

from collections import deque
from dataclasses import dataclass
from decimal import Decimal

from services.exchange_sim._num import ZERO, fmt, fmt_scaled
from services.exchange_sim.config import InstrumentConfig
from services.exchange_sim.matching import Book, Touch, touch_after_trade
from services.exchange_sim.models import Trade

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

    def _window(self) -> list[Bar]:
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

    def ticker(self) -> dict[str, str]:
        """The linear ticker (WS field set; REST drops tickDirection and adds basis)."""
        px = self.inst.tick_size
        last = self.last_price
        window = self._window()
        prev24 = window[0].open if window else last
        high = max((b.high for b in window), default=last)
        low = min((b.low for b in window), default=last)
        pcnt = (last - prev24) / prev24 if last is not None and prev24 else ZERO
        size = fmt_scaled(self.last_trade.size, self.inst.qty_step) if self.last_trade else "0"
        touch = self.touch
        return {
            "symbol": self.symbol,
            "tickDirection": self.tick_direction,
            "price24hPcnt": fmt_scaled(pcnt, Decimal("0.000001")),
            "lastPrice": _p(last, px),
            "prevPrice24h": _p(prev24, px),
            "highPrice24h": _p(high, px),
            "lowPrice24h": _p(low, px),
            "prevPrice1h": _p(self.price_ago(3_600_000), px),
            "markPrice": _p(last, px),
            "indexPrice": _p(last, px),
            "openInterest": "0",
            "openInterestValue": "0",
            "turnover24h": fmt(self._turnover_24h.quantize(Decimal("0.0001"))),
            "volume24h": fmt(self._volume_24h),
            "fundingIntervalHour": str(self.funding_interval_hours),
            "fundingCap": "0.005",
            "nextFundingTime": str(self.next_funding_ms),
            "fundingRate": fmt(self.funding_rate),
            "bid1Price": _p(touch.bid if touch else None, px),
            "bid1Size": size,
            "ask1Price": _p(touch.ask if touch else None, px),
            "ask1Size": size,
            "deliveryTime": "0",
            "basisRate": "",
            "deliveryFeeRate": "",
            "predictedDeliveryPrice": "",
            "preOpenPrice": "",
            "preQty": "",
            "curPreListingPhase": "",
            "basisRateYear": "",
        }


def _p(value: Decimal | None, tick: Decimal) -> str:
    if value is None:
        return ""
    # feed prices may be finer than today's tick (historical grids): keep them exact
    return fmt_scaled(value, tick) if value % tick == 0 else fmt(value)
