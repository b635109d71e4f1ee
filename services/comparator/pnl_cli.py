"""``gridtwin pnl-check``: our own accounting of a recorded run against the exchange's
(V-20), execution by execution and position event by position event, to the cent.

Prints the totals per field and the differences; with --out, writes pnl_check.csv (every
compared field) and pnl_check.json (totals, notes, result) there, atomically.

Exit codes: 0 every field within tolerance, 1 a difference (or a bad flag, named),
2 nothing to check in the window (no execution or position event) or no such run.
"""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NoReturn

from compare import PnlCheck, check_pnl, iso, parse_time, write_pnl_check

__all__ = ["add_parser", "run"]

EXIT_CONFIG = 1
EXIT_DATA = 2
_SHOWN = 20


def _fail(message: str, code: int = EXIT_CONFIG) -> NoReturn:
    print(f"gridtwin pnl-check: error: {message}", file=sys.stderr)
    raise SystemExit(code)


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "pnl-check",
        help="our realised PnL, fees and funding against what the exchange reported",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--run", metavar="RUN", help="a run id (its namespace is checked)")
    which.add_argument("--source-ns", metavar="NS", help="a recorded namespace, e.g. live")
    p.add_argument("--start", metavar="ISO", help="window start, UTC ISO 8601 or epoch ms")
    p.add_argument("--end", metavar="ISO", help="window end (exclusive)")
    p.add_argument("--accounts", default="", metavar="A,B", help="only these accounts")
    p.add_argument("--symbols", default="", metavar="S,T", help="only these symbols")
    p.add_argument("--tolerance", default="0.01", metavar="USDT",
                   help="largest |ours − exchange| that passes (0.01)")  # fmt: skip
    p.add_argument("--out", metavar="DIR", help="write pnl_check.csv and pnl_check.json")
    p.error = lambda message: _fail(message)  # type: ignore[method-assign]
    p.set_defaults(func=run)


def _window(args: argparse.Namespace) -> tuple[int | None, int | None, Decimal]:
    try:
        start = parse_time(args.start) if args.start else None
        end = parse_time(args.end) if args.end else None
    except ValueError as exc:
        _fail(f"--start/--end: {exc}")
    if start is not None and end is not None and end <= start:
        _fail(f"--end {args.end} is not after --start {args.start}")
    try:
        tolerance = Decimal(args.tolerance)
    except InvalidOperation:
        _fail(f"--tolerance: {args.tolerance!r} is not a number")
    if not tolerance.is_finite() or tolerance < 0:
        _fail(f"--tolerance: {args.tolerance!r} must be a number >= 0")
    return start, end, tolerance


async def run(args: argparse.Namespace) -> int:
    start, end, tolerance = _window(args)
    # Imported here: flag errors above are reported without loading the store client.
    from infra import Settings
    from services.comparator.pnl_source import load_pnl_window
    from services.runtime import resolve
    from store import create_pool
    from tenants import find_run

    settings = Settings.from_env()
    pool = await create_pool(settings.database_url or resolve(settings).database_url, max_size=1)
    try:
        async with pool.acquire() as conn:
            ns = args.source_ns
            if args.run:
                found = await find_run(conn, args.run)
                if found is None:
                    _fail(f"--run: no run {args.run!r}", EXIT_DATA)
                ns = found.ns
            events, baselines = await load_pnl_window(
                conn, ns, start_ms=start, end_ms=end,
                accounts=_csv(args.accounts), symbols=_csv(args.symbols),
            )  # fmt: skip
    finally:
        await pool.close()
    check = check_pnl(events, baselines=baselines, tolerance=tolerance)
    if args.out:
        write_pnl_check(check, Path(args.out))
    print(summary(check, ns, start, end))
    return check.exit_code


def _money(value: Decimal) -> str:
    text = f"{value:.8f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def summary(check: PnlCheck, ns: str, start: int | None, end: int | None) -> str:
    window = f"{iso(start) or 'the beginning'} → {iso(end) or 'the end'}"
    lines = [
        f"PnL check of {ns}, {window}: {check.executions} executions, {check.positions}"
        f" position events, {len(check.rows)} fields compared, tolerance {check.tolerance} USDT",
        f"  {'field':<15}{'checked':>8}{'failed':>8}{'ours total':>18}{'exchange total':>18}"
        f"{'max |diff|':>14}",
    ]
    for t in check.totals():
        lines.append(
            f"  {t.field:<15}{t.checked:>8}{t.failed:>8}{_money(t.ours):>18}"
            f"{_money(t.exchange):>18}{_money(t.max_abs_diff):>14}"
        )
    failures = check.failures
    if failures:
        lines.append(f"differences ({min(len(failures), _SHOWN)} of {len(failures)} shown):")
        for r in failures[:_SHOWN]:
            lines.append(
                f"  {iso(r.ts_ms)} {r.account_id} {r.symbol} {r.leg} {r.field}: ours"
                f" {_money(r.ours)} exchange {_money(r.exchange)} diff {_money(r.diff)} ({r.ref})"
            )
    lines += [f"note: {note}" for note in check.notes]
    status = {0: "PASS", 1: f"FAIL: {len(failures)} differences", 2: "SKIP: nothing to check"}
    lines.append(status[check.exit_code])
    return "\n".join(lines)
