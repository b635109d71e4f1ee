"""Market feed sources: trade files and a seeded random walk. Blocking; run off the loop.

File layouts (plain or gzip, detected by the header row, never by the name):
- Binance trades  `id,price,qty,quote_qty,time,is_buyer_maker` (time in ms;
  is_buyer_maker=true means the taker sold);
- extracted raw-feed trades `local_recv_ts,event_time_ms,trade_time_ms,trade_id,price,qty,
  is_buyer_maker,type` (trade_time_ms is used);
- Bybit public dump `timestamp,symbol,side,size,price,tickDirection,trdMatchID,...`
  (timestamp in seconds with a fraction; loaded whole and stable-sorted by time).
"""

import csv
import gzip
import heapq
import io
import itertools
import pathlib
import random
import threading
import uuid
import zlib
from collections.abc import Iterator
from decimal import Decimal

from services.exchange_sim.config import (
    DEFAULT_START_MS,
    FeedConfig,
    FileFeed,
    InstrumentConfig,
    ManualFeed,
    RandomWalkFeed,
    resolve_data_path,
)
from venue.models import Trade

__all__ = ["FeedReader", "random_walk", "read_trade_file"]


def _open_text(path: pathlib.Path) -> io.TextIOBase:
    with path.open("rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return path.open("r", encoding="utf-8", newline="")


def _tick_direction(price: Decimal, last: Decimal | None, previous: str) -> str:
    if last is None:
        return "ZeroPlusTick"
    if price > last:
        return "PlusTick"
    if price < last:
        return "MinusTick"
    return previous if previous.startswith("Zero") else "Zero" + previous


def _binance_rows(rows: Iterator[dict[str, str]], symbol: str, time_col: str) -> Iterator[Trade]:
    last: Decimal | None = None
    direction = "ZeroPlusTick"
    id_col = "trade_id" if time_col == "trade_time_ms" else "id"
    for row in rows:
        price = Decimal(row["price"])
        direction = _tick_direction(price, last, direction)
        last = price
        maker_buy = row["is_buyer_maker"].strip().lower() in ("true", "1")
        yield Trade(
            ts_ms=int(row[time_col]),
            symbol=symbol,
            side="Sell" if maker_buy else "Buy",
            price=price,
            size=Decimal(row["qty"]),
            trade_id=row[id_col],
            tick_direction=direction,
        )


def _bybit_rows(rows: Iterator[dict[str, str]]) -> Iterator[Trade]:
    trades = [
        Trade(
            ts_ms=int((Decimal(row["timestamp"]) * 1000).to_integral_value()),
            symbol=row["symbol"],
            side=row["side"],
            price=Decimal(row["price"]),
            size=Decimal(row["size"]),
            trade_id=row["trdMatchID"],
            tick_direction=row.get("tickDirection", "") or "",
        )
        for row in rows
    ]
    trades.sort(key=lambda t: t.ts_ms)
    yield from trades


def read_trade_file(path: pathlib.Path, symbol: str | None = None) -> Iterator[Trade]:
    """Trades of a Binance or Bybit-layout CSV(.gz) file, in time order."""
    with _open_text(path) as fh:
        reader = csv.DictReader(fh)
        columns = set(reader.fieldnames or ())
        if {"timestamp", "symbol", "side", "size", "price", "trdMatchID"} <= columns:
            yield from _bybit_rows(reader)
            return
        sym = symbol or _symbol_from_name(path)
        if {"trade_time_ms", "price", "qty", "is_buyer_maker"} <= columns:
            yield from _binance_rows(reader, sym, "trade_time_ms")
        elif {"id", "price", "qty", "time", "is_buyer_maker"} <= columns:
            yield from _binance_rows(reader, sym, "time")
        else:
            raise ValueError(f"{path}: unknown trade file header {sorted(columns)}")


def _symbol_from_name(path: pathlib.Path) -> str:
    head = path.name.split("_", 1)[0].split(".", 1)[0].upper()
    if not head.endswith("USDT"):
        raise ValueError(f"{path}: cannot infer the symbol from the name; set feed.symbol")
    return head


def random_walk(cfg: RandomWalkFeed, inst: InstrumentConfig, seed: int) -> Iterator[Trade]:
    """Seeded walk on the tick grid; the taker side follows the move (random when flat)."""
    rng = random.Random(seed * 1_000_003 + zlib.crc32(cfg.symbol.encode()))
    ns = uuid.uuid5(uuid.NAMESPACE_URL, f"gridtwin/exchange-sim/rw/{seed}/{cfg.symbol}")
    tick, step = inst.tick_size, inst.qty_step
    price = cfg.start_price if cfg.start_price is not None else inst.default_price
    price = (price / tick).to_integral_value() * tick
    ts = float(cfg.start_time_ms)
    counter = itertools.count(1) if cfg.n_trades == 0 else iter(range(1, cfg.n_trades + 1))
    last: Decimal | None = None
    direction = "ZeroPlusTick"
    for n in counter:
        ts += rng.expovariate(1.0 / cfg.mean_interval_ms)
        move = rng.randint(-cfg.max_step_ticks, cfg.max_step_ticks)
        if price + move * tick <= tick:
            move = abs(move)
        price += move * tick
        side = "Buy" if move > 0 else "Sell" if move < 0 else rng.choice(("Buy", "Sell"))
        size = step * min(int(rng.paretovariate(1.5)), cfg.max_size_steps)
        direction = _tick_direction(price, last, direction)
        last = price
        yield Trade(
            ts_ms=int(ts),
            symbol=cfg.symbol,
            side=side,
            price=price,
            size=size,
            trade_id=str(uuid.uuid5(ns, str(n))),
            tick_direction=direction,
        )


class FeedReader:
    """All configured feeds merged by time. Blocking: call `prime`/`next_chunk` off the loop."""

    def __init__(
        self, feeds: tuple[FeedConfig, ...], instruments: dict[str, InstrumentConfig], seed: int
    ) -> None:
        self._feeds = feeds
        self._instruments = instruments
        self._seed = seed
        self._merged: Iterator[Trade] | None = None
        self._sources: list[Iterator[Trade]] = []
        self._lock = threading.Lock()  # a generator must not run in two threads at once
        self.skipped = 0  # trades of symbols that are not configured
        self.initial_prices: dict[str, Decimal] = {}
        self.start_ms = DEFAULT_START_MS
        self.has_trades = False

    def prime(self) -> None:
        """Open every source and peek its first trade (initial price and start time)."""
        sources: list[Iterator[Trade]] = []
        starts: list[int] = []
        for feed in self._feeds:
            if isinstance(feed, ManualFeed):
                inst = self._instruments[feed.symbol]
                price = feed.start_price if feed.start_price is not None else inst.default_price
                self.initial_prices.setdefault(feed.symbol, price)
                starts.append(feed.start_time_ms)
                continue
            it = self._open(feed)
            self._sources.append(it)
            first = next(it, None)
            if first is None:
                continue
            if first.symbol not in self._instruments:
                raise ValueError(f"feed symbol {first.symbol} is not a configured instrument")
            self.initial_prices.setdefault(first.symbol, first.price)
            starts.append(first.ts_ms)
            sources.append(itertools.chain((first,), it))
        if starts:
            self.start_ms = min(starts)
        self.has_trades = bool(sources)
        self._merged = heapq.merge(*sources, key=lambda t: t.ts_ms)

    def _open(self, feed: FileFeed | RandomWalkFeed) -> Iterator[Trade]:
        if isinstance(feed, RandomWalkFeed):
            return random_walk(feed, self._instruments[feed.symbol], self._seed)
        return read_trade_file(resolve_data_path(feed.path), feed.symbol)

    def next_chunk(self, n: int) -> list[Trade]:
        """Up to `n` next trades in time order; [] when every feed is exhausted."""
        with self._lock:
            if self._merged is None:
                self.prime()
            assert self._merged is not None
            while chunk := list(itertools.islice(self._merged, n)):
                known = [t for t in chunk if t.symbol in self._instruments]
                self.skipped += len(chunk) - len(known)
                if known:
                    return known
            return []

    def close(self) -> None:
        """Close open files (waits for a chunk being read in another thread)."""
        with self._lock:
            for source in self._sources:
                close = getattr(source, "close", None)
                if close is not None:
                    close()
            self._sources.clear()
            self._merged = iter(())
