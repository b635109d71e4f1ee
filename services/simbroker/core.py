"""The simulated exchange of a replay, without I/O: the venue kernel with the live
executor's gates in front (``execution.SimulatedBroker``), started from the seed.

Time is the recording's: each market event moves the kernel clock to its exchange time
(never backwards), and a batch of intents takes effect at its ticker's time plus the
latency. Everything returned is what collector and executor would have published live:
order updates, executions, positions, wallets (``ProtoSink``), results and rejects.
"""

from __future__ import annotations

from collections.abc import Iterable

import proto
from execution.simulated import SimulatedBroker
from replay import AccountSeed, RecordedLatency, Seed
from services.simbroker.config import SimBrokerConfig
from venue import (
    AccountConfig,
    FundingSchedule,
    IdGen,
    MatchingConfig,
    ProtoSink,
    RestoredLeg,
    RestoredOrder,
    Trade,
    Venue,
    VenueConfig,
)

__all__ = ["SimVenue"]

_LEG_IDX = {"long": 1, "short": 2}


class SimVenue:
    def __init__(
        self, config: SimBrokerConfig, seed: Seed, recorded: RecordedLatency | None = None
    ) -> None:
        if config.latency == "recorded" and recorded is None:
            raise ValueError("latency: 'recorded' needs the live run's recorded latency")
        self.config = config
        self.recorded = recorded
        self.now_ms = seed.start_ms
        accounts = sorted(seed.accounts)
        venue_config = VenueConfig(
            instruments=config.instruments,
            accounts=tuple(
                AccountConfig(api_key=a, api_secret="replay", leverage=config.leverage)
                for a in accounts
            ),
            fees=config.fees,
            matching=MatchingConfig(fill_model=config.fill_model),
        )
        self.sink = ProtoSink(self._now)
        self.venue = Venue(
            venue_config, self._now, IdGen(0), FundingSchedule(config.funding), self.sink
        )
        self.sink.liq_prices = self.venue.liq_prices
        self.sink.marks = self.venue.marks
        for account in accounts:
            _restore(self.venue, seed.accounts[account])
        self.brokers = {
            a: SimulatedBroker(self.venue, a, a, intent_order=config.intent_order) for a in accounts
        }
        self.symbols = {i.symbol for i in config.instruments}

    def _now(self) -> int:
        return self.now_ms

    def _advance(self, ts_ms: int) -> None:
        self.now_ms = max(self.now_ms, ts_ms)

    # -- market data ------------------------------------------------------------------------
    def on_trades(self, frame: proto.TradeFrame) -> list[proto.Message]:
        if frame.symbol not in self.symbols:
            return []
        self._advance(frame.ts_exchange_ms)
        self.venue.on_trades(
            [
                Trade(self.now_ms, frame.symbol, t.side.value, t.price, t.qty, t.trade_id)
                for t in frame.trades
            ]
        )
        return self.sink.drain()

    def on_time(self, ts_ms: int) -> list[proto.Message]:
        """A ticker: time passes (funding falls due); fills come from trades only."""
        self._advance(ts_ms)
        self.venue.on_time(self.now_ms)
        return self.sink.drain()

    # -- intents ----------------------------------------------------------------------------
    def schedule(self, batch: proto.IntentBatch) -> list[tuple[int, list[int]]]:
        """When each intent of ``batch`` reaches the venue: ``(exchange ms, indices)``
        groups, earliest first, each in the batch's order."""
        latency = self.config.latency
        if latency == "recorded":
            assert self.recorded is not None
            groups: dict[int, list[int]] = {}
            for index in range(len(batch.intents)):
                groups.setdefault(self.recorded.effective_ms(batch, index), []).append(index)
            return sorted(groups.items())
        delay = 0 if latency == "none" else latency
        return [(batch.ts_exchange_ms + delay, list(range(len(batch.intents))))]

    def execute(
        self, batch: proto.IntentBatch, at_ms: int, indices: list[int] | None = None
    ) -> list[proto.Message]:
        """Place and cancel ``batch`` (its intents at ``indices``) at ``at_ms``: results
        first, then what the venue reported (orders, positions, wallet), as the
        executor's answer precedes the private stream's news of it."""
        broker = self.brokers.get(batch.account_id)
        if broker is None:
            return []  # not an account of this replay: nobody would have traded it
        self._advance(at_ms)
        outcomes: list[proto.Message] = list(broker.execute(batch, indices))
        return outcomes + self.sink.drain()

    # -- resync -----------------------------------------------------------------------------
    def snapshot(self, accounts: Iterable[str]) -> list[proto.Message]:
        """What the collector publishes for a resync: open orders, both legs of every
        symbol, the wallet."""
        for account in accounts:
            acct = self.venue.accounts.get(account)
            if acct is None:
                continue
            for order in acct.open_orders.values():
                self.sink.order(acct, order)
            for symbol in sorted(self.symbols):
                self.sink.position(acct, symbol, 1)
            self.sink.wallet(acct)
        self.sink.flush()
        return self.sink.drain()


def _restore(venue: Venue, seeded: AccountSeed) -> None:
    venue.restore(
        seeded.account_id,
        seeded.wallet_balance,
        legs=[
            RestoredLeg(symbol, _LEG_IDX[leg], s.size, s.avg_price, s.cum_realised_pnl)
            for (symbol, leg), s in sorted(seeded.legs.items())
        ],
        orders=[
            RestoredOrder(
                order_id=o.order_id,
                order_link_id=o.order_link_id,
                symbol=o.symbol,
                side=o.side,
                price=o.price,
                qty=o.qty,
                leaves_qty=o.leaves_qty,
                position_idx=o.position_idx,
                reduce_only=o.reduce_only,
                created_ms=o.created_ms,
            )
            for o in seeded.orders
        ],
    )
