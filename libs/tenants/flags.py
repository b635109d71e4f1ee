"""The strategy as command-line flags: one definition for every command that takes a
strategy (``gridtwin admin strategy add``, ``gridtwin backtest``), so they accept exactly
the same flags and report a bad one the same way."""

from __future__ import annotations

import argparse
from typing import Any

import msgspec

from tenants.errors import ConfigFieldError
from tenants.models import StrategySpec
from tenants.parsing import parse_strategy

__all__ = ["STRATEGY_FLAGS", "add_strategy_flags", "given_strategy_flags", "strategy_from_flags"]

STRATEGY_FLAGS = (
    "strategy_id", "account_id", "symbol", "grid_count", "grid_step",
    "rebalance_threshold", "amount", "namespace",
)  # fmt: skip


def add_strategy_flags(
    parser: argparse.ArgumentParser, *, symbol_help: str = "e.g. BTCUSDT"
) -> None:
    """The strategy flags; values stay text until :func:`strategy_from_flags` validates them."""
    parser.add_argument("--strategy-id")
    parser.add_argument("--account-id")
    parser.add_argument("--symbol", help=symbol_help)
    parser.add_argument("--grid-count", help="levels (default 50)")
    parser.add_argument("--grid-step", help="percent between levels (default 0.2)")
    parser.add_argument("--rebalance-threshold", help="0 < θ < 1 (default 0.3)")
    parser.add_argument("--amount", help="x<wallet fraction> or USDT (default x0.001)")
    parser.add_argument("--risk", metavar="JSON", help='risk settings, e.g. {"leverage": 5}')
    parser.add_argument("--shadow", action="store_true", help="compute intents, send no orders")
    parser.add_argument("--disabled", action="store_true", help="add it disabled")
    parser.add_argument("--namespace", help="default live")


def given_strategy_flags(args: argparse.Namespace) -> list[str]:
    """The strategy flags set on the command line, as ``--flag`` names."""
    given = [f"--{k.replace('_', '-')}" for k in (*STRATEGY_FLAGS, "risk") if getattr(args, k)]
    return given + [f"--{k}" for k in ("shadow", "disabled") if getattr(args, k)]


def json_object(field: str, text: str) -> dict[str, Any]:
    try:
        value = msgspec.json.decode(text)
    except msgspec.DecodeError as exc:
        raise ConfigFieldError(field, f"invalid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ConfigFieldError(field, "must be a JSON object")
    return value


def strategy_from_flags(args: argparse.Namespace, **defaults: Any) -> StrategySpec:
    """Only the flags given over ``defaults``; the rest keep the spec's defaults. Flags are
    text, so the decoding is lax (``--grid-count 50`` is the int 50, ``abc`` names
    grid_count)."""
    data: dict[str, Any] = dict(defaults)
    data.update({k: getattr(args, k) for k in STRATEGY_FLAGS if getattr(args, k)})
    if args.risk:
        data["risk"] = json_object("risk", args.risk)
    if args.shadow:
        data["shadow"] = True
    if args.disabled:
        data["enabled"] = False
    return parse_strategy(data, strict=False)
