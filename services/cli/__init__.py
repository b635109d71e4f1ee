"""The ``gridtwin`` console entry point: one subcommand per service and tool."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import sys
from collections.abc import Iterable, Sequence

#: Command → the module that defines it (``add_parser(sub)``). A command imports only
#: its own module: ``gridtwin backtest`` does not pay for NATS, aiohttp or asyncpg.
COMMANDS = {
    "demo": "services.demo.cli",
    "infra": "services.cli.infra",
    "admin": "services.admin.cli",
    "collector": "services.collector.cli",
    "engine": "services.engine.cli",
    "executor": "services.executor.cli",
    "recorder": "services.recorder.cli",
    "comparator": "services.comparator.service_cli",
    "replay": "services.seeded_replay.cli",
    "backtest": "services.backtest.cli",
    "compare": "services.comparator.cli",
    "check": "services.seeded_replay.check_cli",
    "pnl-check": "services.comparator.pnl_cli",
    "import": "services.importer.cli",
    "exchange-sim": "services.exchange_sim.cli",
    "bench": "services.bench.cli",
}


def build_parser(commands: Iterable[str] = COMMANDS) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gridtwin",
        description="Grid trading on Bybit perpetuals: live, recorded, replayed, compared.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in commands:
        importlib.import_module(COMMANDS[name]).add_parser(sub)
    return parser


def _expected(exc: BaseException) -> bool:
    """Operational failures printed as one line: ``ValueError`` and the bus, infra and
    store errors (looked up only in modules the command imported)."""
    kinds: list[type[BaseException]] = [ValueError]
    for module, name in (("bus", "BusError"), ("infra", "InfraError"), ("store", "StoreError")):
        loaded = sys.modules.get(module)
        if loaded is not None:
            kinds.append(getattr(loaded, name))
    return isinstance(exc, tuple(kinds))


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser([first] if first in COMMANDS else COMMANDS).parse_args(argv)
    try:
        code = args.func(args)
        if inspect.iscoroutine(code):
            code = asyncio.run(code)
    except Exception as exc:
        if not _expected(exc):
            raise
        # Expected operational failures: one clear line, no traceback.
        print(f"gridtwin {args.command}: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    raise SystemExit(code or 0)
