"""The equity curve and what is read off it (B-EQ-2, B-EQ-3 is the venue's wallet).

One point per ticker: ``equity = initial + realised − fees + funding + unrealised``,
unrealised of both legs at the ticker's **last** price (P-1), summed in that order (the
kernel's wallet is ``initial + realised − fees + funding``). The peak starts at the
initial balance; a point at or above it ends the current drawdown streak. Initial and
maintenance margin (P-6, P-7, gridcore's tier tables on entry-based position value)
change only with positions, so they are recomputed when the account changes; their
peak percentages of equity are taken at each epoch's lowest equity, where they peak,
and that is also where the venue is asked whether equity fell to maintenance margin
(a liquidation, recorded by the venue).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from backtest.records import EquityCurve
from gridcore.pnl import initial_margin, maintenance_margin
from venue.accounts import Account

__all__ = ["EquityTracker"]

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


class EquityTracker:
    def __init__(
        self,
        initial: Decimal,
        symbol: str,
        check_liquidation: Callable[[Decimal, int], bool] | None = None,
    ) -> None:
        self.initial = initial
        self.symbol = symbol
        self.curve = EquityCurve()
        self.peak = initial
        self.max_drawdown = _ZERO
        self.max_streak = 0
        self.streak = 0
        self.peak_im = _ZERO
        self.peak_mm = _ZERO
        self.peak_imr_pct = _ZERO
        self.peak_mmr_pct = _ZERO
        self.final_unrealised = _ZERO
        self._base = initial
        self._long: tuple[Decimal, Decimal] | None = None  # (size, avg)
        self._short: tuple[Decimal, Decimal] | None = None  # (signed size, avg)
        self._im = self._mm = _ZERO
        self._im100 = self._mm100 = _ZERO
        self._epoch_low: Decimal | None = None
        self._check_liquidation = check_liquidation

    def observe(self, account: Account) -> None:
        """The account changed (fills, funding): re-read wallet, legs and margins."""
        self._base = account.wallet
        long = account.positions.get((self.symbol, 1))
        short = account.positions.get((self.symbol, 2))
        self._long = (long.size, long.avg_price) if long is not None and long.size else None
        self._short = (short.size, short.avg_price) if short is not None and short.size else None
        im = mm = _ZERO
        for leg in (self._long, self._short):
            if leg is None:
                continue
            value = abs(leg[0]) * leg[1]
            im += initial_margin(value, self.symbol)[0]
            mm += maintenance_margin(value, self.symbol)[0]
        if im != self._im or mm != self._mm:
            self._im, self._mm = im, mm
            self._im100, self._mm100 = im * _HUNDRED, mm * _HUNDRED
            self.peak_im = max(self.peak_im, im)
            self.peak_mm = max(self.peak_mm, mm)
            self._epoch_low = None

    def unrealised(self, last: Decimal) -> Decimal:
        total = _ZERO
        if self._long is not None:
            size, avg = self._long
            total = (last - avg) * size
        if self._short is not None:
            size, avg = self._short
            total = total + (last - avg) * size
        return total

    def point(self, ts_ms: int, last: Decimal) -> Decimal:
        """Append the point of a ticker at ``last``; returns its equity."""
        if self._long is None and self._short is None:
            equity = self._base + _ZERO
        else:
            equity = self._base + self.unrealised(last)
        curve = self.curve
        curve.ts_ms.append(ts_ms)
        curve.equity.append(equity)
        curve.price.append(last)
        if equity >= self.peak:
            self.peak = equity
            if self.streak > self.max_streak:
                self.max_streak = self.streak
            self.streak = 0
        else:
            self.streak += 1
            drawdown = self.peak - equity
            if drawdown > self.max_drawdown:
                self.max_drawdown = drawdown
        if self._im and (self._epoch_low is None or equity < self._epoch_low):
            self._epoch_low = equity
            if equity > 0:
                self.peak_imr_pct = max(self.peak_imr_pct, self._im100 / equity)
                self.peak_mmr_pct = max(self.peak_mmr_pct, self._mm100 / equity)
            if self._check_liquidation is not None:
                self._check_liquidation(equity, ts_ms)  # the lows are where it can cross
        return equity

    def finish(self, last: Decimal) -> None:
        """B-END-3: the legs left open, valued at the last price."""
        self.final_unrealised = self.unrealised(last)

    @property
    def drawdown_duration(self) -> int:
        """The longest below-peak streak in tickers, a streak still open at the end too."""
        return max(self.max_streak, self.streak)

    @property
    def final_peak(self) -> Decimal:
        return self.peak
