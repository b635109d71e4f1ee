"""The live state a replay starts from (V-16..V-19), read from the recorded events.

A window starts at a point of the recording: :class:`SeedPoint`, the stream position
just before the window's first market event. Everything recorded up to it is what live
had seen when the window began (whatever its stamp: the exchange simulator's REST
snapshots carry wall time while its market data keeps the recording's) and makes the
seed; the window replays the market data after it. Per account: the last wallet
(balance, equity), each hedge leg's last position (size, average entry) of every seeded
symbol, and the open orders (each order's last update with status New or
PartiallyFilled and leaves qty > 0; direction from its position index, client id from
its link id); per strategy: the last grid-state document.

Nothing is silent (V-17): a missing wallet, a missing leg, a missing grid, a grid
gridcore rejects (G-9), or a seed event older than ``max_seed_age_s`` before the start
makes :func:`load_seed` raise :class:`SeedMissing`, whose ``missing`` lists every
problem by name. There is no fallback to a default balance or a fresh grid, with one
exact exception: a strategy that had not built a grid yet at that point (its first is
recorded later, and it has no open order) starts without one, as it did live; ``fresh``
names it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import asyncpg
import msgspec

import proto
from gridcore import Grid, GridConfig, order_link_prefix

__all__ = [
    "AccountSeed",
    "LegSeed",
    "OrderSeed",
    "Seed",
    "SeedMissing",
    "StrategySeed",
    "load_seed",
]

_KINDS = ["wallet", "position", "order", "grid_state"]
_OPEN = frozenset((proto.OrderStatus.NEW, proto.OrderStatus.PARTIALLY_FILLED))
_LEGS = {1: "long", 2: "short"}

_SEED_EVENTS = """
SELECT payload FROM events
WHERE ns = $1 AND kind = ANY($2::text[]) AND account_id = ANY($3::text[]) AND stream_seq <= $4
ORDER BY stream_seq
"""

_FIRST_MD = """
SELECT stream_seq, ts_exchange_ms FROM events
WHERE ns = $1 AND kind IN ('trade', 'ticker') AND ts_exchange_ms >= $2
ORDER BY stream_seq LIMIT 1
"""

_FIRST_BATCH = """
SELECT payload FROM events
WHERE ns = $1 AND kind = 'intents' AND account_id = ANY($2::text[]) AND symbol = ANY($3::text[])
ORDER BY stream_seq LIMIT 1
"""

_EVENT_AT = "SELECT stream_seq, ts_exchange_ms FROM events WHERE ns = $1 AND event_id = $2"

_LATER_GRIDS = """
SELECT DISTINCT account_id, symbol FROM events
WHERE ns = $1 AND kind = 'grid_state' AND stream_seq > $2 AND account_id = ANY($3::text[])
"""


class SeedPoint(msgspec.Struct, frozen=True):
    """Where a window starts: ``seq`` is the last recorded event of the seed, ``ts_ms``
    the exchange time of the window's first market event."""

    ts_ms: int
    seq: int


async def seed_point(conn: asyncpg.Connection, ns: str, start_ms: int) -> SeedPoint:
    """The point before the first market event stamped at or after ``start_ms``."""
    row = await conn.fetchrow(_FIRST_MD, ns, start_ms)
    if row is None:
        raise SeedMissing(start_ms, [f"{ns}: no market data at or after the start"])
    return SeedPoint(int(row["ts_exchange_ms"]), int(row["stream_seq"]) - 1)


async def trading_start(
    conn: asyncpg.Connection, ns: str, accounts: Sequence[str], symbols: Sequence[str]
) -> SeedPoint | None:
    """The point just before the ticker on which these strategies first traded (their
    first intent batch): a replay of a whole run starts where live started acting."""
    payload = await conn.fetchval(_FIRST_BATCH, ns, list(accounts), list(symbols))
    if payload is None:
        return None
    batch = proto.decode(payload)
    assert isinstance(batch, proto.IntentBatch)
    row = await conn.fetchrow(_EVENT_AT, ns, batch.trigger_event_id)
    if row is None:
        raise SeedMissing(batch.ts_exchange_ms, [f"{ns}: ticker {batch.trigger_event_id} of "
                          "the first intent batch is not recorded"])  # fmt: skip
    return SeedPoint(int(row["ts_exchange_ms"]), int(row["stream_seq"]) - 1)


