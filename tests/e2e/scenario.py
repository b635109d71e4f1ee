"""The acceptance scenario: two users, three sim accounts, BTCUSDT and ETHUSDT grids."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from services.demo.scenario import AccountSeed, Scenario, UserSeed
from services.exchange_sim import SimConfig
from services.exchange_sim.config import AccountConfig, FileFeed, RandomWalkFeed
from tenants import StrategySpec

HOUR_START_MS = 1_607_472_000_000  # 2020-12-09 00:00 UTC, the real BTCUSDT hour
KEYS = {
    "alice-1": ("E2EKEY0001", "e2e-secret-alice-1-0f3a9c"),
    "alice-2": ("E2EKEY0002", "e2e-secret-alice-2-7b21d4"),
    "bob-1": ("E2EKEY0003", "e2e-secret-bob-1-c85e10"),
}


def _strategy(sid: str, account: str, symbol: str, step: float, amount: str) -> StrategySpec:
    return StrategySpec(
        strategy_id=sid,
        account_id=account,
        symbol=symbol,
        grid_count=20,
        grid_step=step,
        amount=amount,
    )


def _account(account_id: str, *strategies: StrategySpec) -> AccountSeed:
    key, secret = KEYS[account_id]
    return AccountSeed(
        account_id=account_id, api_key=key, api_secret=secret, strategies=list(strategies)
    )


def scenario() -> Scenario:
    return Scenario(
        users=[
            UserSeed(
                name="alice",
                accounts=[
                    _account("alice-1", _strategy("a1-btc", "alice-1", "BTCUSDT", 0.1, "x0.005")),
                    _account(
                        "alice-2",
                        _strategy("a2-btc", "alice-2", "BTCUSDT", 0.2, "200"),
                        _strategy("a2-eth", "alice-2", "ETHUSDT", 0.2, "100"),
                    ),
                ],
            ),
            UserSeed(
                name="bob",
                accounts=[
                    _account("bob-1", _strategy("b1-eth", "bob-1", "ETHUSDT", 0.1, "x0.002"))
                ],
            ),
        ]
    )


def sim_config(btc_hour: Path, *, btc_limit: int | None = None) -> SimConfig:
    """The real BTCUSDT hour plus a seeded ETHUSDT walk over the same hour."""
    return SimConfig(
        speed="max",
        seed=11,
        accounts=tuple(
            AccountConfig(api_key=k, api_secret=s, usdt=Decimal("100000")) for k, s in KEYS.values()
        ),
        feeds=(
            FileFeed(path=str(btc_hour), symbol="BTCUSDT"),
            RandomWalkFeed(
                symbol="ETHUSDT",
                start_price=Decimal("570.00"),
                start_time_ms=HOUR_START_MS,
                n_trades=30_000,
                mean_interval_ms=120.0,
            ),
        ),
    )
