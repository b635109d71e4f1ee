"""``gridtwin import``: trade files into the event store as the recorded run
``import.<name>``, with a data-health report."""

from __future__ import annotations

import argparse
import asyncio
import pathlib
import sys
from collections.abc import Sequence

import msgspec

from infra import InfraError, Settings, read_state
from marketdata import format_health
from obs import configure_logging
from services.importer.request import BATCH_FRAMES, ImportRequest
from services.importer.service import Importer, ImportResult
from store import StoreError, create_pool


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "import", help="store trade files as the recorded run import.<name>, with a health report"
    )
    p.add_argument("--name", required=True, help="run id; events go to namespace import.<name>")
    p.add_argument("--symbol", required=True, help="e.g. BTCUSDT")
    p.add_argument("--user", default=None, help="owner of the run (default: user 'import')")
    p.add_argument(
        "--gap-s", type=float, default=60.0, help="report stretches without trades > this (60)"
    )
    p.add_argument("--report", metavar="FILE.json", default=None, help="write the report as JSON")
    p.add_argument(
        "--batch-frames", type=int, default=BATCH_FRAMES, help=argparse.SUPPRESS
    )  # frames per transaction: for tests and tuning
    p.add_argument("files", nargs="+", metavar="FILE", help="trade files (CSV, plain or gzip)")
    p.set_defaults(func=lambda a: asyncio.run(run(a)))


def database_url(settings: Settings) -> str:
    """``GRIDTWIN_DATABASE_URL``, else the PostgreSQL of a running ``gridtwin infra up``
    (what ``services.runtime.resolve`` does, without NATS and the bus it imports)."""
    if settings.database_url:
        return settings.database_url
    state = read_state(settings.home)
    if state is None:
        raise InfraError(
            "no PostgreSQL configured: set GRIDTWIN_DATABASE_URL, or start the embedded one"
            " with `gridtwin infra up`"
        )
    return state.database_url


async def run(args: argparse.Namespace) -> int:
    configure_logging("importer")
    request = ImportRequest(
        name=args.name,
        symbol=args.symbol,
        files=tuple(args.files),
        user=args.user,
        gap_s=args.gap_s,
        batch_frames=args.batch_frames,
    )
    pool = await create_pool(database_url(Settings.from_env()), min_size=1, max_size=1)
    try:
        result = await Importer(pool).run(request, show_progress=sys.stderr.isatty())
    finally:
        await pool.close()
    print(summary(result))
    print(format_health(result.health))
    if args.report:
        path = pathlib.Path(args.report)
        try:
            await asyncio.to_thread(write_report, path, result)
        except OSError as exc:
            raise ValueError(f"--report {path}: {exc.strerror or exc}") from None
    return 0


def summary(result: ImportResult) -> str:
    again = f", {result.skipped:,} known stored" if result.skipped else ""
    return (
        f"imported {result.trades:,} {result.symbol} trades from {len(result.files)} file(s)"
        f" as {result.ns} (run {result.run_id!r}, owner {result.owner!r}):"
        f" {result.frames:,} frames, {result.written:,} new{again}, in {result.seconds:.2f}s"
    )


def write_report(path: pathlib.Path, result: ImportResult) -> None:
    report = msgspec.to_builtins(result)
    report["health"]["ok"] = result.health.ok
    path.write_bytes(msgspec.json.format(msgspec.json.encode(report)) + b"\n")


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m services.importer ARGS`` = ``gridtwin import ARGS``."""
    parser = argparse.ArgumentParser(prog="gridtwin")
    add_parser(parser.add_subparsers(required=True))
    args = parser.parse_args(["import", *(sys.argv[1:] if argv is None else argv)])
    try:
        code = args.func(args)
    except (InfraError, StoreError, ValueError) as exc:
        print(f"gridtwin import: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    raise SystemExit(code)
