"""A backtest's trades from the event store, after a data-health preflight.

The window (``--start``/``--end``, inclusive) of one namespace (``--source-ns``, or the
namespace of ``--run-id``) is read in recorded order; holes longer than ``--gap-s``
seconds and the collector's own recorded gaps make the run refuse with the report,
unless ``--allow-gaps``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib

import asyncpg

from backtest import BacktestConfig
from backtest.result import InputFile
from infra import Settings
from marketdata import DataError, TradeTape, assess, format_health, load_stored_trades
from services.runtime import resolve
from store import create_pool
from tenants import find_run
from tenants.errors import ConfigFieldError

__all__ = ["StoreWindowError", "load_window", "tape_sha256"]


class StoreWindowError(DataError):
    """The stored window cannot be backtested as it is (its health report says why)."""

    def __init__(self, ns: str, reason: str) -> None:
        super().__init__(f"store:{ns}", 0, reason)


def tape_sha256(tape: TradeTape) -> str:
    digest = hashlib.sha256()
    for ts, price, size, side, trade_id in zip(
        tape.ts_ms, tape.price, tape.size, tape.side, tape.trade_id, strict=True
    ):
        digest.update(f"{ts},{price},{size},{side},{trade_id}\n".encode())
    return digest.hexdigest()


def load_window(
    settings: Settings, args: argparse.Namespace, config: BacktestConfig
) -> tuple[TradeTape, list[InputFile]]:
    try:
        gap_s = float(args.gap_s)
    except ValueError:
        raise ConfigFieldError("gap_s", f"{args.gap_s!r} is not a number") from None
    return asyncio.run(_load(settings, args, config, gap_s))


async def _namespace(conn: asyncpg.Connection, run_id: str) -> str:
    run = await find_run(conn, run_id)
    if run is None:
        raise ConfigFieldError("run_id", f"no run {run_id!r}")
    return run.ns


async def _load(
    settings: Settings, args: argparse.Namespace, config: BacktestConfig, gap_s: float
) -> tuple[TradeTape, list[InputFile]]:
    url = settings.database_url or resolve(settings).database_url
    pool = await create_pool(url, max_size=1)
    try:
        async with pool.acquire() as conn:
            ns = args.source_ns or await _namespace(conn, args.run_id)
            tape, gaps = await load_stored_trades(
                conn,
                ns,
                config.strategy.symbol,
                start_ms=config.start_ms,
                end_ms=config.end_ms,
            )
    finally:
        await pool.close()
    health = assess(
        tape.ts_ms,
        symbol=tape.symbol,
        trade_ids=tape.trade_id,
        start_ms=config.start_ms,
        end_ms=config.end_ms,
        gap_s=gap_s,
        recorded_gaps=gaps,
    )
    if not health.trades:
        raise StoreWindowError(ns, f"no {tape.symbol} trades in the window")
    if not health.ok and not args.allow_gaps:
        raise StoreWindowError(
            ns, "the window has holes (--allow-gaps runs anyway)\n" + format_health(health)
        )
    return tape, [InputFile(path=f"store:{ns}", sha256=tape_sha256(tape), trades=len(tape))]
