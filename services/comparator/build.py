"""From flags to :class:`compare.CompareOptions` and :class:`compare.Thresholds`; every
error names its flag or the thresholds file and field."""

from __future__ import annotations

import argparse
import math
import re
from pathlib import Path

from compare import CompareConfigError, CompareOptions, Thresholds, load_thresholds, parse_time

__all__ = ["build_options", "build_thresholds", "check_out", "check_strategy"]

_MODES = ("assignment", "occurrence")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,40}")


def _number(flag: str, text: str, *, positive: bool = False) -> float:
    try:
        value = float(text)
    except ValueError:
        raise CompareConfigError(flag, f"{text!r} is not a number") from None
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise CompareConfigError(flag, f"{text!r}: must be {'> 0' if positive else '>= 0'}")
    return value


def _time(flag: str, text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return parse_time(text)
    except ValueError as exc:
        raise CompareConfigError(flag, str(exc)) from None


def build_options(args: argparse.Namespace) -> CompareOptions:
    if args.match not in _MODES:
        raise CompareConfigError("--match", f"{args.match!r}: choose assignment or occurrence")
    start, end = _time("--start", args.start), _time("--end", args.end)
    if start is not None and end is not None and end <= start:
        raise CompareConfigError("--end", "must be after --start")
    return CompareOptions(
        match=args.match,
        max_time_delta_s=_number("--max-time-delta", args.max_time_delta, positive=True),
        pnl_interval_s=_number("--pnl-interval", args.pnl_interval, positive=True),
        equity_interval_s=_number("--equity-interval", args.equity_interval, positive=True),
        price_tol_ticks=_number("--price-tol-ticks", args.price_tol_ticks),
        qty_tol_lots=_number("--qty-tol-lots", args.qty_tol_lots),
        start_ms=start,
        end_ms=end,
    )


def check_out(args: argparse.Namespace) -> None:
    """``--out`` is replaced whole: never one of the folders being compared."""
    out = Path(args.out).resolve()
    for flag in ("live", "sim"):
        side = Path(getattr(args, flag))
        if side.is_dir() and out == side.resolve():
            raise CompareConfigError("--out", f"is the --{flag} folder; choose another")


def check_strategy(args: argparse.Namespace, stored: bool) -> None:
    """``--account`` / ``--symbol`` pick one strategy of a stored run: ids, and only then."""
    for flag in ("account", "symbol"):
        value = getattr(args, flag)
        if value is None:
            continue
        if not stored:
            raise CompareConfigError(
                f"--{flag}", "only with a run id as --live or --sim (a run folder is one strategy)"
            )
        if not _TOKEN.fullmatch(value):
            raise CompareConfigError(
                f"--{flag}", f"{value!r}: must be 1-40 characters of A-Z a-z 0-9 _ -"
            )


def build_thresholds(args: argparse.Namespace) -> Thresholds:
    return load_thresholds(args.thresholds) if args.thresholds else Thresholds()
