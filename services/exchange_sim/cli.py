"""`gridtwin exchange-sim`: run the simulator standalone and print its URLs and test keys."""

import argparse
import asyncio
import contextlib
import pathlib
import signal
import sys
from typing import Any

import msgspec
import structlog

from services.exchange_sim.config import (
    FileFeed,
    RandomWalkFeed,
    SimConfig,
    load_config,
)
from services.exchange_sim.server import ExchangeSim

__all__ = ["add_parser", "build_config", "run_cli"]

log = structlog.get_logger(__name__)

RANDOM_WALK = "random-walk"


def _speed(text: str) -> float | str:
    if text == "max":
        return "max"
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("speed must be a positive number or 'max'") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("speed must be > 0")
    return value


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register `exchange-sim` on an argparse subparsers object."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "exchange-sim",
        help="run a local Bybit V5 exchange simulator",
        description="Local Bybit V5 exchange (REST + WS) driven by a trade file or random walk.",
    )
    configure_parser(parser)
    parser.set_defaults(func=run_cli)
    return parser


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--feed",
        action="append",
        default=None,
        metavar="FILE",
        help="trade file (Binance or Bybit CSV, .gz ok; relative paths also resolve against "
        f"GRIDTWIN_DATA_DIR), or '{RANDOM_WALK}'; repeatable (default: the config's feeds)",
    )
    parser.add_argument("--symbol", default=None, help="symbol of a Binance file / random walk")
    parser.add_argument("--speed", type=_speed, default=None, help="speed factor or 'max'")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--host", default=None)
    parser.add_argument("--port", type=int, default=None, help="0 = any free port")
    parser.add_argument("--config", type=pathlib.Path, default=None, help="TOML or JSON config")
    parser.add_argument(
        "--wait-subscriber",
        default=None,
        metavar="TOPIC",
        help="start the feed once a client subscribed to TOPIC (e.g. publicTrade.BTCUSDT)",
    )
    parser.add_argument(
        "--exit-when-done", action="store_true", help="stop when the feed is exhausted"
    )


def build_config(args: argparse.Namespace) -> SimConfig:
    base = load_config(args.config) if args.config is not None else SimConfig()
    data: dict[str, Any] = msgspec.to_builtins(base)
    for name in ("speed", "seed", "host", "port"):
        value = getattr(args, name)
        if value is not None:
            data[name] = value
    if args.feed:
        feeds: list[Any] = []
        for item in args.feed:
            if item == RANDOM_WALK:
                feeds.append(RandomWalkFeed(symbol=args.symbol or "BTCUSDT", n_trades=0))
            else:
                feeds.append(FileFeed(path=item, symbol=args.symbol))
        data["feeds"] = msgspec.to_builtins(feeds)
    data["start_paused"] = True
    return msgspec.convert(data, SimConfig, strict=False)


def _banner(sim: ExchangeSim) -> str:
    lines = [
        "gridtwin exchange-sim (local Bybit V5 simulator)",
        f"  REST        {sim.rest_url}",
        f"  WS public   {sim.ws_public_url}",
        f"  WS private  {sim.ws_private_url}",
        f"  speed       {sim.config.speed}   seed {sim.config.seed}",
        "  accounts (TEST-ONLY credentials of this local simulator, not Bybit keys):",
    ]
    for acct in sim.accounts:
        lines.append(f"    api_key={acct.api_key}  api_secret={acct.api_secret}  usdt={acct.usdt}")
    return "\n".join(lines)


async def run_cli(args: argparse.Namespace) -> int:
    try:
        cfg = await asyncio.to_thread(build_config, args)  # reads the config file
    except (msgspec.ValidationError, OSError, ValueError) as exc:
        print(f"exchange-sim: bad configuration: {exc}", file=sys.stderr)
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with ExchangeSim(cfg) as sim:
        print(_banner(sim), flush=True)
        if args.wait_subscriber:
            waiter = asyncio.create_task(sim.wait_for_subscribers(args.wait_subscriber))
            stopper = asyncio.create_task(stop.wait())
            await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
            for task in (waiter, stopper):
                task.cancel()
        if not stop.is_set():
            await sim.start_feed()
            print("feed started", flush=True)
            done = asyncio.create_task(sim.feed_done())
            stopper = asyncio.create_task(stop.wait())
            await asyncio.wait({done, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if done.done() and not done.cancelled() and done.exception() is None:
                print(f"feed done: {done.result()} trades", flush=True)
                if not args.exit_when_done:
                    await stop.wait()
            for task in (done, stopper):
                task.cancel()
        await sim.drain(timeout=2.0)
    return 0
