"""``gridtwin demo`` (what ``make run`` runs)."""

from __future__ import annotations

import argparse
import asyncio

from infra import Settings
from obs import configure_logging
from services.demo.pipeline import render, run_demo


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help="record the real BTCUSDT hour, replay it, verify")
    p.add_argument("--keep", action="store_true", help="keep the embedded servers' data dir")
    p.set_defaults(func=lambda a: asyncio.run(run(a)))


async def run(args: argparse.Namespace) -> int:
    configure_logging("demo", json=False)
    summary = await run_demo(Settings.from_env(), keep=args.keep)
    print(render(summary))
    return 0 if summary.identical and summary.stored == summary.frames else 1
