"""What the acceptance tests check at the end of a run, against the simulator's truth."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any, Protocol

import asyncpg

import proto
import tenants
from gridcore import GridEngine, RestingOrder, order_link_prefix, saved_grid
from proto.strategy import CancelIntent, TickerEvent
from services.demo.scenario import Scenario
from services.exchange_sim import ExchangeSim
from tenants import StrategySpec


class Run(Protocol):
    """What the checks read: a :class:`services.demo.live.LiveStack` or a process run."""

    pool: asyncpg.Pool
    ns: str
    scenario: Scenario
    sim: ExchangeSim


async def stored(pool: asyncpg.Pool, ns: str, kind: str) -> list[Any]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT payload FROM events WHERE ns = $1 AND kind = $2 ORDER BY stream_seq", ns, kind
        )
    family = proto.Family.EXEC if kind in ("exec_result", "exec_reject") else proto.Family.ACCT
    return [proto.decode(bytes(r["payload"]), family) for r in rows]


async def executions_stored_once(stack: Run) -> dict[str, int]:
    """Every simulator execution is in the store exactly once; returns counts per account."""
    executions = await stored(stack.pool, stack.ns, "execution")
    counts: dict[str, int] = {}
    for account in stack.scenario.accounts:
        mine = [e.exec_id for e in executions if e.account_id == account.account_id]
        dupes = [k for k, n in Counter(mine).items() if n > 1]
        assert not dupes, f"{account.account_id}: executions stored twice: {dupes[:5]}"
        sim_execs = {e["execId"]: e for e in stack.sim.executions(account.api_key)}
        truth = set(sim_execs)
        missing = sorted((sim_execs[i]["execTime"], i) for i in truth - set(mine))
        assert set(mine) == truth, (
            f"{account.account_id}: {len(missing)} missing (execTime, execId) {missing[:5]},"
            f" unknown {sorted(set(mine) - truth)[:5]}"
        )
        counts[account.account_id] = len(mine)
    return counts


async def positions_and_wallets_equal(stack: Run) -> None:
    positions = await stored(stack.pool, stack.ns, "position")
    wallets = await stored(stack.pool, stack.ns, "wallet")
    for account in stack.scenario.accounts:
        last: dict[tuple[str, int], proto.Position] = {}
        for p in positions:
            if p.account_id == account.account_id:
                last[(p.symbol, p.position_idx)] = p
        for symbol in {s.symbol for s in account.strategies}:
            for idx in (1, 2):
                truth = stack.sim.position(account.api_key, symbol, idx)
                mine = last.get((symbol, idx))
                size = mine.size if mine else Decimal(0)
                assert size == Decimal(truth["size"]), (account.account_id, symbol, idx)
                if size:
                    assert mine is not None
                    assert mine.avg_price == Decimal(truth["avgPrice"]), (account.account_id, idx)
        wallet = [w for w in wallets if w.account_id == account.account_id and w.coin == "USDT"]
        truth_coin = next(
            c for c in stack.sim.wallet(account.api_key)["coin"] if c["coin"] == "USDT"
        )
        assert wallet, f"{account.account_id}: no wallet stored"
        assert wallet[-1].wallet_balance == Decimal(truth_coin["walletBalance"]), account.account_id


async def open_orders_follow_the_grid(stack: Run, prices: dict[str, Decimal]) -> int:
    """The simulator's open orders are what gridcore's grid prescribes: run gridcore on the
    saved grid, the final price and the exchange's own book; it must want no cancel, and
    every place it still wants must be one the §6.6 gates refuse (a reduce-only close the
    position cannot take). Returns the number of open grid orders checked."""
    async with stack.pool.acquire() as conn:
        grids = await tenants.load_grid_states(conn, stack.ns)
    checked = 0
    for account in stack.scenario.accounts:
        for spec in account.strategies:
            checked += _check_strategy(stack, account.api_key, spec, grids, prices[spec.symbol])
    return checked


def _check_strategy(
    stack: Run,
    api_key: str,
    spec: StrategySpec,
    grids: dict[str, dict[str, Any]],
    price: Decimal,
) -> int:
    config = spec.grid_config()
    restored = saved_grid(grids.get(spec.strategy_id, {}), spec.strategy_id, config)
    assert restored, f"{spec.strategy_id}: no saved grid"
    orders = stack.sim.open_orders(api_key, spec.symbol)
    prefixes = Counter(order_link_prefix(o["orderLinkId"]) for o in orders)
    doubled = [p for p, n in prefixes.items() if n > 1]
    assert not doubled, f"{spec.strategy_id}: doubled orders {doubled}"
    books: dict[str, list[RestingOrder]] = {"long": [], "short": []}
    for o in orders:
        books["long" if o["positionIdx"] == 1 else "short"].append(RestingOrder.from_mapping(o))
    tick = Decimal(
        next(i.tick_size for i in stack.sim.config.instruments if i.symbol == spec.symbol)
    )
    engine = GridEngine(spec.symbol, tick, config, spec.strategy_id)
    # The live engine's grid exactly as saved. Not through G-10 restore: a grid that
    # drifted out of the Buy+ Wait* Sell+ shape is still the grid the engine trades with
    # (only a restarted engine would rebuild it, E-1).
    engine.grid.sides = [level["side"] for level in restored]
    engine.grid.prices = [float(level["price"]) for level in restored]
    engine.grid._changed()
    intents = engine.on_event(
        TickerEvent(symbol=spec.symbol, exchange_ts=0, local_ts=0, last_price=price),
        {k: tuple(v) for k, v in books.items()},
    )
    cancels = [i for i in intents if isinstance(i, CancelIntent)]
    assert not cancels, f"{spec.strategy_id}: gridcore would cancel {cancels[:3]}"
    for place in intents:
        assert place.reduce_only, f"{spec.strategy_id}: open order missing: {place}"
        idx = 1 if place.direction == "long" else 2
        size = Decimal(stack.sim.position(api_key, spec.symbol, idx)["size"])
        resting = [Decimal(o["qty"]) for o in orders if o["positionIdx"] == idx and o["reduceOnly"]]
        typical = max((Decimal(o["qty"]) for o in orders if o["positionIdx"] == idx), default=0)
        assert size <= sum(resting) + typical, (
            f"{spec.strategy_id}: close {place.price} missing with room in the position"
        )
    return len(orders)


async def secrets_nowhere(pool: asyncpg.Pool, secrets: list[str], logs: str) -> None:
    """No secret in the logs, in any stored bus message, or in any table's rows (the
    whole database rendered as text, bytea included, like a dump would hold it)."""
    assert logs, "no logs were captured"
    needles = [s.encode() for s in secrets]
    async with pool.acquire() as conn:
        tables = await conn.fetch(
            "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
        )
        dump: list[bytes] = []
        for row in tables:
            rows = await conn.fetch(f'SELECT t::text AS line FROM "{row["relname"]}" t')
            dump.extend(r["line"].encode() for r in rows)
        payloads = await conn.fetch("SELECT payload FROM events")
    assert len(payloads) > 1000 and len(dump) > 1000
    blob = b"\n".join(dump)
    for secret, needle in zip(secrets, needles, strict=True):
        assert secret not in logs, "a secret was logged"
        assert needle not in blob, "a secret is stored in clear"
        assert needle.hex().encode() not in blob, "a secret is stored hex-encoded"
        assert all(needle not in bytes(p["payload"]) for p in payloads), "a secret went on the bus"
