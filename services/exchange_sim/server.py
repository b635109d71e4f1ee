"""`ExchangeSim`: the aiohttp server, the exchange core, the feed pump and the faults.

sim = ExchangeSim(SimConfig(speed="max"))
async with sim:
    ...  # connect clients to sim.rest_url / sim.ws_public_url / sim.ws_private_url
    await sim.start_feed()
    await sim.feed_done()
"""

import asyncio
import contextlib
import enum
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Self

import structlog
from aiohttp import web

from services.exchange_sim.clock import VirtualClock
from services.exchange_sim.config import (
    AccountConfig,
    InstrumentConfig,
    SimConfig,
    resolve_data_path,
)
from services.exchange_sim.dispatch import WsSink
from services.exchange_sim.faults import Faults
from services.exchange_sim.feed import FeedReader
from services.exchange_sim.pump import FeedPump
from services.exchange_sim.ratelimit import RateLimiter
from services.exchange_sim.render import (
    render_execution,
    render_order,
    render_position,
    render_wallet,
)
from services.exchange_sim.rest import add_fallback_route, add_rest_routes
from services.exchange_sim.rest_types import RestState
from services.exchange_sim.ws_conn import WsLink, WsStats
from services.exchange_sim.ws_private import PrivateHub
from services.exchange_sim.ws_public import PublicHub
from venue.funding import FundingSchedule
from venue.ids import IdGen
from venue.kernel import Venue
from venue.models import Trade

__all__ = ["ExchangeSim", "SimState"]

log = structlog.get_logger(__name__)

PUBLIC_PATH = "/v5/public/linear"
PRIVATE_PATH = "/v5/private"


class SimState(enum.Enum):
    NEW = "new"
    RUNNING = "running"
    CLOSING = "closing"
    CLOSED = "closed"


class _Parts:
    """Everything built at start (needs the feed's first trades for the clock)."""

    def __init__(
        self,
        cfg: SimConfig,
        reader: FeedReader,
        funding: FundingSchedule,
        on_subscribe: Callable[[], None],
    ) -> None:
        speed = None if cfg.speed == "max" else float(cfg.speed)
        self.reader = reader
        self.clock = VirtualClock(reader.start_ms, speed)
        self.ids = IdGen(cfg.seed)
        self.sink = WsSink()
        self.exchange = Venue(cfg, self.clock.now_ms, self.ids, funding, self.sink)
        for symbol, price in reader.initial_prices.items():
            self.exchange.set_initial_price(symbol, price)
        self.ws_stats = WsStats()
        link, stats = WsLink(cfg.ws_send_queue, cfg.faults.ws_latency_ms), self.ws_stats
        self.public = PublicHub(self.exchange, self.clock, link, stats, on_subscribe)
        self.private = PrivateHub(self.exchange, self.clock, link, stats, on_subscribe)
        self.sink.public, self.sink.private, self.sink.exchange = (
            self.public,
            self.private,
            self.exchange,
        )
        self.faults = Faults(cfg.faults, cfg.seed, self.public.drop, self.private.drop)
        self.limiter = RateLimiter(cfg.rate_limit)
        self.rest = RestState(cfg, self.exchange, self.clock, self.faults, self.limiter)