class SeedMissing(ValueError):
    """The recorded state at the window start is incomplete; ``missing`` names each gap."""

    def __init__(self, start_ms: int, missing: Sequence[str]) -> None:
        self.start_ms = start_ms
        self.missing = list(missing)
        when = dt.datetime.fromtimestamp(start_ms / 1000, dt.UTC).isoformat().replace("+00:00", "Z")
        super().__init__(f"no seed state at {when}: " + "; ".join(self.missing))


class LegSeed(msgspec.Struct, frozen=True, kw_only=True):
    size: Decimal
    avg_price: Decimal
    ts_ms: int
    cum_realised_pnl: Decimal = Decimal(0)


class OrderSeed(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    order_link_id: str
    client_order_id: str
    symbol: str
    side: str
    direction: str
    price: Decimal
    qty: Decimal
    leaves_qty: Decimal
    reduce_only: bool
    position_idx: int
    created_ms: int


class AccountSeed(msgspec.Struct, frozen=True, kw_only=True):
    account_id: str
    #: Cash balance (V-18: unrealised PnL of the seeded legs is the sim's own from then on).
    wallet_balance: Decimal
    equity: Decimal
    wallet_ts_ms: int
    #: ``(symbol, "long"|"short")`` → the leg.
    legs: dict[tuple[str, str], LegSeed]
    orders: list[OrderSeed]


class StrategySeed(msgspec.Struct, frozen=True, kw_only=True):
    strategy_id: str
    account_id: str
    symbol: str
    levels: list[tuple[str, str]]
    grid_step: float
    grid_count: int
    ts_ms: int

    def document(self) -> dict[str, Any]:
        """This grid as a saved-grid document (S-2), what the strategy runner restores."""
        return {
            self.strategy_id: {
                "grid": [{"side": side, "price": float(price)} for side, price in self.levels],
                "grid_step": self.grid_step,
                "grid_count": self.grid_count,
            }
        }


class Seed(msgspec.Struct, frozen=True, kw_only=True):
    start_ms: int
    #: The last recorded event of the seed: the window replays what came after it.
    after_seq: int
    accounts: dict[str, AccountSeed]
    strategies: dict[str, StrategySeed]
    #: Strategies without a grid yet at the start (they build it in the window, as live).
    fresh: list[str] = msgspec.field(default_factory=list)


async def load_seed(
    conn: asyncpg.Connection,
    ns: str,
    start: int | SeedPoint,
    accounts: Sequence[str],
    symbols: Sequence[str],
    *,
    max_seed_age_s: float = 900.0,
) -> Seed:
    """The state of ``accounts`` (legs of ``symbols``) in ``ns`` at ``start``: a point,
    or an exchange time (the point before the first market event at or after it)."""
    point = start if isinstance(start, SeedPoint) else await seed_point(conn, ns, start)
    start_ms = point.ts_ms
    rows = await conn.fetch(_SEED_EVENTS, ns, _KINDS, list(accounts), point.seq)
    wallets: dict[str, proto.Wallet] = {}
    positions: dict[tuple[str, str, str], proto.Position] = {}
    orders: dict[tuple[str, str], proto.OrderUpdate] = {}
    grids: dict[str, proto.GridState] = {}
    for (payload,) in rows:
        match proto.decode(payload):
            case proto.Wallet(coin="USDT") as wallet:
                wallets[wallet.account_id] = wallet
            case proto.Position() as position if position.position_idx in _LEGS:
                leg = _LEGS[position.position_idx]
                positions[(position.account_id, position.symbol, leg)] = position
            case proto.OrderUpdate() as update:
                orders[(update.account_id, update.order_id)] = update
            case proto.GridState() as grid if grid.symbol in symbols:
                grids[grid.strategy_id] = grid
    missing: list[str] = []
    oldest = start_ms - int(max_seed_age_s * 1000)
    seeded = {
        account: _account(account, wallets, positions, orders, symbols, oldest, missing)
        for account in accounts
    }
    later = {
        (r["account_id"], r["symbol"])
        for r in await conn.fetch(_LATER_GRIDS, ns, point.seq, list(accounts))
    }
    quiet = {  # no open order: nothing a grid would have placed yet
        (a, symbol)
        for a, seed in seeded.items()
        for symbol in symbols
        if seed is not None and not any(o.symbol == symbol for o in seed.orders)
    }
    fresh: list[str] = []
    strategies = _strategies(grids, accounts, symbols, oldest, missing, later & quiet, fresh)
    if missing:
        raise SeedMissing(start_ms, missing)
    return Seed(
        start_ms=start_ms,
        after_seq=point.seq,
        accounts={k: v for k, v in seeded.items() if v is not None},
        strategies=strategies,
        fresh=fresh,
    )


def _account(
    account: str,
    wallets: dict[str, proto.Wallet],
    positions: dict[tuple[str, str, str], proto.Position],
    orders: dict[tuple[str, str], proto.OrderUpdate],
    symbols: Sequence[str],
    oldest: int,
    missing: list[str],
) -> AccountSeed | None:
    wallet = wallets.get(account)
    if wallet is None:
        missing.append(f"account {account}: no wallet")
    elif wallet.ts_exchange_ms < oldest:
        missing.append(f"account {account}: wallet older than the seed age")
    legs: dict[tuple[str, str], LegSeed] = {}
    for symbol in symbols:
        for leg in ("long", "short"):
            position = positions.get((account, symbol, leg))
            if position is None:
                missing.append(f"account {account} {symbol} {leg}: no position")
                continue
            if position.ts_exchange_ms < oldest:
                missing.append(
                    f"account {account} {symbol} {leg}: position older than the seed age"
                )
            legs[(symbol, leg)] = LegSeed(
                size=position.size,
                avg_price=position.avg_price,
                ts_ms=position.ts_exchange_ms,
                cum_realised_pnl=position.cum_realised_pnl,
            )
    open_orders = [
        OrderSeed(
            order_id=u.order_id,
            order_link_id=u.order_link_id,
            client_order_id=order_link_prefix(u.order_link_id) or u.order_id,
            symbol=u.symbol,
            side=u.side.value,
            direction=_LEGS[u.position_idx],
            price=u.price,
            qty=u.qty,
            leaves_qty=u.leaves_qty,
            reduce_only=u.reduce_only,
            position_idx=u.position_idx,
            created_ms=u.created_ms or u.updated_ms,
        )
        for (acct, _), u in sorted(orders.items(), key=lambda kv: kv[1].created_ms)
        if acct == account
        and u.symbol in symbols
        and u.status in _OPEN
        and u.leaves_qty > 0
        and u.position_idx in _LEGS
    ]
    if wallet is None:
        return None
    return AccountSeed(
        account_id=account,
        wallet_balance=wallet.wallet_balance,
        equity=wallet.equity,
        wallet_ts_ms=wallet.ts_exchange_ms,
        legs=legs,
        orders=open_orders,
    )


def _strategies(
    grids: dict[str, proto.GridState],
    accounts: Sequence[str],
    symbols: Sequence[str],
    oldest: int,
    missing: list[str],
    not_yet: set[tuple[str, str]],
    fresh: list[str],
) -> dict[str, StrategySeed]:
    out: dict[str, StrategySeed] = {}
    for account in accounts:
        for symbol in symbols:
            mine = [g for g in grids.values() if (g.account_id, g.symbol) == (account, symbol)]
            if not mine and (account, symbol) in not_yet:
                fresh.append(f"account {account} {symbol}: no grid yet, built in the window")
                continue
            if not mine:
                missing.append(f"account {account} {symbol}: no grid state")
                continue
            for grid in mine:
                label = f"strategy {grid.strategy_id}"
                if grid.ts_exchange_ms < oldest:
                    missing.append(f"{label}: grid state older than the seed age")
                if not _valid(grid):
                    missing.append(f"{label}: grid state is not a valid grid (G-9)")
                    continue
                out[grid.strategy_id] = StrategySeed(
                    strategy_id=grid.strategy_id,
                    account_id=grid.account_id,
                    symbol=grid.symbol,
                    levels=list(grid.levels),
                    grid_step=grid.grid_step,
                    grid_count=grid.grid_count,
                    ts_ms=grid.ts_exchange_ms,
                )
    return out


def _valid(grid: proto.GridState) -> bool:
    """G-10: gridcore restores it (sides known, prices numbers, Buy+ Wait* Sell+)."""
    config = GridConfig(grid_count=grid.grid_count, grid_step=grid.grid_step)
    # The tick only rounds builds; a restore adopts the saved prices as they are.
    levels = Grid("0.01", config)
    return levels.restore({"side": side, "price": price} for side, price in grid.levels)
