"""``make run``: a demo user with two sim accounts trades the real BTCUSDT hour through
every service, and the run is summarised per account from the event store."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import asyncpg
import msgspec

from bus import Bus, BusConfig
from compare import PnlCheck, check_pnl
from infra import Settings
from services.comparator.pnl_source import load_pnl_window
from services.demo import frames as demo_frames
from services.demo.live import LiveStack
from services.demo.scenario import AccountSeed, Scenario, UserSeed, seed
from services.demo.servers import demo_servers
from services.demo.summary import AccountSummary, render
from services.exchange_sim import ExchangeSim
from services.exchange_sim.config import (
    DEFAULT_ACCOUNTS,
    FileFeed,
    RandomWalkFeed,
    SimConfig,
)
from services.seeded_replay.check import StrategyVerdict, check_run, overall_exit
from services.seeded_replay.session import SeededReplay
from store import create_pool
from tenants import MasterKey, StrategySpec

WALK_TRADES = 100_000


class LiveDemoResult(msgspec.Struct, kw_only=True):
    source: str
    trades: int
    seconds: float
    accounts: list[AccountSummary]
    pnl: PnlCheck
    replay: DemoReplay | None = None

    @property
    def ok(self) -> bool:
        return (
            all(a.matches_exchange for a in self.accounts)
            and any(a.orders for a in self.accounts)
            and self.pnl.exit_code == 0
        )


def demo_scenario() -> Scenario:
    a, b = DEFAULT_ACCOUNTS[0], DEFAULT_ACCOUNTS[1]
    return Scenario(
        users=[
            UserSeed(
                name="demo",
                accounts=[
                    AccountSeed(
                        account_id="demo-a",
                        api_key=a.api_key,
                        api_secret=a.api_secret,
                        strategies=[
                            StrategySpec(
                                strategy_id="demo-a-btc",
                                account_id="demo-a",
                                symbol="BTCUSDT",
                                grid_count=40,
                                grid_step=0.2,
                                amount="x0.005",
                            )
                        ],
                    ),
                    AccountSeed(
                        account_id="demo-b",
                        api_key=b.api_key,
                        api_secret=b.api_secret,
                        strategies=[
                            StrategySpec(
                                strategy_id="demo-b-btc",
                                account_id="demo-b",
                                symbol="BTCUSDT",
                                grid_count=60,
                                grid_step=0.1,
                                amount="100",
                            )
                        ],
                    ),
                ],
            )
        ]
    )


def sim_config(path: Path | None) -> SimConfig:
    feed = (
        FileFeed(path=str(path), symbol="BTCUSDT")
        if path is not None
        # A walk about as lively as the real hour (~1 % range), so grid levels are crossed.
        else RandomWalkFeed(symbol="BTCUSDT", n_trades=WALK_TRADES, max_step_ticks=40)
    )
    return SimConfig(speed="max", seed=20201209, feeds=(feed,), accounts=DEFAULT_ACCOUNTS)


async def run_live_demo(settings: Settings, *, keep: bool = False) -> LiveDemoResult:
    path = settings.data_file(demo_frames.REAL_HOUR)
    source = str(path) if path else "seeded random walk (real data not found)"
    print(f"market data: {source}")
    async with demo_servers(settings, keep=keep) as servers:
        out = (settings.home / "demo-check").resolve()
        return await _trade(
            servers.nats_url, servers.database_url, servers.prefix, path, source, out
        )


async def _trade(
    nats_url: str, db_url: str, prefix: str, path: Path | None, source: str, out: Path
) -> LiveDemoResult:
    scenario = demo_scenario()
    master = MasterKey.generate()  # the demo's secrets live only as long as its database
    pool = await create_pool(db_url, max_size=8)
    try:
        async with pool.acquire() as conn:
            await seed(conn, scenario, master)
        async with ExchangeSim(sim_config(path)) as sim:
            stack = LiveStack(
                nats_url=nats_url,
                pool=pool,
                sim=sim,
                scenario=scenario,
                master=master,
                prefix=prefix,
            )
            try:
                await stack.start()
                print("services up: recorder, collector, executor, engine")
                t0 = time.monotonic()
                await sim.start_feed()
                trades = await _follow_feed(stack, sim)
                print("feed done; waiting for the pipeline to settle")
                await stack.settle(quiet_s=2.0)
                seconds = time.monotonic() - t0
                summaries = await stack.summaries()
                pnl = await _pnl_check(pool, stack.ns)
            finally:
                await stack.stop()
        print("replaying the run through engine + simbroker and judging it")
        replay = await _replay_and_judge(nats_url, prefix, pool, stack.ns, out)
    finally:
        await pool.close()
    return LiveDemoResult(
        source=source, trades=trades, seconds=seconds, accounts=summaries, pnl=pnl,
        replay=replay,
    )  # fmt: skip


class DemoReplay(msgspec.Struct, frozen=True, kw_only=True):
    """The replay of the run the demo traded, and its verdict (V-13/V-14)."""

    ns: str
    fill_model: str
    latency: str
    seconds: float
    status: str
    strategies: list[StrategyVerdict]
    out: str


async def _replay_and_judge(
    nats_url: str, prefix: str, pool: asyncpg.Pool, ns: str, out: Path
) -> DemoReplay:
    job = SeededReplay(source_ns=ns, run_id="demo-replay", latency="recorded")
    async with Bus(BusConfig(url=nats_url, name="demo-replay", prefix=prefix)) as bus:
        result, verdicts = await check_run(bus, pool, job, out, show_progress=False)
    status = {0: "PASS", 1: "FAIL", 2: "SKIP"}[overall_exit(verdicts)]
    return DemoReplay(
        ns=result.ns, fill_model=job.fill_model, latency=job.latency, seconds=result.seconds,
        status=status, strategies=verdicts, out=str(out),
    )  # fmt: skip


async def _pnl_check(pool: asyncpg.Pool, ns: str) -> PnlCheck:
    """V-20 over the whole recorded run: our accounting against the simulator's reports."""
    async with pool.acquire() as conn:
        events, baselines = await load_pnl_window(conn, ns, start_ms=None, end_ms=None)
    return check_pnl(events, baselines=baselines)


