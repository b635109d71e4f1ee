"""Sides named by a run id: the run found in ``runs``, the one account × symbol to compare,
the window, the instrument's units and the side read from the run's namespace.

Flag problems raise :class:`compare.CompareConfigError` naming the flag (exit 1); a run id
no run has raises :class:`StoredRunError` naming the flag and the id (exit 2).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import asyncpg
import msgspec

import tenants
from compare import CompareConfigError, CompareError, CompareOptions, Side
from services.comparator.stored import load_stored_side
from tenants import RunRow

__all__ = [
    "StoredRunError",
    "find_runs",
    "load_run_side",
    "market_ns",
    "owner_of",
    "pick_strategy",
    "run_window",
    "units_of",
]

Pair = tuple[str, str]


class StoredRunError(CompareError):
    """A side that cannot be read from the store: no such run, or no database to ask."""

    def __init__(self, flag: str, reason: str) -> None:
        self.flag = flag
        super().__init__(f"{flag}: {reason}")


async def find_runs(conn: asyncpg.Connection, refs: Mapping[str, str]) -> dict[str, RunRow]:
    """``flag → run`` for every ``flag → run id``."""
    found = {}
    for flag, run_id in refs.items():
        run = await tenants.find_run(conn, run_id)
        if run is None or run.user_id is None:
            raise StoredRunError(flag, f"no run {run_id!r} (nor a folder of that name)")
        found[flag] = run
    return found


def _names(value: object) -> list[str] | None:
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return value
    return None


async def _candidates(conn: asyncpg.Connection, run: RunRow) -> set[Pair]:
    """What the run traded: its params' accounts × symbols (a replay's), else its user's
    strategies of the run's namespace (or of the namespace it replayed)."""
    accounts, symbols = _names(run.params.get("accounts")), _names(run.params.get("symbols"))
    if accounts and symbols:
        return {(a, s) for a in accounts for s in symbols}
    assert run.user_id is not None  # find_runs returns owned runs only
    specs, _ = await tenants.list_strategies(conn, run.user_id)
    namespaces = {run.ns, run.source_ns}
    return {(s.account_id, s.symbol) for s in specs if s.namespace in namespaces}


def _listed(pairs: Iterable[Pair]) -> str:
    return ", ".join(f"{a}/{s}" for a, s in sorted(pairs))


async def pick_strategy(
    conn: asyncpg.Connection, runs: Mapping[str, RunRow], account: str, symbol: str
) -> Pair:
    """The account × symbol to compare: the flags', else the one strategy the stored
    runs share (each run's default when it has exactly one)."""
    if account and symbol:
        return account, symbol
    common: set[Pair] | None = None
    for run in runs.values():
        mine = {
            (a, s)
            for a, s in await _candidates(conn, run)
            if (not account or a == account) and (not symbol or s == symbol)
        }
        if mine:  # a run that names nothing does not narrow the choice
            common = mine if common is None else common & mine
    missing = "--symbol" if account else "--account"
    ids = " and ".join(repr(i) for i in dict.fromkeys(r.run_id for r in runs.values()))
    if not common:
        wanted = "symbol" if account else "account" if symbol else "account and symbol"
        raise CompareConfigError(
            missing, f"cannot tell which {wanted} of run {ids} to compare; give {missing}"
        )
    if len(common) > 1:
        raise CompareConfigError(
            missing,
            f"run {ids} traded {len(common)} strategies ({_listed(common)});"
            " choose one with --account and --symbol",
        )
    (pair,) = common
    return pair


def owner_of(runs: Mapping[str, RunRow]) -> uuid.UUID:
    """Who owns the comparison: the live run's user (V-21), else the sim run's. Both
    runs must be one user's: a comparison never mixes two users' data."""
    live, sim = runs.get("--live"), runs.get("--sim")
    if live is not None and sim is not None and live.user_id != sim.user_id:
        raise CompareConfigError(
            "--sim", f"run {sim.run_id!r} belongs to another user than --live run {live.run_id!r}"
        )
    run = live if live is not None else sim
    assert run is not None and run.user_id is not None
    return run.user_id


def _ms(params: Mapping[str, Any], key: str) -> int | None:
    value = params.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def run_window(options: CompareOptions, runs: Mapping[str, RunRow]) -> CompareOptions:
    """An open bound takes a replay run's own window (the one it was seeded and judged
    over); otherwise it stays open (the data's)."""
    start, end = options.start_ms, options.end_ms
    for run in runs.values():
        if run.kind == "replay":
            start = start if start is not None else _ms(run.params, "start_ms")
            end = end if end is not None else _ms(run.params, "end_ms")
    if start is not None and end is not None and end <= start:
        raise CompareConfigError("--start", f"window [{start}, {end}) is empty")
    return msgspec.structs.replace(options, start_ms=start, end_ms=end)


def units_of(symbol: str, folders: Iterable[Side]) -> tuple[Decimal, Decimal]:
    """Tick size and lot of ``symbol``: the venue's instrument, else a folder side's."""
    from venue import DEFAULT_INSTRUMENTS  # the venue kernel: only for stored sides

    for instrument in DEFAULT_INSTRUMENTS:
        if instrument.symbol == symbol:
            return instrument.tick_size, instrument.qty_step
    for side in folders:
        return side.tick_size, side.qty_step
    raise CompareConfigError("--symbol", f"{symbol}: no instrument with its tick size and lot")


def market_ns(run: RunRow) -> str:
    """Where the run's market data is: a replay's is its source's."""
    return run.source_ns or run.ns


async def load_run_side(
    conn: asyncpg.Connection,
    run: RunRow,
    pair: Pair,
    units: tuple[Decimal, Decimal],
    options: CompareOptions,
) -> Side:
    account, symbol = pair
    side = await load_stored_side(
        conn, run.ns, account, symbol, tick_size=units[0], qty_step=units[1],
        start_ms=options.start_ms, end_ms=options.end_ms,
    )  # fmt: skip
    # The run's manifest (a seeded replay's: job, seed, code version, hashes) for the page.
    manifest = {"run_id": run.run_id, "kind": run.kind, "ns": run.ns,
                "source_ns": run.source_ns, **run.params, **side.manifest}  # fmt: skip
    return msgspec.structs.replace(side, manifest=manifest)


def replay_seed(runs: Mapping[str, RunRow], start_ms: int | None) -> tuple[str, int] | None:
    """``(live namespace, seed stream seq)`` of a seeded replay among ``runs`` when the
    window starts at its seed point: both sides' legs start from that state."""
    for run in runs.values():
        if run.kind != "replay" or not run.source_ns:
            continue
        after_seq = run.params.get("after_seq")
        if isinstance(after_seq, int) and _ms(run.params, "start_ms") == start_ms:
            return run.source_ns, after_seq
    return None
