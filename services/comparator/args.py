"""``gridtwin compare`` flags. Values stay text until ``build`` validates them, so a bad
one is reported by its flag (exit 1) instead of argparse's usage dump."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

__all__ = ["EXIT_CONFIG", "EXIT_DATA", "add_arguments", "fail"]

#: A bad flag or thresholds file; the verdict's FAIL is 1 too (a bad run never PASSes).
EXIT_CONFIG = 1
#: A run folder that cannot be read, or a run id no run has; the verdict's SKIP is 2 too
#: (no usable data).
EXIT_DATA = 2


def fail(message: str, code: int = EXIT_CONFIG) -> NoReturn:
    print(f"gridtwin compare: error: {message}", file=sys.stderr)
    raise SystemExit(code)


def add_arguments(p: argparse.ArgumentParser) -> None:
    sides = p.add_argument_group("what to compare")
    sides.add_argument("--live", required=True, metavar="RUN|DIR",
                       help="the run being validated: a run id from `runs` (read from the"
                            " event store) or a backtest run folder")  # fmt: skip
    sides.add_argument("--sim", required=True, metavar="RUN|DIR",
                       help="its simulation: a run id (e.g. a seeded replay) or a backtest"
                            " run folder")  # fmt: skip
    sides.add_argument("--out", required=True, metavar="DIR",
                       help="output folder (replaced whole on success)")  # fmt: skip
    sides.add_argument("--account", metavar="ID",
                       help="a stored run's account (default: its only one)")  # fmt: skip
    sides.add_argument("--symbol", metavar="SYMBOL",
                       help="a stored run's symbol (default: its only one)")  # fmt: skip

    how = p.add_argument_group("how (defaults: spec/validation.md)")
    how.add_argument("--start", metavar="ISO",
                     help="window start, UTC ISO 8601 or epoch ms (inclusive; default: a"
                          " stored replay's own, else the data's)")  # fmt: skip
    how.add_argument("--end", metavar="ISO",
                     help="window end, UTC ISO 8601 or epoch ms (exclusive)")  # fmt: skip
    how.add_argument("--match", default="assignment", metavar="MODE",
                     help="assignment (V-7, default) | occurrence (reference, V-6)")  # fmt: skip
    how.add_argument("--max-time-delta", default="300", metavar="S",
                     help="assignment: a pair's largest |Δt| in seconds (300)")  # fmt: skip
    how.add_argument("--pnl-interval", default="300", metavar="S",
                     help="PnL-increment correlation grid, seconds (300)")  # fmt: skip
    how.add_argument("--equity-interval", default="60", metavar="S",
                     help="equity and position grid, seconds (60)")  # fmt: skip
    how.add_argument("--price-tol-ticks", default="0", metavar="N",
                     help="a breach: |Δprice| above N ticks (0)")  # fmt: skip
    how.add_argument("--qty-tol-lots", default="0", metavar="N",
                     help="a breach: |Δqty| above N lots (0)")  # fmt: skip
    how.add_argument("--thresholds", metavar="FILE",
                     help="TOML/JSON overriding the V-13 check thresholds")  # fmt: skip
    p.error = lambda message: fail(message)  # type: ignore[method-assign]
