"""``gridtwin recorder``: run the recorder until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import sys

from alerts import alerts_from_settings
from bus import BusState
from infra import Settings
from obs import configure_logging
from services.recorder.config import RecorderConfig
from services.recorder.metrics import registry_for
from services.recorder.service import Recorder
from services.runtime import connected, serve


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("recorder", help="record the live/paper stream into PostgreSQL")
    defaults = RecorderConfig()
    p.add_argument("--durable", default=defaults.durable, help="reader name (offset key)")
    p.add_argument("--batch-size", type=int, default=defaults.batch_size)
    p.add_argument(
        "--metrics-port", type=int, default=None, help="serve /metrics and /healthz (0 = any)"
    )
    p.set_defaults(func=lambda a: asyncio.run(run(a)))


async def run(args: argparse.Namespace) -> None:
    configure_logging("recorder")
    config = RecorderConfig(durable=args.durable, batch_size=args.batch_size)
    async with (
        connected(Settings.from_env(), "recorder") as (bus, pool),
        alerts_from_settings("recorder") as alerts,
    ):
        recorder = Recorder(bus, pool, config, alerts=alerts)
        await serve(
            recorder.run,
            metrics_port=args.metrics_port,
            registry=registry_for(recorder.stats),
            health=lambda: bus.state is BusState.CONNECTED and recorder.healthy,
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="gridtwin")
    add_parser(parser.add_subparsers(required=True))
    args = parser.parse_args(["recorder", *sys.argv[1:]])
    args.func(args)
