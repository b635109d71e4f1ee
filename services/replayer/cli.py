"""``gridtwin replay``: republish a recorded run under ``replay.<run_id>``."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from collections.abc import Sequence

import asyncpg

from infra import Settings
from marketdata import format_health, preflight
from obs import configure_logging
from services.replayer.request import ReplayRequest
from services.replayer.service import Replayer
from services.runtime import connected


def csv_list(value: str) -> tuple[str, ...]:
    """A comma-separated flag value."""
    return tuple(v for v in value.split(",") if v)


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("replay", help="republish a recorded run under replay.<run_id>")
    add_arguments(p)
    p.set_defaults(func=lambda a: asyncio.run(run(a)))


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The flags of a plain republish (the seeded replay's command adds its own)."""
    p.add_argument("--source-ns", default="live", help="recorded namespace (default live)")
    p.add_argument("--run-id", default=None, help="new run id (default: random)")
    p.add_argument("--start-ms", type=int, default=None, help="window start, exchange ms")
    p.add_argument("--end-ms", type=int, default=None, help="window end (exclusive)")
    p.add_argument("--symbols", type=csv_list, default=(), help="comma-separated")
    p.add_argument("--accounts", type=csv_list, default=(), help="comma-separated")
    p.add_argument("--speed", type=float, default=None, help="×N real time (default: max)")
    p.add_argument(
        "--allow-gaps", action="store_true", help="replay a window whose market data has holes"
    )
    p.add_argument("--gap-s", type=float, default=60.0, help="a hole: seconds without trades")


async def run(args: argparse.Namespace) -> int:
    configure_logging("replayer")
    request = ReplayRequest(
        source_ns=args.source_ns,
        run_id=args.run_id or uuid.uuid4().hex[:12],
        start_ms=args.start_ms,
        end_ms=args.end_ms,
        symbols=args.symbols,
        accounts=args.accounts,
        speed=args.speed,
    )
    async with connected(Settings.from_env(), "replayer") as (bus, pool):
        async with pool.acquire() as conn:
            healthy = await window_is_healthy(
                conn, request.source_ns, request.symbols, request.start_ms, request.end_ms, args
            )
        if not healthy:
            return 2
        result = await Replayer(bus, pool).replay(request)
    print(f"replayed {result.events} events as {result.ns} in {result.seconds:.2f}s")
    return 0


async def window_is_healthy(
    conn: asyncpg.Connection,
    source_ns: str,
    symbols: Sequence[str],
    start_ms: int | None,
    end_ms: int | None,
    args: argparse.Namespace,
) -> bool:
    """The data-health preflight: False (the report printed) when the window's market
    data has holes longer than ``--gap-s`` or recorded gaps, unless ``--allow-gaps``."""
    reports = await preflight(
        conn,
        source_ns,
        symbols,
        start_ms=start_ms,
        end_ms=end_ms - 1 if end_ms is not None else None,
        gap_s=args.gap_s,
    )
    bad = [r for r in reports if not r.ok]
    if not bad or args.allow_gaps:
        return True
    print(
        f"gridtwin replay: error: store:{source_ns}: the window's market data"
        " has holes (--allow-gaps replays it anyway)",
        file=sys.stderr,
    )
    for report in bad:
        print(format_health(report), file=sys.stderr)
    return False
