"""``gridtwin compare`` with a side named by run id: the sides read from the event store
(one account × symbol), the files written like any comparison's, and the comparison
stored in ``comparisons`` (V-21), owned by the live run's user."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import asyncpg
import msgspec

import tenants
from compare import CompareOptions, Comparison, Side, Thresholds, Verdict
from infra import InfraError, Settings
from services.comparator.outcome import judge_and_write, save
from services.comparator.runs import (
    StoredRunError,
    find_runs,
    load_run_side,
    market_ns,
    owner_of,
    pick_strategy,
    replay_seed,
    run_window,
    units_of,
)
from services.comparator.sources import is_run_ref, load_side
from services.comparator.stored import load_position_baseline, load_price, starting_from
from services.runtime import resolve
from store import create_pool

__all__ = ["compare_stored"]

_FLAGS = ("--live", "--sim")


def _database_url(flag: str, ref: str) -> str:
    settings = Settings.from_env()
    if settings.database_url:
        return settings.database_url
    try:
        return resolve(settings).database_url
    except InfraError:
        raise StoredRunError(
            flag,
            f"{ref!r} is not a folder, and no database is configured to look it up as a run"
            " id (set GRIDTWIN_DATABASE_URL or run `gridtwin infra up`)",
        ) from None


def _stored_ref(text: str) -> str:
    """How the row names a side: the run id, or the folder's absolute path."""
    return text if is_run_ref(text) else str(Path(text).resolve())


def compare_stored(
    args: argparse.Namespace, options: CompareOptions, thresholds: Thresholds
) -> tuple[Comparison, Verdict, tenants.StoredComparison]:
    """Compare, write ``--out`` and store the comparison; at least one side is a run id."""
    texts = {flag: getattr(args, flag.removeprefix("--")) for flag in _FLAGS}
    refs = {flag: text for flag, text in texts.items() if is_run_ref(text)}
    # Folders first: a bad one is named before any database is asked.
    folders = {flag: load_side(text, flag) for flag, text in texts.items() if flag not in refs}
    first = next(iter(refs))
    url = _database_url(first, refs[first])
    labels = {flag: _stored_ref(text) for flag, text in texts.items()}
    job = _Job(args, options, thresholds, refs, folders, labels, Path(args.out).resolve())
    return asyncio.run(_with_pool(url, job))


class _Job(msgspec.Struct, frozen=True):
    args: argparse.Namespace
    options: CompareOptions
    thresholds: Thresholds
    #: ``flag → run id`` of the stored sides, ``flag → side`` of the folders.
    refs: dict[str, str]
    folders: dict[str, Side]
    #: ``flag → what the row calls the side``.
    labels: dict[str, str]
    out: Path


async def _with_pool(url: str, job: _Job) -> tuple[Comparison, Verdict, tenants.StoredComparison]:
    pool = await create_pool(url, max_size=1)
    try:
        async with pool.acquire() as conn:
            return await _compare(conn, job)
    finally:
        await pool.close()


async def _compare(
    conn: asyncpg.Connection, job: _Job
) -> tuple[Comparison, Verdict, tenants.StoredComparison]:
    args = job.args
    runs = await find_runs(conn, job.refs)
    owner = owner_of(runs)
    pair = await pick_strategy(conn, runs, args.account or "", args.symbol or "")
    options = run_window(job.options, runs)
    units = units_of(pair[1], job.folders.values())
    sides = dict(job.folders)
    for flag, run in runs.items():
        sides[flag] = await load_run_side(conn, run, pair, units, options)
    seed = replay_seed(runs, options.start_ms)
    if seed is not None and options.start_ms is not None:
        baseline = await load_position_baseline(
            conn, seed[0], *pair, upto_seq=seed[1], at_ms=options.start_ms
        )
        for flag in runs:
            sides[flag] = starting_from(sides[flag], baseline)
    first = next(iter(runs.values()))
    price = await load_price(
        conn, market_ns(first), pair[1], start_ms=options.start_ms, end_ms=options.end_ms
    )
    comparison, verdict = judge_and_write(
        sides["--live"], sides["--sim"], options, job.thresholds, job.out,
        subtitle=f"{args.live} vs {args.sim} · {pair[0]} {pair[1]}", price=price,
    )  # fmt: skip
    stored = await save(
        conn, owner, comparison, verdict, live_ref=job.labels["--live"],
        sim_ref=job.labels["--sim"], account=pair[0], symbol=pair[1], out_dir=str(job.out),
    )  # fmt: skip
    return comparison, verdict, stored
