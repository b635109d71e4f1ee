"""``gridtwin backtest``: a grid strategy over recorded trades, in process, no bus.

Exit codes: 0 done, 1 bad configuration (one line naming the field), 2 bad data (one
line naming the file and line, or the holes of a stored window). Nothing is written to
``--out`` unless the run completes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from backtest import BacktestConfig
from backtest.outputs import write_run
from backtest.page import render_page
from backtest.result import BacktestResult, InputFile, execute
from backtest.sweep import SweepRun, parse_axes, plan_sweep, run_sweep
from infra import Settings
from marketdata import DataError, TradeTape, file_sha256, read_trades
from obs.progress import Progress
from services.backtest.args import EXIT_CONFIG, EXIT_DATA, add_arguments
from services.backtest.build import build_config
from tenants.errors import ConfigFieldError

__all__ = ["add_parser", "main", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "backtest",
        help="backtest a grid strategy over trade files or a stored run, in process",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(p)
    p.set_defaults(func=run)


def _error(message: str, code: int) -> int:
    print(f"gridtwin backtest: error: {message}", file=sys.stderr)
    return code


def _plan(args: argparse.Namespace, config: BacktestConfig) -> tuple[list[SweepRun], int]:
    if args.trades and (args.source_ns or args.run_id):
        raise ConfigFieldError("trades", "give trade files or a stored run, not both")
    if not args.trades and not (args.source_ns or args.run_id):
        raise ConfigFieldError("trades", "give --trades FILE or --source-ns NS (or --run-id)")
    runs = plan_sweep(config, parse_axes(args.sweep)) if args.sweep else []
    workers = 0
    if args.workers is not None:
        if not args.workers.isdigit() or int(args.workers) < 1:
            raise ConfigFieldError("workers", f"{args.workers!r}: must be a whole number >= 1")
        workers = int(args.workers)
    return runs, workers


def _load_files(paths: list[str], symbol: str) -> tuple[TradeTape, list[InputFile]]:
    files = [Path(p) for p in paths]
    for path in files:
        if not path.is_file():
            raise DataError(path, 0, "no such file")
    tape = read_trades(files, symbol)
    counts = {source: n for source, _, n in tape.sources}
    inputs = [
        InputFile(path=str(path), sha256=file_sha256(path), trades=counts.get(str(path), 0))
        for path in files
    ]
    return tape, inputs


def _print_summary(result: BacktestResult, out: Path) -> None:
    s = result.summary
    money = ("realized_pnl", "unrealized_pnl", "fees", "funding", "net_pnl", "max_drawdown")
    print(
        f"{result.ticks:,} tickers ({result.full_ticks:,} processed in full) in"
        f" {result.seconds:.2f}s · profile {s['profile']} · {s['fill_model']}"
    )
    print(f"fills {s['fills']} ({s['wins']} won / {s['losses']} lost)")
    print("  ".join(f"{k} {s[k]:.6f}" for k in money))
    print(
        f"return {s['return_pct']:.4f} % · drawdown {s['drawdown_duration']} tickers"
        f" · liquidations {s['liquidations']} → {out}"
    )


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    data_dir = settings.data_dir if settings.data_dir.is_dir() else None
    try:
        config = build_config(args, data_dir)
        runs, workers = _plan(args, config)
    except (ConfigFieldError, ValueError) as exc:
        return _error(str(exc), EXIT_CONFIG)
    symbol = config.strategy.symbol
    try:
        if args.trades:
            tape, inputs = _load_files(args.trades, symbol)
        else:
            from services.backtest.stored import load_window  # the store only when asked

            tape, inputs = load_window(settings, args, config)
    except ConfigFieldError as exc:
        return _error(str(exc), EXIT_CONFIG)
    except DataError as exc:  # StoreWindowError is one too
        return _error(str(exc), EXIT_DATA)
    out = Path(args.out)
    report = None if args.no_report else render_page
    if runs:
        progress = Progress("sweep", len(runs))
        rows = run_sweep(
            runs,
            tape,
            inputs,
            out,
            workers=workers or None,
            report=report is not None,
            on_done=lambda done, _total: progress.advance(done - progress.done),
        )
        progress.finish()
        best = max(rows, key=lambda r: r["net_pnl"])
        print(f"{len(rows)} runs → {out / 'results.csv'} and {out / 'results.html'}")
        print(f"best net_pnl {best['net_pnl']:.6f}: {best['run']}")
        return 0
    bar = Progress("backtest", None)

    def advance(done: int, total: int) -> None:
        bar.total = total
        bar.advance(done - bar.done)

    result = execute(config, tape, inputs=inputs, progress=advance)
    bar.finish()
    write_run(result, out, report=report)
    _print_summary(result, out)
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="gridtwin")
    add_parser(parser.add_subparsers(required=True))
    args = parser.parse_args(["backtest", *sys.argv[1:]])
    raise SystemExit(args.func(args))
