"""The thin CLI edge: credentials → BybitConfig, shadow flags, arguments; and the metrics."""

from __future__ import annotations

import argparse
from types import SimpleNamespace

import asyncpg
import pytest
from prometheus_client import generate_latest

from infra import Settings
from services.executor import ExecutorConfig, ExecutorStats
from services.executor.cli import add_parser, load_accounts, shadow_of
from services.executor.metrics import registry_for
from tenants import MasterKey
from tests.executor.helpers import ACCOUNT, SECRET_A, STRATEGY, seed


class OtherSecret:
    """A secret type from another library: only ``reveal()`` shows the value."""

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "OtherSecret(***)"


SIM = Settings(sim_url="http://127.0.0.1:8123")


def _credentials(environment: str, secret: object) -> SimpleNamespace:
    return SimpleNamespace(
        account_id="acct-1", api_key="K", api_secret=secret, environment=environment
    )


def test_shadow_flags_per_account() -> None:
    strategies = [
        SimpleNamespace(strategy_id="a1", account_id="acct-1", shadow=True),
        SimpleNamespace(strategy_id="a2", account_id="acct-1", shadow=False),
        SimpleNamespace(strategy_id="b1", account_id="acct-2", shadow=True),
    ]
    assert shadow_of(strategies, "acct-1") == frozenset({"a1"})
    assert shadow_of(strategies, "acct-3") == frozenset()


def test_arguments() -> None:
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    args = parser.parse_args(["executor", "--accounts", "a1,a2", "--namespace", "paper"])
    assert (args.accounts, args.namespace, args.instance) == ("a1,a2", "paper", None)
    assert callable(args.func)


def test_config_is_checked_once_at_the_edge() -> None:
    assert ExecutorConfig().instance  # host-pid-random by default
    for bad in (
        {"namespace": "nope"},
        {"lease_renew_s": 3.0, "lease_ttl_s": 3.0},
        {"retry_backoff_s": ()},
    ):
        with pytest.raises(ValueError):
            ExecutorConfig(**bad)


def test_metrics_read_the_live_stats() -> None:
    stats = ExecutorStats()
    stats.placed = 3
    stats.rejected["duplicate"] += 2
    stats.leading = 1
    text = generate_latest(registry_for(stats)).decode()
    assert "gridtwin_executor_placed_total 3.0" in text
    assert 'gridtwin_executor_rejected_total{reason="duplicate"} 2.0' in text
    assert 'gridtwin_executor_rejected_total{reason="circuit_open"} 0.0' in text
    assert "gridtwin_executor_leading 1.0" in text


async def test_load_accounts_decrypts_credentials_and_shadow_flags(
    pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    master = MasterKey.generate()
    monkeypatch.setenv("GRIDTWIN_MASTER_KEY", master.to_text())
    await seed(pool, master, shadow=True)
    async with pool.acquire() as conn:
        (account,) = await load_accounts(conn, SIM, "live", [])
        assert account.account_id == ACCOUNT
        assert account.shadow_strategies == frozenset({STRATEGY})
        assert account.bybit.api_secret.reveal() == SECRET_A
        assert account.bybit.urls.rest == "http://127.0.0.1:8123"
        assert not account.bybit.time_sync
        with pytest.raises(ValueError, match="no credentials stored for account"):
            await load_accounts(conn, SIM, "live", ["acct-unknown"])
        with pytest.raises(ValueError, match="no accounts with enabled strategies"):
            await load_accounts(conn, SIM, "paper", [])
