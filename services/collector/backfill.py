"""REST back-fill: bounded retries, and the requests that recover each kind of event.

Every result is a proto event marked ``backfilled`` whose id follows the websocket's
formula (``bybit.parse``), so the stream and the store drop what was already recorded.
Nothing here publishes or de-duplicates: the streams do (``streams.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec
import structlog

import proto
from bybit import BybitAccountHttpAPI, BybitError, BybitMarketHttpAPI, BybitTradeHttpAPI
from services.collector.stats import CollectorStats

log = structlog.get_logger(__name__)

T = TypeVar("T")


class BackfillError(Exception):
    """One request of a back-fill failed on every attempt; ``reason`` never holds a
    secret (Bybit errors carry no keys, headers or signatures)."""

    def __init__(self, what: str, reason: str) -> None:
        super().__init__(f"{what}: {reason}")
        self.what = what
        self.reason = reason


class Retrier:
    """Runs a REST call up to ``attempts`` times with doubling pauses; each failure is
    logged with the stream's context and counted in ``stats.backfill_errors``."""

    def __init__(
        self, stats: CollectorStats, attempts: int, first_delay_s: float, **context: Any
    ) -> None:
        self._stats = stats
        self._attempts = attempts
        self._first_delay_s = first_delay_s
        self._context = context

    async def __call__(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        delay = self._first_delay_s
        for attempt in range(1, self._attempts + 1):
            try:
                return await call()
            except BybitError as exc:
                self._stats.backfill_errors += 1
                reason = f"{type(exc).__name__}: {exc}"
                log.warning(
                    "collector_backfill_error",
                    what=what,
                    attempt=attempt,
                    of=self._attempts,
                    reason=reason,
                    **self._context,
                )
                if attempt == self._attempts:
                    raise BackfillError(what, reason) from None
            await asyncio.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")


def marked(event: T) -> T:
    """``event`` with ``backfilled=True``."""
    if getattr(event, "backfilled", True):
        return event
    return msgspec.structs.replace(event, backfilled=True)  # type: ignore[type-var]


async def recent_trades(
    market: BybitMarketHttpAPI, retry: Retrier, symbol: str, limit: int
) -> list[proto.Trade]:
    """The latest ``limit`` public trades, oldest first."""
    frame = await retry(
        f"recent trades {symbol}", lambda: market.request_recent_trades(symbol, limit)
    )
    return [] if frame is None else frame.trades


async def tickers(market: BybitMarketHttpAPI, retry: Retrier, symbol: str) -> list[proto.Ticker]:
    found = await retry(f"ticker {symbol}", lambda: market.request_tickers(symbol))
    return [marked(ticker) for ticker in found]


def trade_frame(symbol: str, trades: list[proto.Trade], ts_local_ns: int) -> proto.TradeFrame:
    """One back-filled frame; its id ``bf:{symbol}:{first}:{last}`` never equals a
    websocket frame's (``trade:…``), so consumers de-duplicate trades by ``trade_id``."""
    return proto.TradeFrame(
        event_id=f"bf:{symbol}:{trades[0].trade_id}:{trades[-1].trade_id}",
        ts_exchange_ms=trades[-1].ts_exchange_ms,
        ts_local_ns=ts_local_ns,
        symbol=symbol,
        trades=trades,
        backfilled=True,
    )


async def executions(
    trade: BybitTradeHttpAPI, retry: Retrier, since_ms: int | None
) -> list[proto.Execution]:
    """Executions (every symbol settled in USDT) from ``since_ms``, oldest first;
    ``None`` = the exchange's default window."""
    return await retry("executions", lambda: trade.request_executions(start_ms=since_ms))


class Snapshot(msgspec.Struct, frozen=True):
    """An account's open orders, positions and wallet; ``failed`` names what is missing."""

    events: list[proto.AcctMessage]
    failed: list[str]


async def account_snapshot(
    trade: BybitTradeHttpAPI,
    account: BybitAccountHttpAPI,
    retry: Retrier,
    symbols: list[str],
    *,
    every_symbol: bool,
) -> Snapshot:
    """Open orders, positions and wallet. ``symbols`` get their positions even when flat
    (a position closed during a gap must be seen as flat); ``every_symbol`` adds the open
    orders and open positions of every other USDT symbol."""
    events: list[proto.AcctMessage] = []
    failed: list[str] = []
    calls: list[tuple[str, Callable[[], Awaitable[list[Any]]]]] = []
    if every_symbol:
        calls.append(("open orders", trade.request_open_orders))
    else:
        calls += [(f"open orders {s}", _bind(trade.request_open_orders, s)) for s in symbols]
    calls += [(f"positions {s}", _bind(account.request_positions, s)) for s in symbols]
    if every_symbol:
        calls.append(("positions", account.request_positions))
    calls.append(("wallet", account.request_wallet))
    seen: set[str] = set()
    for what, call in calls:
        try:
            found = await retry(what, call)
        except BackfillError as exc:
            failed.append(str(exc))
            continue
        for event in found:
            if event.event_id not in seen:  # a symbol's position also in the full list
                seen.add(event.event_id)
                events.append(marked(event))
    return Snapshot(events, failed)


def _bind(
    method: Callable[[str], Awaitable[list[T]]], symbol: str
) -> Callable[[], Awaitable[list[T]]]:
    return lambda: method(symbol)
