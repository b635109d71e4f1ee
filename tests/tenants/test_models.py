"""Validation names the bad field; strategy files keep the good strategies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gridcore import GridConfig, RiskConfig
from tenants import (
    ConfigFieldError,
    RiskSettings,
    StrategySpec,
    load_strategy_file,
    parse_account,
    parse_strategy,
)

BASE: dict[str, Any] = {"strategy_id": "btc1", "account_id": "acc1", "symbol": "BTCUSDT"}


def test_defaults_and_conversions() -> None:
    spec = parse_strategy(BASE)
    assert spec.grid_config() == GridConfig()
    assert spec.risk.risk_config() == RiskConfig()
    assert (spec.amount, spec.shadow, spec.enabled, spec.namespace) == (
        "x0.001",
        False,
        True,
        "live",
    )
    assert spec.risk.leverage == 10 and spec.risk.low_balance_fraction == 0.10
    custom = parse_strategy(
        b'{"strategy_id": "eth-2", "account_id": "a", "symbol": "ETHUSDT", "grid_step": 0.5,'
        b' "amount": "100", "risk": {"min_liq_ratio": 0.7, "leverage": 5}, "shadow": true}'
    )
    assert custom.grid_config().grid_step == 0.5
    assert custom.risk.risk_config().min_liq_ratio == 0.7 and custom.shadow


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"grid_step": 0}, "grid_step"),
        ({"grid_count": -1}, "grid_count"),
        ({"grid_count": "abc"}, "grid_count"),
        ({"rebalance_threshold": 1.5}, "rebalance_threshold"),
        ({"amount": "b1"}, "amount"),
        ({"amount": "x-0.1"}, "amount"),
        ({"risk": {"min_liq_ratio": -1}}, "risk.min_liq_ratio"),
        ({"risk": {"leverage": 0}}, "risk.leverage"),
        ({"risk": {"low_balance_fraction": 2}}, "risk.low_balance_fraction"),
        ({"risk": {"early_imbalance_multiplier": 0}}, "risk.early_imbalance_multiplier"),
        ({"risk": {"typo_ratio": 1}}, "risk.typo_ratio"),
        ({"grid_stpe": 0.2}, "grid_stpe"),
        ({"symbol": "btcusdt"}, "symbol"),
        ({"symbol": "BTCUSD"}, "symbol"),
        ({"strategy_id": "bad id!"}, "strategy_id"),
        ({"strategy_id": "x" * 41}, "strategy_id"),
        ({"account_id": "a/b"}, "account_id"),
        ({"shadow": "yes"}, "shadow"),
    ],
)
def test_each_bad_field_is_named(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigFieldError) as info:
        parse_strategy({**BASE, **change})
    assert info.value.field == field
    assert f"{field}: " in str(info.value)
    assert str(info.value).startswith("strategy ")


def test_message_format_and_missing_field() -> None:
    with pytest.raises(ConfigFieldError, match=r"^strategy 'btc1': grid_step: must be > 0"):
        parse_strategy({**BASE, "grid_step": 0})
    with pytest.raises(ConfigFieldError, match=r"^strategy 'btc1': symbol: required$"):
        parse_strategy({"strategy_id": "btc1", "account_id": "acc1"})
    with pytest.raises(ConfigFieldError, match="invalid JSON"):
        parse_strategy(b'{"strategy_id": ')


def test_lax_mode_reads_cli_text() -> None:
    spec = parse_strategy({**BASE, "grid_count": "40", "grid_step": "0.5"}, strict=False)
    assert (spec.grid_count, spec.grid_step) == (40, 0.5)
    with pytest.raises(ConfigFieldError, match="grid_count"):
        parse_strategy({**BASE, "grid_count": "abc"}, strict=False)


def test_direct_construction_validates_too() -> None:
    with pytest.raises(ConfigFieldError, match="grid_step"):
        StrategySpec(strategy_id="s", account_id="a", symbol="BTCUSDT", grid_step=0)
    with pytest.raises(ConfigFieldError, match="min_liq_ratio"):
        RiskSettings(min_liq_ratio=0)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"environment": "prod"}, "environment"),
        ({"account_id": "a b"}, "account_id"),
        ({"api_key": ""}, "api_key"),
        ({"api_secret": "x"}, "api_secret"),  # secrets never travel in the spec
    ],
)
def test_account_fields(change: dict[str, Any], field: str) -> None:
    base = {"account_id": "acc1", "user": "alice", "api_key": "KEY123"}
    assert parse_account(base).environment == "sim"
    with pytest.raises(ConfigFieldError) as info:
        parse_account({**base, **change})
    assert info.value.field == field and str(info.value).startswith("account ")


def test_toml_file_keeps_good_strategies_and_reports_bad(tmp_path: Path) -> None:
    path = tmp_path / "strategies.toml"
    path.write_text(
        """
[[strategies]]
strategy_id = "btc1"
account_id = "acc1"
symbol = "BTCUSDT"
grid_step = 0.3

[[strategies]]
strategy_id = "eth1"
account_id = "acc1"
symbol = "ETHUSDT"
grid_step = 0

[[strategies]]
strategy_id = "sol1"
account_id = "acc1"
symbol = "SOLUSDT"
risk = { min_liq_ratio = -1 }

[[strategies]]
strategy_id = "btc1"
account_id = "acc1"
symbol = "BTCUSDT"

[[strategies]]
account_id = "acc1"
symbol = "XRPUSDT"
shadow = true
strategy_id = "xrp1"
"""
    )
    good, errors = load_strategy_file(path)
    assert [s.strategy_id for s in good] == ["btc1", "xrp1"]
    assert good[0].grid_step == 0.3 and good[1].shadow
    assert [str(e) for e in errors] == [
        "strategy 'eth1': grid_step: must be > 0 (percent)",
        "strategy 'sol1': risk.min_liq_ratio: must be > 0",
        "strategy 'btc1': strategy_id: appears twice in the file",
    ]


def test_json_file_and_file_level_errors(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{"strategies": [{"strategy_id": "a", "account_id": "x", "symbol": "BTCUSDT"},'
                    ' {"account_id": "x", "symbol": "BTCUSDT"}, 7]}')  # fmt: skip
    good, errors = load_strategy_file(path)
    assert [s.strategy_id for s in good] == ["a"]
    assert [e.field for e in errors] == ["strategy_id", "(document)"]
    assert str(errors[0]).startswith("strategies[1]: strategy_id: required")
    (tmp_path / "t.toml").write_text('strategies = []\nstrategys = [{strategy_id = "x"}]\n')
    with pytest.raises(ConfigFieldError, match="strategys: unknown field"):
        load_strategy_file(tmp_path / "t.toml")
    (tmp_path / "u.toml").write_text("strategies = [")
    with pytest.raises(ConfigFieldError, match="invalid toml"):
        load_strategy_file(tmp_path / "u.toml")
    with pytest.raises(ValueError, match="cannot read"):
        load_strategy_file(tmp_path / "missing.toml")


@pytest.mark.parametrize("count", [3, 241, 10_000_000])
def test_grid_count_is_bounded_by_the_venue_open_order_limit(count: int) -> None:
    """Two orders a level and Bybit's 500 open orders per symbol: a grid the venue could
    never hold is refused by field, as is one smaller than the live bot's four levels."""
    with pytest.raises(ConfigFieldError) as info:
        StrategySpec(strategy_id="s1", account_id="a1", symbol="BTCUSDT", grid_count=count)
    assert info.value.field == "grid_count"
    assert (
        StrategySpec(strategy_id="s1", account_id="a1", symbol="BTCUSDT", grid_count=240).grid_count
        == 240
    )
