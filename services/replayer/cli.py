"""``gridtwin replay``: republish a recorded run under ``replay.<run_id>``."""

from __future__ import annotations

import argparse
import asyncio
import uuid

from infra import Settings
from obs import configure_logging
from services.replayer.request import ReplayRequest
from services.replayer.service import Replayer
from services.runtime import connected


def _csv(value: str) -> tuple[str, ...]:
    return tuple(v for v in value.split(",") if v)


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("replay", help="republish a recorded run under replay.<run_id>")
    p.add_argument("--source-ns", default="live", help="recorded namespace (default live)")
    p.add_argument("--run-id", default=None, help="new run id (default: random)")
    p.add_argument("--start-ms", type=int, default=None, help="window start, exchange ms")
    p.add_argument("--end-ms", type=int, default=None, help="window end (exclusive)")
    p.add_argument("--symbols", type=_csv, default=(), help="comma-separated")
    p.add_argument("--accounts", type=_csv, default=(), help="comma-separated")
    p.add_argument("--speed", type=float, default=None, help="×N real time (default: max)")
    p.set_defaults(func=lambda a: asyncio.run(run(a)))


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
        result = await Replayer(bus, pool).replay(request)
    print(f"replayed {result.events} events as {result.ns} in {result.seconds:.2f}s")
    return 0
