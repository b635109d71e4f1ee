"""The ``gridtwin`` console entry point: one subcommand per service and tool."""

from __future__ import annotations

import argparse
import asyncio
import inspect
import sys
from collections.abc import Sequence

from bus import BusError
from infra import InfraError
from store import StoreError


def build_parser() -> argparse.ArgumentParser:
    from services.admin import cli as admin_cli
    from services.bench import cli as bench_cli
    from services.cli import infra as infra_cli
    from services.collector import cli as collector_cli
    from services.demo import cli as demo_cli
    from services.engine import cli as engine_cli
    from services.exchange_sim import cli as exchange_sim_cli
    from services.executor import cli as executor_cli
    from services.recorder import cli as recorder_cli
    from services.replayer import cli as replayer_cli

    parser = argparse.ArgumentParser(
        prog="gridtwin",
        description="Grid trading on Bybit perpetuals: live, recorded, replayed, compared.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (
        demo_cli, infra_cli, admin_cli, collector_cli, engine_cli, executor_cli, recorder_cli,
        replayer_cli, exchange_sim_cli, bench_cli,
    ):  # fmt: skip
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        code = args.func(args)
        if inspect.iscoroutine(code):
            code = asyncio.run(code)
    except (InfraError, BusError, StoreError, ValueError) as exc:
        # Expected operational failures: one clear line, no traceback.
        print(f"gridtwin {args.command}: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    raise SystemExit(code or 0)
