"""Simulator configuration: frozen msgspec Structs, decoded once at the edge.

Every field has a default so `SimConfig()` runs without files or the data directory.
A bad file fails with the path of the offending field (`... - at $.accounts[0].usdt`).
"""

import json
import os
import pathlib
import tomllib
from decimal import Decimal
from typing import Annotated, Any, Literal

import msgspec

from venue.config import (
    DEFAULT_INSTRUMENTS,
    AccountConfig,
    FeeConfig,
    Frozen,
    FundingConfig,
    FundingPoint,
    InstrumentConfig,
    MatchingConfig,
    NonNegInt,
    PositiveInt,
)

__all__ = [
    "DEFAULT_ACCOUNTS",
    "DEFAULT_INSTRUMENTS",
    "AccountConfig",
    "FaultConfig",
    "FeeConfig",
    "FeedConfig",
    "FileFeed",
    "FundingConfig",
    "FundingPoint",
    "InstrumentConfig",
    "ManualFeed",
    "MatchingConfig",
    "RandomWalkFeed",
    "RateLimitConfig",
    "SimConfig",
    "data_dir",
    "load_config",
    "resolve_data_path",
]

Rate = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
PositiveFloat = Annotated[float, msgspec.Meta(gt=0.0)]

# 2024-01-01T00:00:00Z: fixed so random-walk runs are reproducible.
DEFAULT_START_MS = 1_704_067_200_000


DEFAULT_ACCOUNTS: tuple[AccountConfig, ...] = (
    AccountConfig(api_key="SIMKEY0001", api_secret="sim-test-secret-0001-not-real"),
    AccountConfig(api_key="SIMKEY0002", api_secret="sim-test-secret-0002-not-real"),
)


class FileFeed(Frozen, tag_field="kind", tag="file"):
    """Trades from a CSV(.gz): Binance `id,price,qty,quote_qty,time,is_buyer_maker`,
    Bybit dump `timestamp,symbol,side,size,...`, or extracted raw-feed trades."""

    path: str
    symbol: str | None = None  # needed for Binance files; default: inferred from the name


class RandomWalkFeed(Frozen, tag_field="kind", tag="random_walk"):
    """Seeded random walk on the tick grid."""

    symbol: str = "BTCUSDT"
    start_price: Decimal | None = None  # default: the instrument's default_price
    start_time_ms: int = DEFAULT_START_MS
    n_trades: NonNegInt = 10_000  # 0 = endless
    mean_interval_ms: PositiveFloat = 50.0
    max_step_ticks: PositiveInt = 3
    max_size_steps: PositiveInt = 20


class ManualFeed(Frozen, tag_field="kind", tag="manual"):
    """No automatic trades: the driver calls `ExchangeSim.trade(...)`."""

    symbol: str = "BTCUSDT"
    start_price: Decimal | None = None
    start_time_ms: int = DEFAULT_START_MS


FeedConfig = FileFeed | RandomWalkFeed | ManualFeed


class RateLimitConfig(Frozen):
    enabled: bool = True
    window_ms: PositiveInt = 1000
    # per api key and endpoint group, requests per window (Bybit UTA defaults)
    limits: dict[str, PositiveInt] = msgspec.field(
        default_factory=lambda: {
            "order_create": 10,
            "order_cancel": 10,
            "order_cancel_all": 10,
            "order_batch": 10,
            "order_query": 50,
            "execution": 50,
            "position": 50,
            "position_write": 10,
            "wallet": 50,
            "account": 50,
        }
    )


class FaultConfig(Frozen):
    delay_ms: NonNegInt = 0  # added to every REST response
    error_rate: Rate = 0.0  # fraction of REST requests answered with an injected error
    error_kind: Literal["rate_limit", "http_5xx", "mixed"] = "rate_limit"
    http_status: Annotated[int, msgspec.Meta(ge=500, le=599)] = 503
    ws_latency_ms: NonNegInt = 0  # one-way delay of every outbound WS frame


class SimConfig(Frozen):
    host: str = "127.0.0.1"
    port: NonNegInt = 0  # 0 = any free port
    seed: int = 0
    speed: PositiveFloat | Literal["max"] = 1.0  # virtual ms per wall ms, or "max"
    start_paused: bool = True  # feed waits for `await sim.start_feed()`
    # /v5/market/time and the envelope `time`. "wall" by default: real Bybit has one
    # clock, and clients that sync their signing clock to the server (ccxt, libs/bybit)
    # must get the clock signatures are checked against. Market data keeps feed time.
    server_time: Literal["virtual", "wall"] = "wall"
    accounts: tuple[AccountConfig, ...] = DEFAULT_ACCOUNTS
    instruments: tuple[InstrumentConfig, ...] = DEFAULT_INSTRUMENTS
    feeds: tuple[FeedConfig, ...] = (RandomWalkFeed(),)
    fees: FeeConfig = FeeConfig()
    funding: FundingConfig = FundingConfig()
    matching: MatchingConfig = MatchingConfig()
    rate_limit: RateLimitConfig = RateLimitConfig()
    faults: FaultConfig = FaultConfig()
    ws_send_queue: PositiveInt = 10_000  # per connection; overflow = slow consumer, closed
    ws_backpressure_timeout_s: PositiveFloat = 5.0  # feed waits this long for a full queue
    yield_every: PositiveInt = 256  # at speed max, trades between loop yields (no WS clients)
    yield_every_clients: PositiveInt = 32  # ... and while any WS client is connected
    recent_trades: PositiveInt = 1000  # kept per symbol for /v5/market/recent-trade

    def __post_init__(self) -> None:
        super().__post_init__()
        keys = [a.api_key for a in self.accounts]
        if len(set(keys)) != len(keys):
            raise ValueError("duplicate api_key in accounts")
        symbols = {i.symbol for i in self.instruments}
        for feed in self.feeds:
            if feed.symbol is not None and feed.symbol not in symbols:
                raise ValueError(f"feed symbol {feed.symbol} is not a configured instrument")

    def instrument(self, symbol: str) -> InstrumentConfig | None:
        for inst in self.instruments:
            if inst.symbol == symbol:
                return inst
        return None


def load_config(source: pathlib.Path | str | dict[str, Any] | bytes) -> SimConfig:
    """Decode a config from a dict, a JSON/TOML file path, or JSON bytes."""
    if isinstance(source, dict):
        return msgspec.convert(source, SimConfig, strict=False)
    if isinstance(source, bytes):
        return msgspec.json.decode(source, type=SimConfig, strict=False)
    path = pathlib.Path(source)
    raw = path.read_bytes()
    data = tomllib.loads(raw.decode()) if path.suffix == ".toml" else json.loads(raw)
    return msgspec.convert(data, SimConfig, strict=False)


def data_dir() -> pathlib.Path:
    """Shared market data: env GRIDTWIN_DATA_DIR, default `../shared/data/real` from the repo."""
    env = os.environ.get("GRIDTWIN_DATA_DIR")
    if env:
        return pathlib.Path(env)
    repo_root = pathlib.Path(__file__).resolve().parents[2]
    return (repo_root / ".." / "shared" / "data" / "real").resolve()


def resolve_data_path(path: str) -> pathlib.Path:
    """A path as given if it exists, else relative to the data directory."""
    candidate = pathlib.Path(path).expanduser()
    if candidate.is_absolute() or candidate.exists():
        return candidate
    in_data = data_dir() / candidate
    return in_data if in_data.exists() else candidate
