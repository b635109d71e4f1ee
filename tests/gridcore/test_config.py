"""C-1 / C-2 configuration validation: bad values raise GridConfigError naming the field."""

import math
from decimal import Decimal

import msgspec
import pytest

from gridcore import GridConfig, GridConfigError, GridEngine, RiskConfig


def test_C1_defaults() -> None:
    config = GridConfig()
    assert (config.grid_count, config.grid_step, config.rebalance_threshold) == (50, 0.2, 0.3)


def test_C2_defaults_are_live_and_backtest_defaults() -> None:
    risk = RiskConfig()
    assert (risk.min_liq_ratio, risk.max_liq_ratio, risk.max_margin) == (0.8, 1.2, 8.0)
    assert risk.min_total_margin == 0.15
    assert risk.increase_same_position_on_low_margin is False


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"grid_count": 0}, "grid_count"),
        ({"grid_count": -4}, "grid_count"),
        ({"grid_count": 5.0}, "grid_count"),
        ({"grid_count": True}, "grid_count"),
        ({"grid_step": 0}, "grid_step"),
        ({"grid_step": -0.2}, "grid_step"),
        ({"grid_step": math.nan}, "grid_step"),
        ({"grid_step": math.inf}, "grid_step"),
        ({"grid_step": "0.2"}, "grid_step"),
        ({"rebalance_threshold": 0.0}, "rebalance_threshold"),
        ({"rebalance_threshold": 1.0}, "rebalance_threshold"),
        ({"rebalance_threshold": 1.5}, "rebalance_threshold"),
        ({"rebalance_threshold": math.nan}, "rebalance_threshold"),
    ],
)
def test_C1_invalid_grid_config_names_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(GridConfigError) as info:
        GridConfig(**kwargs)
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}=")
    assert isinstance(info.value, ValueError)


def test_C1_int_grid_step_is_stored_as_float() -> None:
    assert type(GridConfig(grid_step=1).grid_step) is float


def test_C1_decoding_a_bad_config_fails_with_the_field_path() -> None:
    with pytest.raises(msgspec.ValidationError, match="grid_step"):
        msgspec.json.decode(b'{"grid_step": -1}', type=GridConfig)
    with pytest.raises(msgspec.ValidationError, match="unknown"):
        msgspec.json.decode(b'{"grid_steps": 1}', type=GridConfig)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"min_liq_ratio": 0}, "min_liq_ratio"),
        ({"max_liq_ratio": math.nan}, "max_liq_ratio"),
        ({"max_margin": -1}, "max_margin"),
        ({"min_total_margin": math.inf}, "min_total_margin"),
        ({"increase_same_position_on_low_margin": 1}, "increase_same_position_on_low_margin"),
    ],
)
def test_C2_invalid_risk_config_names_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(GridConfigError) as info:
        RiskConfig(**kwargs)
    assert info.value.field == field


@pytest.mark.parametrize("tick", [Decimal(0), Decimal("-0.1"), "abc", Decimal("NaN"), "1e-400"])
def test_G1_invalid_tick_size_raises_naming_tick_size(tick: object) -> None:
    with pytest.raises(GridConfigError) as info:
        GridEngine("BTCUSDT", tick, GridConfig(), "s")  # type: ignore[arg-type]
    assert info.value.field == "tick_size"


@pytest.mark.parametrize("anchor", [0.0, -1.0, math.nan, math.inf])
def test_E1_invalid_anchor_price_raises_naming_anchor_price(anchor: float) -> None:
    with pytest.raises(GridConfigError) as info:
        GridEngine("BTCUSDT", Decimal("0.1"), GridConfig(), "s", anchor_price=anchor)
    assert info.value.field == "anchor_price"
