"""``gridtwin check``: replay a recorded run seeded (engine + simbroker), compare every
strategy with live, and give the verdict (V-13/V-14).

Writes each strategy's comparison files and its HTML page (report.html) under
``--out``/``{account}-{symbol}``, stores the comparison in ``comparisons`` (owned by the
live run's user) and prints its summary. Exit codes: 0 PASS, 1 FAIL (or a bad flag,
named), 2 SKIP: the window cannot be judged (its seed is incomplete, its market data has
holes, no live trade), with the reason.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from pathlib import Path

from compare import CompareConfigError, CompareOptions, load_thresholds, parse_time
from infra import Settings
from obs import configure_logging
from services.replayer import cli as plain
from services.runtime import connected
from services.seeded_replay.args import FILL_MODELS, latency_error, source_window

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("check", help="replay a recorded run and judge it: PASS / FAIL / SKIP",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--live", metavar="RUN", help="the recorded run (its namespace)")
    which.add_argument("--source-ns", metavar="NS", help="a recorded namespace, e.g. live")
    p.add_argument("--fill-model", default="strict_cross", choices=FILL_MODELS)
    p.add_argument("--latency", default="recorded", metavar="none|recorded|MS",
                   help="intent → venue: as live (recorded), none or exchange ms")  # fmt: skip
    p.add_argument("--start", metavar="ISO", help="window start, UTC ISO 8601 or epoch ms")
    p.add_argument("--end", metavar="ISO", help="window end (exclusive)")
    p.add_argument("--accounts", type=plain.csv_list, default=(), help="comma-separated")
    p.add_argument("--symbols", type=plain.csv_list, default=(), help="comma-separated")
    p.add_argument("--thresholds", metavar="FILE", help="TOML/JSON V-13 check thresholds")
    p.add_argument("--match", default="assignment", choices=("assignment", "occurrence"))
    p.add_argument("--out", metavar="DIR", help="output folder (default gridtwin-check-RUN)")
    p.add_argument("--run-id", help="the replay's run id (default: random)")
    p.add_argument("--max-seed-age-s", type=float, default=900.0)
    p.add_argument("--allow-gaps", action="store_true", help="judge a window with holes")
    p.add_argument("--gap-s", type=float, default=60.0, help="a hole: seconds without trades")
    p.set_defaults(func=lambda a: asyncio.run(run(a)))


def _fail(message: str) -> int:
    print(f"gridtwin check: error: {message}", file=sys.stderr)
    return 1


async def run(args: argparse.Namespace) -> int:
    if error := latency_error(args.latency):
        return _fail(error)
    try:
        start = parse_time(args.start) if args.start else None
        end = parse_time(args.end) if args.end else None
        thresholds = load_thresholds(Path(args.thresholds)) if args.thresholds else None
    except (ValueError, CompareConfigError) as exc:
        return _fail(str(exc))
    configure_logging("check")
    from replay import SeedMissing
    from services.seeded_replay.check import check_run, overall_exit
    from services.seeded_replay.session import SeededReplay

    run_id = args.run_id or f"check-{uuid.uuid4().hex[:10]}"
    out = Path(args.out or f"gridtwin-check-{run_id}")
    async with connected(Settings.from_env(), "check") as (bus, pool):
        async with pool.acquire() as conn:
            source_ns, error = await source_window(conn, args, "--live", start, end)
        if source_ns is None:
            if error:
                return _fail(error)
            print("SKIP: the window's market data has holes (report above)")
            return 2
        job = SeededReplay(
            source_ns=source_ns, run_id=run_id, start_ms=start, end_ms=end,
            accounts=args.accounts, symbols=args.symbols, fill_model=args.fill_model,
            latency=args.latency, max_seed_age_s=args.max_seed_age_s,
        )  # fmt: skip
        try:
            result, verdicts = await check_run(
                bus, pool, job, out, options=CompareOptions(match=args.match),
                thresholds=thresholds, show_progress=sys.stderr.isatty(), live_ref=args.live,
            )  # fmt: skip
        except SeedMissing as exc:
            print(f"SKIP: {exc}")
            return 2
    for v in verdicts:
        print(f"== {v.account} {v.symbol}: {v.verdict.status} ({v.out})")
        print(v.summary)
        print(f"report {v.report}")
        print(f"stored as comparison {v.comparison_id}")
    code = overall_exit(verdicts)
    status = {0: "PASS", 1: "FAIL", 2: "SKIP"}[code]
    print(f"{status}: {source_ns} replayed as {result.ns} with {args.fill_model}, latency"
          f" {args.latency}; {len(verdicts)} strategies judged")  # fmt: skip
    return code
