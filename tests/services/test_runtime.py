"""The one place a service turns an account's environment into adapter settings."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest
from prometheus_client import CollectorRegistry

from bybit import Environment, Secret
from infra import Settings
from services.runtime import VenueConfigError, account_config, serve, venue_config
from tenants import ApiCredentials

SIM = Settings(sim_url="http://127.0.0.1:8123")


def test_sim_accounts_point_at_the_simulator_without_clock_sync() -> None:
    creds = ApiCredentials(
        account_id="acct-1", api_key="K", api_secret=Secret("s3cret"), environment="sim"
    )
    config = account_config(SIM, creds)
    assert config.urls.rest == "http://127.0.0.1:8123"
    assert config.urls.ws_public == "ws://127.0.0.1:8123/v5/public/linear"
    assert config.urls.ws_private == "ws://127.0.0.1:8123/v5/private"
    assert not config.time_sync and config.has_credentials
    assert config.account_id == "acct-1" and config.api_secret == Secret("s3cret")
    assert "s3cret" not in repr(config)


def test_exchange_environments_keep_their_urls_and_public_needs_no_key() -> None:
    config = venue_config(Settings(), "testnet", account_id="a1", api_key="K", api_secret="x")
    assert config.environment is Environment.TESTNET
    assert config.urls.rest == "https://api-testnet.bybit.com"
    assert not venue_config(SIM, "sim").has_credentials


def test_bad_environment_or_missing_simulator_url_names_the_account() -> None:
    with pytest.raises(VenueConfigError, match="GRIDTWIN_SIM_URL"):
        venue_config(Settings(), "sim", account_id="a9")
    with pytest.raises(VenueConfigError, match=r"'a9'.*'moon'"):
        venue_config(SIM, "moon", account_id="a9")


async def test_serve_runs_the_service_until_sigterm() -> None:
    seen: list[str] = []

    async def service(stop: asyncio.Event) -> None:
        seen.append("started")
        os.kill(os.getpid(), signal.SIGTERM)  # what `docker stop` / systemd send
        await asyncio.wait_for(stop.wait(), 5)
        seen.append("stopped cleanly")

    await serve(service, metrics_port=None, registry=CollectorRegistry(), health=lambda: True)
    assert seen == ["started", "stopped cleanly"]
