"""``gridtwin comparator``: judge every seeded replay as it finishes, until SIGTERM/SIGINT.

Listens on ``replay.*.sys.seeded_replay.replay_finished`` (what ``gridtwin replay
--fill-model`` and ``gridtwin check`` publish once the run is finished in ``runs``), and
for each strategy of the run writes the comparison's files and report.html under
``--out/{run_id}/{account}-{symbol}``, stores it in ``comparisons`` (owned by the live
run's user) and announces it on ``replay.<run>.sys.comparator.comparison_done``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import typing

from bus import BusState
from compare import CompareConfigError, MatchMode
from infra import Settings
from obs import configure_logging
from services.comparator.config import ComparatorConfig
from services.comparator.metrics import registry_for
from services.comparator.service import Comparator
from services.runtime import connected, serve

__all__ = ["add_parser", "main", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("comparator", help="judge every seeded replay as it finishes (service)",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    defaults = ComparatorConfig()
    p.add_argument("--out", default=defaults.out_dir, metavar="DIR",
                   help=f"where comparisons are written (default {defaults.out_dir})")  # fmt: skip
    p.add_argument("--thresholds", metavar="FILE", help="TOML/JSON V-13 check thresholds")
    p.add_argument("--match", default=defaults.match, choices=typing.get_args(MatchMode))
    p.add_argument("--queue-size", type=int, default=defaults.queue_size,
                   help="finished replays waiting to be judged; more are dropped")  # fmt: skip
    p.add_argument(
        "--metrics-port", type=int, default=None, help="serve /metrics and /healthz (0 = any)"
    )
    p.set_defaults(func=lambda a: asyncio.run(run(a)))


async def run(args: argparse.Namespace) -> int:
    config = ComparatorConfig(out_dir=args.out, queue_size=args.queue_size,
                              thresholds=args.thresholds, match=args.match)  # fmt: skip
    configure_logging("comparator")
    async with connected(Settings.from_env(), "comparator") as (bus, pool):
        try:
            comparator = Comparator(bus, pool, config)
        except CompareConfigError as exc:  # the thresholds file, named with its field
            print(f"gridtwin comparator: error: {exc}", file=sys.stderr)
            return 1
        await serve(
            comparator.run,
            metrics_port=args.metrics_port,
            registry=registry_for(comparator),
            health=lambda: bus.state is BusState.CONNECTED and comparator.ready.is_set(),
        )
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="gridtwin")
    add_parser(parser.add_subparsers(required=True))
    args = parser.parse_args(["comparator", *sys.argv[1:]])
    raise SystemExit(args.func(args))
