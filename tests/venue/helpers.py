"""A venue kernel for the tests in ``tests/venue``: one BTCUSDT instrument, one hedge-mode
account, a virtual clock the tests move, and short ways to place orders and feed tickers
and trades."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from services.exchange_sim.clock import VirtualClock
from venue import (
    AccountConfig,
    FeeConfig,
    FillModelName,
    FundingConfig,
    FundingModel,
    FundingSchedule,
    IdGen,
    InstrumentConfig,
    MatchingConfig,
    ProtoSink,
    QueueConfig,
    Tick,
    Trade,
    Venue,
    VenueConfig,
)
from venue.accounts import Account
from venue.models import Execution, Order, OrderRequest

__all__ = ["API", "BTC", "SYMBOL", "Sim", "make_sim", "utc_ms"]

D = Decimal
API = "K1"
SYMBOL = "BTCUSDT"
BTC = InstrumentConfig(symbol=SYMBOL, tick_size=D("0.1"), qty_step=D("0.001"), min_qty=D("0.001"))


def utc_ms(hour: int, minute: int = 0, second: int = 0, ms: int = 0, *, day: int = 9) -> int:
    """Epoch ms of 2020-12-``day`` ``hour:minute:second.ms`` UTC."""
    moment = dt.datetime(2020, 12, day, hour, minute, second, tzinfo=dt.UTC)
    return int(moment.timestamp()) * 1000 + ms


START = utc_ms(2)  # outside the funding hours 0/8/16


def _dec(value: str | Decimal | None) -> Decimal | None:
    return None if value is None else D(value)


class Sim:
    """A venue, its clock and (optionally) its proto sink."""

    def __init__(self, venue: Venue, clock: VirtualClock, sink: ProtoSink | None) -> None:
        self.venue = venue
        self.clock = clock
        self.sink = sink

    def acct(self, key: str = API) -> Account:
        return self.venue.account(key)

    def place(
        self,
        side: str,
        price: str,
        qty: str,
        *,
        idx: int | None = None,
        link: str = "",
        key: str = API,
    ) -> Order:
        """A GTC limit order; idx 1 for a Buy and 2 for a Sell unless given (hedge mode:
        Sell on 1 and Buy on 2 are the reduce-only closes)."""
        pos_idx = idx if idx is not None else (1 if side == "Buy" else 2)
        req = OrderRequest(SYMBOL, side, "Limit", D(qty), D(price), "GTC", pos_idx, link)
        return self.venue.place(key, req)

    def _at(self, at: int | None) -> int:
        ts = self.clock.now_ms() + 1000 if at is None else at
        self.clock.advance_to(ts)
        return ts

    def tick(
        self,
        last: str,
        *,
        at: int | None = None,
        mark: str | None = None,
        bid: str | Decimal | None = None,
        ask: str | Decimal | None = None,
        local: int | None = None,
    ) -> list[Execution]:
        """One ticker (1 s after the previous event unless ``at``); ``local`` defaults to
        the exchange time, as the backtest feeds it."""
        ts = self._at(at)
        return self.venue.on_ticker(
            Tick(
                symbol=SYMBOL,
                ts_ms=ts,
                last=D(last),
                mark=_dec(mark),
                bid=_dec(bid),
                ask=_dec(ask),
                local_ms=ts if local is None else local,
            )
        )

    def trade(
        self, price: str, size: str, *, side: str = "Sell", at: int | None = None
    ) -> list[Execution]:
        """One public trade (taker ``side``); returns the executions it caused."""
        return self.trades([(price, size)], side=side, at=at)

    def trades(
        self, prints: Sequence[tuple[str, str]], *, side: str = "Sell", at: int | None = None
    ) -> list[Execution]:
        """Several public trades in one millisecond, one call; the executions they caused."""
        ts = self._at(at)
        before = len(self.acct().executions)
        batch = [
            Trade(ts, SYMBOL, side, D(price), D(size), f"t{ts}-{i}")
            for i, (price, size) in enumerate(prints)
        ]
        self.venue.on_trades(batch)
        return self.acct().executions[before:]


def make_sim(
    model: FillModelName = "strict_cross",
    *,
    funding: FundingModel | None = None,
    start: int = START,
    usdt: str = "10000",
    taker_on_place: bool = False,
    check_rules: bool = False,
    queue: QueueConfig | None = None,
    proto: bool = False,
    wire_money: bool = False,
    keys: Sequence[str] = (API,),
) -> Sim:
    """The reference's settings unless told: no placement checks, no taker fills at
    placement, maker fee 0.0002 (taker 0.00055), funding off."""
    cfg = VenueConfig(
        instruments=(BTC,),
        accounts=tuple(
            AccountConfig(api_key=key, api_secret="secret", usdt=D(usdt)) for key in keys
        ),
        fees=FeeConfig(maker=D("0.0002"), taker=D("0.00055")),
        matching=MatchingConfig(
            fill_model=model,
            queue=queue if queue is not None else QueueConfig(),
            check_rules=check_rules,
            taker_on_place=taker_on_place,
        ),
    )
    clock = VirtualClock(start, None)
    schedule = funding if funding is not None else FundingSchedule(FundingConfig(enabled=False))
    ids = {key: f"acct-{key}" for key in keys}
    sink = ProtoSink(clock.now_ms, ids, wire_money=wire_money) if proto else None
    venue = Venue(cfg, clock.now_ms, IdGen(0), schedule, sink)
    if sink is not None:
        sink.liq_prices = venue.liq_prices
        sink.marks = venue.marks
    return Sim(venue, clock, sink)
