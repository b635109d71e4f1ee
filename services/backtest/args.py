"""``gridtwin backtest`` flags. Values stay text until ``build`` validates them, so a bad
one is reported by its field (exit code 1) instead of argparse's usage dump."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from tenants.flags import add_strategy_flags

EXIT_CONFIG = 1
EXIT_DATA = 2


def _fail(message: str) -> NoReturn:
    print(f"gridtwin backtest: error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_CONFIG)


def add_arguments(p: argparse.ArgumentParser) -> None:
    source = p.add_argument_group("data (one of)")
    source.add_argument(
        "--trades", action="append", default=[], metavar="FILE",
        help="trade file: Binance CSV, raw-feed trades or a Bybit trade dump (repeatable)",
    )  # fmt: skip
    source.add_argument("--source-ns", help="an event-store namespace (live, import.<name>, …)")
    source.add_argument("--run-id", help="the run whose namespace to read (instead of --source-ns)")
    source.add_argument(
        "--allow-gaps", action="store_true", help="run over a stored window with holes"
    )
    source.add_argument("--gap-s", default="60", help="a hole is this many seconds without trades")

    strategy = p.add_argument_group("strategy (the flags of gridtwin admin strategy add)")
    add_strategy_flags(strategy, symbol_help="the instrument, e.g. BTCUSDT (required)")  # type: ignore[arg-type]
    strategy.add_argument(
        "--strategy-file", help="TOML/JSON strategies = [{...}]: the one for --symbol"
    )

    inst = p.add_argument_group("instrument (default: the venue's instrument list)")
    for flag in ("--tick-size", "--qty-step", "--min-qty", "--max-qty"):
        inst.add_argument(flag)

    account = p.add_argument_group("account and venue")
    account.add_argument("--balance", default="10000", help="starting USDT (default 10000)")
    account.add_argument("--leverage", help="default 10 (or the strategy's risk.leverage)")
    account.add_argument("--maker-fee", default="0.0002")
    account.add_argument("--taker-fee", default="0.00055")
    account.add_argument("--funding-rate", default="0.0001")
    account.add_argument("--no-funding", action="store_true", help="settle no funding")
    account.add_argument(
        "--fill-model", default="strict_cross",
        help="strict_cross | trade_through | book_touch | last_cross | queue",
    )  # fmt: skip
    account.add_argument("--queue-fraction", help="queue model: share of recent volume ahead (1.0)")
    account.add_argument("--queue-window-s", help="queue model: look-back seconds (300)")
    account.add_argument("--queue-min", help="queue model: least quantity ahead (0)")
    account.add_argument("--ticks", default="ms", help="ms: a ticker per exchange ms | trade")
    account.add_argument(
        "--fills", default=None, help="ticker: whole orders per ticker (reference) | trade"
    )
    account.add_argument("--start", help="window start, UTC (ISO 8601, inclusive)")
    account.add_argument("--end", help="window end, UTC (ISO 8601, inclusive)")

    profile = p.add_argument_group("behaviour (profile, then single switches)")
    profile.add_argument("--profile", default="reference", help="reference | live")
    for flag, what in (
        ("--intent-order", "emitted | cancels_first"),
        ("--sizing-balance", "equity | wallet"),
        ("--risk-refresh", "on_fill | on_update"),
        ("--qty-limits", "on | off"),
        ("--check-rules", "on | off"),
        ("--taker-on-place", "on | off"),
        ("--low-balance-check", "on | off"),
        ("--funding-schedule", "first_tick | interval"),
    ):
        profile.add_argument(flag, help=what)
    profile.add_argument("--wind-down", default="leave_open", help="leave_open | close_all")

    run = p.add_argument_group("run")
    run.add_argument("--out", required=True, help="output folder (replaced whole on success)")
    run.add_argument("--sweep", action="append", default=[], metavar="KEY=V1,V2")
    run.add_argument("--workers", help="sweep processes (default: every core)")
    run.add_argument("--no-report", action="store_true", help="skip report.html")
    run.add_argument(
        "--no-skip", action="store_true", help="process every ticker (same results, slower)"
    )
    p.error = _fail  # type: ignore[method-assign]
