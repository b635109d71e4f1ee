"""``gridtwin bench`` (what ``make bench`` runs): every speed target, each printed beside
a baseline measured in the same run."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
from pathlib import Path

from bus import Bus, BusConfig
from infra import Infrastructure, Settings
from obs import configure_logging
from services.bench import backbone, venue, workload
from services.bench.report import Figure, table
from services.demo.frames import REAL_HOUR
from store import create_pool


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("bench", help="benchmarks with raw baselines (make bench)")
    p.add_argument("--events", type=int, default=1_000_000, help="events for ingest/replay")
    p.add_argument(
        "--only",
        choices=[
            "backbone",
            "gridcore",
            "backtest",
            "compare",
            "exchange",
            "pipeline",
            "replay",
            "all",
        ],
        default="all",
    )
    p.set_defaults(func=lambda a: asyncio.run(run(a)))


async def run(args: argparse.Namespace) -> int:
    import logging

    configure_logging("bench", json=False, level=logging.WARNING)
    settings = Settings.from_env()
    real = settings.data_file(REAL_HOUR)
    print(f"market data: {real or 'seeded random walk (real data not found)'}")
    if args.only in ("all", "gridcore"):
        print(table("gridcore (one core, book kept full)", _gridcore(real)))
    if args.only in ("all", "backtest"):
        from services.bench import backtest

        print(table("backtest (real hour, 50 x 0.2 %, reference profile)", backtest.run(real)))
    if args.only in ("all", "compare"):
        from compare.bench import run as compare_bench

        figure = Figure.from_dict(compare_bench(200_000))
        figure.target = ">= 200,000 fills/s (offline: aggregate, match, trade metrics)"
        print(table("comparator (offline, synthetic live/sim fills)", [figure]))
    if args.only in ("all", "exchange"):
        print(table("exchange-sim matching (100 resting orders)", await venue.matching(real)))
        print(
            table(
                "REST place+cancel through libs/bybit → exchange-sim", await venue.rest_round_trip()
            )
        )
    if args.only in ("all", "pipeline"):
        print(table("live pipeline over the bus (loopback)", await _pipeline(settings)))
    if args.only in ("all", "replay"):
        from services.bench import replay

        print(
            table("seeded replay (real hour, engine + simbroker)", await replay.run(settings, real))
        )
    if args.only in ("all", "backbone"):
        print(
            table(
                f"event backbone ({args.events:,} events)",
                await _backbone(settings, real, args.events),
            )
        )
    return 0


def _gridcore(real: Path | None) -> list[Figure]:
    from gridcore.bench import run_bench

    return [Figure.from_dict(d) for d in run_bench(real)]


async def _backbone(settings: Settings, real: Path | None, n: int) -> list[Figure]:
    work = await asyncio.to_thread(workload.build, real, n)
    home = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        async with (
            Infrastructure(settings, home=home) as infra,
            Bus(BusConfig(url=infra.nats_url, name="bench")) as bus,
        ):
            pool = await create_pool(infra.database_url, max_size=4)
            try:
                return await backbone.run(bus, pool, work)
            finally:
                await pool.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)


async def _pipeline(settings: Settings) -> list[Figure]:
    from services.bench import pipeline

    home = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        async with Infrastructure(settings, home=home) as infra:
            pool = await create_pool(infra.database_url, max_size=8)
            try:
                return await pipeline.run(infra.nats_url, pool)
            finally:
                await pool.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)