class ExchangeSim:
    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config if config is not None else SimConfig()
        self.state = SimState.NEW
        self._parts: _Parts | None = None
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._pump: FeedPump | None = None
        self._pump_task: asyncio.Task[None] | None = None
        self._manual_trades = IdGen(self.config.seed)
        self._subscribed = asyncio.Event()

    # --- lifecycle ---------------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        if self.state is not SimState.NEW:
            raise RuntimeError(f"cannot start a simulator in state {self.state.value}")
        cfg = self.config
        instruments = {i.symbol: i for i in cfg.instruments}
        reader = FeedReader(cfg.feeds, instruments, cfg.seed)
        await asyncio.to_thread(reader.prime)
        series = cfg.funding.series_file
        funding = await asyncio.to_thread(
            FundingSchedule.from_file,
            cfg.funding,
            resolve_data_path(series) if series else None,
        )
        parts = self._parts = _Parts(cfg, reader, funding, self._subscribed.set)
        app = web.Application(client_max_size=1 << 20)
        add_rest_routes(app, parts.rest)
        app.router.add_get(PUBLIC_PATH, parts.public.handle)
        app.router.add_get(PRIVATE_PATH, parts.private.handle)
        add_fallback_route(app, parts.rest)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, cfg.host, cfg.port)
        await site.start()
        self._port = self._runner.addresses[0][1]
        self.state = SimState.RUNNING
        log.info("exchange sim listening", rest_url=self.rest_url, speed=cfg.speed)
        if not cfg.start_paused:
            await self.start_feed()

    async def start_feed(self) -> None:
        """Start playing the feed (idempotent)."""
        parts = self._require()
        if self._pump_task is not None:
            return
        self._pump = FeedPump(
            parts.reader,
            parts.exchange,
            parts.clock,
            yield_every=self.config.yield_every,
            yield_every_clients=self.config.yield_every_clients,
            on_tick=parts.public.tick,
            has_clients=lambda: parts.public.has_clients or parts.private.has_clients,
            backpressure=self._backpressure,
        )
        self._pump_task = asyncio.create_task(self._pump.run(), name="exchange-sim-feed")

    async def _backpressure(self) -> None:
        parts = self._require()
        timeout = self.config.ws_backpressure_timeout_s
        await parts.public.backpressure(timeout)
        await parts.private.backpressure(timeout)

    async def feed_done(self) -> int:
        """Wait until every feed is exhausted; returns the number of trades played.

        Bound it with `asyncio.timeout(...)`; cancelling the wait does not stop the feed."""
        if self._pump_task is None or self._pump is None:
            raise RuntimeError("the feed was not started (call start_feed())")
        await asyncio.shield(self._pump_task)
        return self._pump.processed

    @property
    def feed_finished(self) -> bool:
        return self._pump is not None and self._pump.done.is_set()

    async def drain(self, timeout: float = 5.0) -> None:
        """Let a started feed finish and WS queues flush (bounded by `timeout`), then close."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                if self._pump_task is not None:
                    await asyncio.shield(self._pump_task)
                if self._parts is not None:
                    await self._backpressure()
        await self.close()

    async def close(self) -> None:
        """Stop everything (idempotent): feed task, WS connections, HTTP server."""
        if self.state in (SimState.CLOSING, SimState.CLOSED):
            return
        self.state = SimState.CLOSING
        errors: list[BaseException] = []
        if self._pump_task is not None and not self._pump_task.done():
            self._pump_task.cancel()
        if self._pump_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                try:
                    await self._pump_task
                except Exception as exc:  # already logged by the caller of feed_done, keep going
                    errors.append(exc)
        if self._parts is not None:
            for conn in [*self._parts.public.conns, *self._parts.private.conns]:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.ws.close(), timeout=1.0)
            await asyncio.to_thread(self._parts.reader.close)
        if self._runner is not None:
            await self._runner.cleanup()
        self.state = SimState.CLOSED
        if errors:
            log.warning("exchange sim closed with feed errors", errors=[repr(e) for e in errors])

    def _require(self) -> _Parts:
        if self._parts is None or self.state is not SimState.RUNNING:
            raise RuntimeError("the simulator is not running (use `async with ExchangeSim(...)`)")
        return self._parts

    # --- addresses and handles ---------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._port

    @property
    def rest_url(self) -> str:
        return f"http://{self.config.host}:{self._port}"

    @property
    def ws_public_url(self) -> str:
        return f"ws://{self.config.host}:{self._port}{PUBLIC_PATH}"

    @property
    def ws_private_url(self) -> str:
        return f"ws://{self.config.host}:{self._port}{PRIVATE_PATH}"

    @property
    def accounts(self) -> tuple[AccountConfig, ...]:
        return self.config.accounts

    @property
    def faults(self) -> Faults:
        return self._require().faults

    @property
    def exchange(self) -> Venue:
        return self._require().exchange

    @property
    def rate_limiter(self) -> RateLimiter:
        return self._require().limiter

    @property
    def ws_stats(self) -> WsStats:
        return self._require().ws_stats

    def now_ms(self) -> int:
        """Virtual exchange time."""
        return self._require().clock.now_ms()

    async def wait_for_subscribers(
        self, topic: str, count: int = 1, *, api_key: str | None = None
    ) -> None:
        """Wait until `count` connections subscribed to `topic` (private when `api_key`).

        Bound it with `asyncio.timeout(...)`."""
        parts = self._require()

        def ready() -> int:
            if api_key is None:
                return len(parts.public.subs.get(topic, ()))
            return sum(1 for c in parts.private.conns if c.api_key == api_key and topic in c.topics)

        while ready() < count:
            self._subscribed.clear()
            await self._subscribed.wait()

    # --- market driving ----------------------------------------------------------------------
    def trade(
        self,
        symbol: str,
        price: Decimal | str,
        size: Decimal | str,
        side: str = "Buy",
        ts_ms: int | None = None,
    ) -> None:
        """Inject one public trade now (or at `ts_ms`, moving the clock forward)."""
        parts = self._require()
        if ts_ms is not None:
            parts.clock.advance_to(ts_ms)
        now = parts.clock.now_ms()
        trade = Trade(
            ts_ms=now,
            symbol=symbol,
            side=side,
            price=Decimal(price),
            size=Decimal(size),
            trade_id=self._manual_trades.uuid("manual-trade"),
        )
        parts.exchange.market(symbol)
        parts.exchange.on_trades([trade])
        parts.public.tick(now, force=True)

    def advance_time(self, ts_ms: int) -> None:
        """Move the virtual clock forward (settles funding boundaries on the way)."""
        parts = self._require()
        parts.clock.advance_to(ts_ms)
        parts.exchange.on_time(parts.clock.now_ms())
        parts.public.tick(parts.clock.now_ms(), force=True)

    # --- ground truth (Bybit REST shapes) ----------------------------------------------------
    def _inst(self, symbol: str) -> InstrumentConfig:
        return self._require().exchange.markets[symbol].inst

    def orders(self, api_key: str, symbol: str | None = None) -> list[dict[str, Any]]:
        """Every order of the account, in arrival order."""
        acct = self._require().exchange.account(api_key)
        return [
            render_order(o, self._inst(o.symbol), ws=False)
            for o in acct.orders.values()
            if symbol is None or o.symbol == symbol
        ]

    def open_orders(self, api_key: str, symbol: str | None = None) -> list[dict[str, Any]]:
        """Open orders of the account, in arrival order."""
        acct = self._require().exchange.account(api_key)
        return [
            render_order(o, self._inst(o.symbol), ws=False)
            for o in acct.open_orders.values()
            if symbol is None or o.symbol == symbol
        ]

    def executions(self, api_key: str, symbol: str | None = None) -> list[dict[str, Any]]:
        """Executions (Trade and Funding) of the account, in time order."""
        acct = self._require().exchange.account(api_key)
        return [
            render_execution(e, self._inst(e.symbol), ws=False)
            for e in acct.executions
            if symbol is None or e.symbol == symbol
        ]

    def position(self, api_key: str, symbol: str, idx: int) -> dict[str, Any]:
        ex = self._require().exchange
        acct = ex.account(api_key)
        pos = acct.position(symbol, idx)
        return render_position(acct, pos, self._inst(symbol), ex.marks.get(symbol), ws=False)

    def wallet(self, api_key: str) -> dict[str, Any]:
        ex = self._require().exchange
        return render_wallet(ex.account(api_key), ex.marks)
