"""The simulated exchange of a replay, without I/O: the venue kernel with the live
executor's gates in front (``execution.SimulatedBroker``), started from the seed.

Time is the recording's: each market event moves the kernel clock to its exchange time
(never backwards), and a batch of intents takes effect at its ticker's time plus the
latency. Everything returned is what collector and executor would have published live:
order updates, executions, positions, wallets (``ProtoSink``), results and rejects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

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
from venue.follow import RecordedExecution, RecordedTape, match_order

__all__ = ["SimVenue"]

_LEG_IDX = {"long": 1, "short": 2}
#: How long a live execution waits for its order to appear in a ``follow`` replay.
_FOLLOW_WAIT_MS = 60_000


class SimVenue:
    def __init__(
        self,
        config: SimBrokerConfig,
        seed: Seed,
        recorded: RecordedLatency | None = None,
        *,
        tapes: Mapping[tuple[str, str], RecordedTape] | None = None,
    ) -> None:
        if config.latency == "recorded" and recorded is None:
            raise ValueError("latency: 'recorded' needs the live run's recorded latency")
        if config.fill_model == "follow" and tapes is None:
            raise ValueError("fill_model: 'follow' needs the live run's executions")
        self.config = config
        self.recorded = recorded
        #: ``follow``: live's executions per ``(account, symbol)``, what fills the orders,
        #: and those due whose order is not there yet.
        self.tapes = dict(tapes or {})
        self._waiting: dict[tuple[str, str], list[RecordedExecution]] = {}
        self.now_ms = seed.start_ms
        accounts = sorted(seed.accounts)
        venue_config = VenueConfig(
            instruments=config.instruments,
            accounts=tuple(
                AccountConfig(api_key=a, api_secret="replay", leverage=config.leverage)
                for a in accounts
            ),
            fees=config.fees,
            # follow: only live's executions fill, a marketable order too.
            matching=MatchingConfig(
                fill_model=config.fill_model, taker_on_place=config.fill_model != "follow"
            ),
        )
        self.sink = ProtoSink(self._now, wire_money=True)
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
        self._follow()
        return self.sink.drain()

    def on_time(self, ts_ms: int) -> list[proto.Message]:
        """A ticker: time passes (funding falls due); fills come from trades only (or,
        with ``follow``, from live's executions due by now)."""
        self._advance(ts_ms)
        self.venue.on_time(self.now_ms)
        self._follow()
        return self.sink.drain()

    def _follow(self) -> None:
        """Live's executions due by now, each filling the order it matches
        (``venue.follow.match_order``). One whose order is not there yet waits for it
        (live filled an order the instant it was placed, and a place takes effect after
        the market events of its instant) up to ``_FOLLOW_WAIT_MS``, then stays live-only."""
        for key, tape in self.tapes.items():
            waiting = self._waiting.setdefault(key, [])
            waiting.extend(tape.due(self.now_ms))
            if not waiting:
                continue
            account, symbol = key
            acct = self.venue.accounts.get(account)
            still = []
            for execution in waiting:
                resting = acct.open_orders_of(symbol) if acct is not None else []
                order = match_order(resting, execution)
                if order is not None:
                    self.venue.apply_recorded(account, order, execution)
                elif self.now_ms - execution.ts_ms <= _FOLLOW_WAIT_MS:
                    still.append(execution)
                else:
                    tape.unmatched.append(execution)
            self._waiting[key] = still

    # -- intents ----------------------------------------------------------------------------
    def schedule(self, batch: proto.IntentBatch) -> list[tuple[int, list[int]]]:
        """When each intent of ``batch`` reaches the venue: ``(exchange ms, indices)``
        groups, earliest first, each in the batch's order."""
        latency = self.config.latency
        if latency == "recorded" and batch.intents:
            assert self.recorded is not None
            order = list(range(len(batch.intents)))
            if self.config.intent_order == "cancels_first":
                order.sort(key=lambda i: isinstance(batch.intents[i], proto.PlaceIntent))
            groups: dict[int, list[int]] = {}
            for index, at in zip(order, self.recorded.batch_ms(batch, order), strict=True):
                groups.setdefault(at, []).append(index)
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
        gates = self.recorded.gates_of(batch) if self.recorded is not None else None
        outcomes: list[proto.Message] = list(broker.execute(batch, indices, gates))
        self._follow()  # live's fill of an order it placed at this very ms
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
