"""``gridtwin compare``: a live run against its simulation, offline over run folders.

Writes matched.csv, unmatched.csv, breaches.csv, metrics.json, equity.csv, positions.csv
verdict.json and report.html (the page to look at) under --out (atomically) and prints a
summary.

Exit codes: the verdict's, 0 PASS, 1 FAIL, 2 SKIP (no live executions in the window, or
a check without data). Errors print one line: 1 for a bad flag or thresholds file
(naming the flag, or the file and field), 2 for a run folder that cannot be read
(naming the file, and the line for a bad row). Nothing is written then.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from compare import (
    CompareConfigError,
    RunFolderError,
    compare,
    judge,
    render_report,
    write_outputs,
)
from services.comparator.args import EXIT_CONFIG, EXIT_DATA, add_arguments, fail
from services.comparator.build import build_options, build_thresholds, check_out
from services.comparator.console import summary
from services.comparator.sources import load_side

__all__ = ["add_parser", "main", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "compare",
        help="compare a live run with its simulation: matching, metrics, verdict",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(p)
    p.set_defaults(func=run)


def _follow(manifest: dict[str, object]) -> bool:
    """A sim that replayed recorded executions (fill model ``follow``) restates them."""
    config = manifest.get("config")
    return isinstance(config, dict) and config.get("fill_model") == "follow"


def run(args: argparse.Namespace) -> int:
    try:
        options = build_options(args)
        thresholds = build_thresholds(args)
        check_out(args)
    except CompareConfigError as exc:
        fail(str(exc), EXIT_CONFIG)
    try:
        live = load_side(args.live, "--live")
        sim = load_side(args.sim, "--sim")
    except RunFolderError as exc:
        fail(str(exc), EXIT_DATA)
    comparison = compare(live, sim, options)
    verdict = judge(comparison, thresholds, follow=_follow(sim.manifest))
    out = Path(args.out)
    page = render_report(
        comparison, verdict, title="live vs sim", subtitle=f"{args.live} vs {args.sim}"
    )
    write_outputs(comparison, verdict, out, report=page)
    print(summary(comparison, verdict, out))
    return verdict.exit_code


def main() -> None:
    parser = argparse.ArgumentParser(prog="gridtwin")
    add_parser(parser.add_subparsers(required=True))
    args = parser.parse_args(["compare", *sys.argv[1:]])
    raise SystemExit(args.func(args))
