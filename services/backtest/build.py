"""From flags to a validated :class:`BacktestConfig`; every error names its field."""

from __future__ import annotations

import argparse
import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import msgspec

from backtest import BacktestConfig
from backtest.instruments import default_instrument
from tenants import load_strategy_file
from tenants.errors import ConfigFieldError
from tenants.flags import given_strategy_flags, strategy_from_flags
from tenants.models import StrategySpec

__all__ = ["build_config", "parse_time"]

_SWITCHES = {
    "intent_order": ("emitted", "cancels_first"),
    "sizing_balance": ("equity", "wallet"),
    "risk_refresh": ("on_fill", "on_update"),
    "qty_limits": (),
    "check_rules": (),
    "taker_on_place": (),
    "low_balance_check": (),
    "funding_schedule": ("first_tick", "interval"),
}
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")


def parse_time(field: str, text: str) -> int:
    """UTC epoch ms from ISO 8601 (``2020-12-09T00:30:00Z``, ``2020-12-09 00:30``,
    ``2020-12-09``, ``2020/12/09 …``) or an integer of epoch ms."""
    raw = text.strip()
    if raw.isdigit():
        return int(raw)
    value = raw.replace("/", "-").replace("T", " ").removesuffix("Z").removesuffix("z")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        parsed = None
        for fmt in _TIME_FORMATS:
            try:
                parsed = dt.datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        raise ConfigFieldError(field, f"{text!r} is not an ISO 8601 time or epoch ms")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return int(parsed.timestamp() * 1000)


def _decimal(field: str, text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ConfigFieldError(field, f"{text!r} is not a number") from None
    if not value.is_finite():
        raise ConfigFieldError(field, f"{text!r} is not a finite number")
    return value


def _switch(name: str, text: str) -> str | bool:
    choices = _SWITCHES[name]
    if not choices:
        if text not in ("on", "off"):
            raise ConfigFieldError(name, f"{text!r}: choose on or off")
        return text == "on"
    if text not in choices:
        raise ConfigFieldError(name, f"{text!r}: choose one of {', '.join(choices)}")
    return text


def _strategy(args: argparse.Namespace) -> StrategySpec:
    defaults = {"strategy_id": "backtest", "account_id": "backtest"}
    if not args.strategy_file:
        if not args.symbol:
            raise ConfigFieldError("symbol", "required (e.g. --symbol BTCUSDT)")
        return strategy_from_flags(args, **defaults)
    extra = [f for f in given_strategy_flags(args) if f not in ("--symbol", "--strategy-id")]
    if extra:
        raise ConfigFieldError(
            "strategy_file", f"takes no strategy flags but --symbol/--strategy-id ({extra[0]})"
        )
    loaded = load_strategy_file(args.strategy_file)
    if loaded.errors:
        raise loaded.errors[0]
    found = [
        s
        for s in loaded.strategies
        if (not args.symbol or s.symbol == args.symbol)
        and (not args.strategy_id or s.strategy_id == args.strategy_id)
    ]
    if len(found) != 1:
        what = "no" if not found else f"{len(found)}"
        raise ConfigFieldError(
            "strategy_file",
            f"{what} strategies match; pick one with --symbol and --strategy-id",
        )
    return found[0]


def build_config(args: argparse.Namespace, data_dir: Path | None) -> BacktestConfig:
    spec = _strategy(args)
    if args.leverage is not None:
        leverage = _decimal("leverage", args.leverage)
        risk = msgspec.structs.replace(spec.risk, leverage=float(leverage or 0))
        spec = msgspec.structs.replace(spec, risk=risk)
    instrument = default_instrument(
        spec.symbol,
        data_dir,
        tick_size=_decimal("tick_size", args.tick_size),
        qty_step=_decimal("qty_step", args.qty_step),
        min_qty=_decimal("min_qty", args.min_qty),
        max_qty=_decimal("max_qty", args.max_qty),
    )
    overrides: dict[str, str | bool] = {}
    for name in _SWITCHES:
        text = getattr(args, name)
        if text is not None:
            key = "funding" if name == "funding_schedule" else name
            overrides[key] = _switch(name, text)
    queue_fields = {
        "ahead_fraction": args.queue_fraction,
        "window_s": args.queue_window_s,
        "min_ahead": args.queue_min,
    }
    fill_model = args.fill_model
    data: dict[str, Any] = {
        "strategy": msgspec.to_builtins(spec),
        "instrument": msgspec.to_builtins(instrument),
        "balance": args.balance,
        "maker_fee": args.maker_fee,
        "taker_fee": args.taker_fee,
        "funding_rate": args.funding_rate,
        "enable_funding": not args.no_funding,
        "fill_model": fill_model,
        "queue": {k: v for k, v in queue_fields.items() if v is not None},
        "ticks": args.ticks,
        "fills": args.fills or ("trade" if fill_model == "queue" else "ticker"),
        "start_ms": parse_time("start", args.start) if args.start else None,
        "end_ms": parse_time("end", args.end) if args.end else None,
        "profile": args.profile,
        "overrides": overrides,
        "wind_down": args.wind_down,
        "skip_quiet": not args.no_skip,
    }
    for name in ("balance", "maker_fee", "taker_fee", "funding_rate"):
        _decimal(name, data[name])
    try:
        return msgspec.convert(data, BacktestConfig, strict=False)
    except msgspec.ValidationError as exc:
        raise ConfigFieldError(*_split(str(exc))) from None


def _split(message: str) -> tuple[str, str]:
    """msgspec's ``Expected … - at `$.queue.window_s``` (or our own ``field: reason``)
    as (field path, reason)."""
    reason, sep, where = message.rpartition(" - at `$.")
    if sep:
        return where.rstrip("`").replace("[", ".").replace("]", ""), reason
    field, sep, reason = message.partition(": ")
    if sep and field.replace("_", "").replace(".", "").isalnum():
        return field, reason
    return "config", message
