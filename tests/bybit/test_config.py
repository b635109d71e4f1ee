"""Config decoding and secret hygiene."""

from __future__ import annotations

import json
import pickle
import random

import msgspec
import pytest
import structlog

from bybit import BybitConfig, Environment, Secret, config_from_env, load_config, sim_urls
from bybit.ws._outages import backoff_delay

SECRET = "s3cr3t-never-shown"


def test_secret_never_prints_itself() -> None:
    config = load_config({"api_key": "key", "api_secret": SECRET})
    for text in (repr(config), str(config), f"{config.api_secret}", str(config.api_secret)):
        assert SECRET not in text
    assert config.api_secret.reveal() == SECRET
    with pytest.raises(TypeError):
        pickle.dumps(config.api_secret)


def test_secret_stays_masked_in_structlog_json() -> None:
    config = BybitConfig(api_key="key", api_secret=SECRET)
    renderer = structlog.processors.JSONRenderer()
    line = renderer(None, "info", {"event": "cfg", "config": config, "secret": config.api_secret})
    assert SECRET not in line and "********" in line
    assert Secret(SECRET) == config.api_secret


def test_unknown_and_invalid_fields_fail_with_their_path() -> None:
    with pytest.raises(msgspec.ValidationError, match="unknown field `recv_window`"):
        load_config({"recv_window": 5000})
    with pytest.raises(msgspec.ValidationError, match=r"\$\.recv_window_ms"):
        load_config({"recv_window_ms": -1})


def test_defaults_and_environment_variables() -> None:
    assert BybitConfig().recv_window_ms == 5000
    config = config_from_env(
        {
            "BYBIT_API_KEY": "k",
            "BYBIT_API_SECRET": SECRET,
            "BYBIT_ENVIRONMENT": "testnet",
            "BYBIT_RECV_WINDOW_MS": "8000",
            "BYBIT_TIME_SYNC": "false",
        }
    )
    assert (config.environment, config.recv_window_ms, config.time_sync) == (
        Environment.TESTNET,
        8000,
        False,
    )
    assert config.urls.rest == "https://api-testnet.bybit.com"


def test_url_overrides_point_at_a_simulator() -> None:
    urls = sim_urls("127.0.0.1", 8080)
    config = BybitConfig(
        rest_url=urls.rest + "/", ws_public_url=urls.ws_public, ws_private_url=urls.ws_private
    )
    assert config.urls == msgspec.structs.replace(urls, rest="http://127.0.0.1:8080")
    assert json.loads(msgspec.json.encode(config.urls))["ws_private"].endswith("/v5/private")


def test_reconnect_backoff_grows_with_jitter_and_is_capped() -> None:
    rng = random.Random(7)
    delays = [backoff_delay(n, 0.5, 30.0, rng) for n in range(12)]
    for attempt, delay in enumerate(delays):
        cap = min(30.0, 0.5 * 2**attempt)
        assert cap / 2 <= delay <= cap
    assert len({round(d, 6) for d in delays[-4:]}) == 4  # jittered, not constant
