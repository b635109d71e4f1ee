"""``gridtwin compare``: a live run against its simulation, over run folders or runs stored
in PostgreSQL.

Each of --live and --sim is a backtest run folder or a run id registered in ``runs``
(e.g. a live run and its seeded replay), read from the event store for one account ×
symbol (--account/--symbol; default: the run's only one). Writes matched.csv,
unmatched.csv, breaches.csv, metrics.json, equity.csv, positions.csv, verdict.json and
report.html (the page to look at) under --out (atomically) and prints a summary. With a
run id, the comparison is also stored in ``comparisons``, owned by the live run's user
(GRIDTWIN_DATABASE_URL, or `gridtwin infra up`); folders alone need no database.

Exit codes: the verdict's, 0 PASS, 1 FAIL, 2 SKIP (no live executions in the window, or
a check without data). Errors print one line: 1 for a bad flag or thresholds file
(naming the flag, or the file and field: an --account/--symbol a stored run needs, runs
of two users), 2 for a side that cannot be read (a run folder, naming the file and the
line for a bad row; a run id no run has, naming the flag and the id; no database to
look a run id up in). Nothing is written then.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from compare import (
    CompareConfigError,
    CompareError,
    CompareOptions,
    Comparison,
    RunFolderError,
    Thresholds,
    Verdict,
)
from services.comparator.args import EXIT_CONFIG, EXIT_DATA, add_arguments, fail
from services.comparator.build import build_options, build_thresholds, check_out, check_strategy
from services.comparator.console import summary
from services.comparator.outcome import judge_and_write
from services.comparator.sources import is_run_ref, load_side

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


def _folders(
    args: argparse.Namespace, options: CompareOptions, thresholds: Thresholds
) -> tuple[Comparison, Verdict]:
    try:
        live = load_side(args.live, "--live")
        sim = load_side(args.sim, "--sim")
    except RunFolderError as exc:
        fail(str(exc), EXIT_DATA)
    out = Path(args.out)
    return judge_and_write(
        live, sim, options, thresholds, out, subtitle=f"{args.live} vs {args.sim}"
    )


def run(args: argparse.Namespace) -> int:
    stored = is_run_ref(args.live) or is_run_ref(args.sim)
    try:
        options = build_options(args)
        thresholds = build_thresholds(args)
        check_out(args)
        check_strategy(args, stored)
    except CompareConfigError as exc:
        fail(str(exc), EXIT_CONFIG)
    saved = None
    if not stored:
        comparison, verdict = _folders(args, options, thresholds)
    else:
        # Imported here: a comparison of folders does not load the store client.
        from services.comparator.stored_compare import compare_stored

        try:
            comparison, verdict, saved = compare_stored(args, options, thresholds)
        except CompareConfigError as exc:
            fail(str(exc), EXIT_CONFIG)
        except CompareError as exc:  # a folder or a run that cannot be read
            fail(str(exc), EXIT_DATA)
    print(summary(comparison, verdict, Path(args.out)))
    if saved is not None:
        print(f"stored as comparison {saved.comparison_id}")
    return verdict.exit_code


def main() -> None:
    parser = argparse.ArgumentParser(prog="gridtwin")
    add_parser(parser.add_subparsers(required=True))
    args = parser.parse_args(["compare", *sys.argv[1:]])
    raise SystemExit(args.func(args))