async def _follow_feed(stack: LiveStack, sim: ExchangeSim, every_s: float = 2.0) -> int:
    """Wait for the feed to end, printing what the services have done so far."""
    t0 = time.monotonic()
    done = asyncio.ensure_future(sim.feed_done())
    while not done.done():
        stack.check()
        await asyncio.wait([done], timeout=every_s)
        engine, executor = stack.services["engine"], stack.services["executor"]
        recorder = stack.services["recorder"]
        print(
            f"  {time.monotonic() - t0:5.1f}s  tickers {engine.stats.tickers:>7,}"
            f"  intents {engine.stats.intents:>6,}  placed {executor.stats.placed:>5,}"
            f"  recorded {recorder.stats.written:>8,}",
            flush=True,
        )
    return done.result()


def render_result(result: LiveDemoResult) -> str:
    stored = all(a.matches_exchange for a in result.accounts)
    verdict = "stored = exchange for every account" if stored else "MISMATCH"
    pnl = result.pnl
    status = {0: "PASS", 1: "FAIL", 2: "SKIP"}[pnl.exit_code]
    return "\n".join(
        [
            "",
            "gridtwin demo — live grid trading on the exchange simulator",
            f"  source   {result.source}",
            f"  trades   {result.trades:,} fed at maximum speed, {result.seconds:.1f}s end to end",
            "",
            render(result.accounts),
            "",
            f"  {verdict}",
            f"  PnL check {status}: {len(pnl.rows)} fields of {pnl.executions} executions and"
            f" {pnl.positions} position events, {len(pnl.failures)} off by more than"
            f" {pnl.tolerance} USDT",
            *_replay_lines(result.replay),
            "",
        ]
    )


def _replay_lines(replay: DemoReplay | None) -> list[str]:
    if replay is None:
        return []
    lines = [
        f"  replay   {replay.ns} ({replay.fill_model}, latency {replay.latency}) in"
        f" {replay.seconds:.1f}s: verdict {replay.status}",
    ]
    for s in replay.strategies:
        lines.append(
            f"    {s.account} {s.symbol}: {s.verdict.status}, matched {s.matched} of"
            f" {s.live_trades} live trades, live-only {s.live_only}, sim-only {s.sim_only}"
        )
        lines.append(f"      {s.report}")
    return lines
