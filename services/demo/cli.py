"""``gridtwin demo`` (what ``make run`` runs)."""

from __future__ import annotations

import argparse
import asyncio
import logging

from infra import Settings
from obs import configure_logging
from services.demo.live_demo import render_result, run_live_demo
from services.demo.pipeline import render, run_demo


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "demo", help="trade the real BTCUSDT hour on the simulator through every service"
    )
    p.add_argument("--keep", action="store_true", help="keep the embedded servers' data dir")
    p.add_argument(
        "--record-replay",
        action="store_true",
        help="instead: record the hour's market data, replay it and verify it is identical",
    )
    p.set_defaults(func=lambda a: asyncio.run(run(a)))


async def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    # The live demo runs every service in this process: their per-order log lines would
    # bury the summary, so only warnings and errors are shown.
    configure_logging(
        "demo", json=False, level=logging.INFO if args.record_replay else logging.WARNING
    )
    if args.record_replay:
        summary = await run_demo(settings, keep=args.keep)
        print(render(summary))
        return 0 if summary.identical and summary.stored == summary.frames else 1
    result = await run_live_demo(settings, keep=args.keep)
    print(render_result(result))
    return 0 if result.ok else 1
