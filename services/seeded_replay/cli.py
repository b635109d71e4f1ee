"""``gridtwin replay``: republish a recorded run under ``replay.<run_id>``, or, with
``--fill-model`` (or ``--live-run``), replay it through the engine and the simbroker from
the live state at the window start (a seeded replay).

Exit codes of a seeded replay: 0 done, 1 a bad flag (named), 2 the window cannot be
replayed (its seed is incomplete: SKIP, with every missing item named).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid

from compare.timefmt import iso, parse_time
from infra import Settings
from obs import configure_logging
from services.replayer import cli as plain
from services.runtime import connected
from services.seeded_replay.args import FILL_MODELS, latency_error, source_window

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "replay",
        help="republish a recorded run, or replay it through engine + simbroker",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    plain.add_arguments(p)
    seeded = p.add_argument_group("seeded replay (engine + simbroker)")
    seeded.add_argument("--live-run", metavar="RUN", help="the recorded run to replay (its ns)")
    seeded.add_argument("--fill-model", choices=FILL_MODELS,
                        help="replay through the simbroker with this fill model")  # fmt: skip
    seeded.add_argument("--latency", default="none", metavar="none|recorded|MS",
                        help="intent → venue: none, as live, or exchange ms (none)")  # fmt: skip
    seeded.add_argument("--start", metavar="ISO", help="window start, UTC ISO 8601 or epoch ms")
    seeded.add_argument("--end", metavar="ISO", help="window end (exclusive)")
    seeded.add_argument("--max-seed-age-s", type=float, default=900.0,
                        help="refuse seed state this much older than the start (900)")  # fmt: skip
    p.set_defaults(func=lambda a: asyncio.run(run(a)))


def _fail(message: str) -> int:
    print(f"gridtwin replay: error: {message}", file=sys.stderr)
    return 1


async def run(args: argparse.Namespace) -> int:
    if not (args.fill_model or args.live_run):
        return await plain.run(args)
    if args.speed is not None:
        return _fail("--speed: a seeded replay runs in lockstep with the engine, at full speed")
    if error := latency_error(args.latency):
        return _fail(error)
    try:
        start = parse_time(args.start) if args.start else args.start_ms
        end = parse_time(args.end) if args.end else args.end_ms
    except ValueError as exc:
        return _fail(f"--start/--end: {exc}")
    configure_logging("replay")
    from replay import SeedMissing
    from services.seeded_replay.session import SeededReplay, run_seeded_replay

    async with connected(Settings.from_env(), "replay") as (bus, pool):
        async with pool.acquire() as conn:
            source_ns, error = await source_window(conn, args, "--live-run", start, end)
        if source_ns is None:
            return _fail(error) if error else 2
        job = SeededReplay(
            source_ns=source_ns,
            run_id=args.run_id or uuid.uuid4().hex[:12],
            start_ms=start,
            end_ms=end,
            accounts=args.accounts,
            symbols=args.symbols,
            fill_model=args.fill_model or "strict_cross",
            latency=args.latency,
            max_seed_age_s=args.max_seed_age_s,
        )
        try:
            result = await run_seeded_replay(bus, pool, job, show_progress=sys.stderr.isatty())
        except SeedMissing as exc:
            print(f"SKIP: {exc}")
            return 2
    print(
        f"replayed {result.md_events} market events of {source_ns} from {iso(result.start_ms)}"
        f" as {result.ns}: {result.batches} intent batches, {result.published} events"
        f" published in {result.seconds:.2f}s; output sha256 {result.output_sha256}"
    )
    return 0
