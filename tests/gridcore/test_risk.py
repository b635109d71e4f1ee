"""§9 risk multipliers: R-1..R-11 and every R-10 worked example."""

import math
from decimal import Decimal

import pytest

from gridcore import (
    PositionRiskManager,
    PositionState,
    RiskConfig,
    RiskLinkError,
    update_multipliers,
)
from gridcore.risk import MULTIPLIER_VALUES, early_imbalance_qty, low_balance_flag, size_ratio

CONFIG = RiskConfig(min_liq_ratio=0.8, max_liq_ratio=1.2, max_margin=8, min_total_margin=0.15)


def state(entry: float, liq: float, margin: float, size: str = "1") -> PositionState:
    return PositionState(
        size=Decimal(size),
        entry_price=Decimal(str(entry)),
        liquidation_price=Decimal(str(liq)),
        margin=Decimal(str(margin)),
        leverage=Decimal(10),
    )


def run(
    long: PositionState | None,
    short: PositionState | None,
    last: float,
    config: RiskConfig = CONFIG,
    low_balance: bool = False,
) -> tuple[tuple[float, float], tuple[float, float]]:
    lm, sm = PositionRiskManager.linked_pair(config)
    update_multipliers(lm, sm, long, short, last, low_balance=low_balance)
    return (lm.multiplier["Buy"], lm.multiplier["Sell"]), (
        sm.multiplier["Buy"],
        sm.multiplier["Sell"],
    )


FLAG = RiskConfig(increase_same_position_on_low_margin=True)

R10 = [
    (1, state(3300, 2635, 0.39), state(3102, 17553, 0.71), 3100, CONFIG, False, (1, 1.5), (1, 1)),
    (2, state(3200, 2511, 0.45), state(3102, 3565, 0.28), 3100, CONFIG, False, (1, 0.5), (0.5, 1)),
    (3, state(3200, 2480, 0.33), state(3102, 3400, 0.65), 3100, CONFIG, False, (1, 1), (1.5, 1)),
    (4, state(3200, 0, 0.33), state(3102, 3600, 0.65), 3100, CONFIG, False, (1, 0.5), (1, 1)),
    (5, state(100, 0, 0.05), state(100, 0, 0.05), 100, CONFIG, False, (1, 0.5), (0.5, 1)),
    (6, state(100, 0, 0.05), state(100, 0, 0.05), 100, FLAG, False, (2, 1), (1, 2)),
    (7, state(105, 0, 0.10), state(100, 0, 0.50), 100, CONFIG, False, (2, 1), (1, 1)),
    (8, state(95, 0, 0.05), state(100, 0, 0.50), 100, CONFIG, False, (2, 1), (1, 1)),
    (9, state(100, 0, 0.90), state(95, 0, 0.30), 100, CONFIG, False, (1, 1), (1, 2)),
    (10, state(100, 0, 0.90), state(105, 0, 0.15), 100, CONFIG, False, (1, 1), (1, 2)),
    (11, state(105, 0, 0.10), None, 100, CONFIG, False, (1, 1), (1, 1)),
    (12, state(100, 90, 0.5), state(100, 115, 0.5), 100, CONFIG, False, (1, 0.5), (1, 1)),
    (13, state(100, 82, 0.5), state(100, 0, 0.5), 100, CONFIG, True, (1, 1), (1, 1)),
]


@pytest.mark.parametrize(
    ("n", "long", "short", "last", "config", "low_balance", "long_mult", "short_mult"),
    R10,
    ids=[f"R10_example_{row[0]}" for row in R10],
)
def test_R10_worked_examples(
    n: int,
    long: PositionState,
    short: PositionState | None,
    last: float,
    config: RiskConfig,
    low_balance: bool,
    long_mult: tuple[float, float],
    short_mult: tuple[float, float],
) -> None:
    assert run(long, short, last, config, low_balance) == (long_mult, short_mult)


def test_R7_ambiguity_short_emergency_uses_bbu2_rule_below_0_95_max() -> None:
    """§14: docs claim ``liq_ratio > 0.95×max``; code and spec use ``0 < r < 0.95×max``."""
    assert run(None, state(100, 113, 0.5), 100)[1] == (1.5, 1)
    assert run(None, state(100, 115, 0.5), 100)[1] == (1, 1)  # moderate writes to long
    assert run(state(100, 0, 0.5), state(100, 115, 0.5), 100)[0] == (1, 0.5)
    assert run(None, state(100, 130, 0.5), 100) == ((1, 1), (1, 1))


def test_R6_long_thresholds_with_defaults() -> None:
    assert run(state(100, 84.1, 0.5), state(100, 0, 0.5), 100)[0] == (1, 1.5)
    assert run(state(100, 84.0, 0.5), state(100, 0, 0.5), 100)[1] == (0.5, 1)
    assert run(state(100, 80.0, 0.5), state(100, 0, 0.5), 100) == ((1, 1), (1, 1))


def test_R1_calculate_without_link_raises() -> None:
    manager = PositionRiskManager("long", CONFIG)
    with pytest.raises(RiskLinkError):
        manager.calculate(state(100, 0, 0.1), PositionState(), 100.0)


def test_R4_missing_or_zero_entry_returns_current_multipliers_and_keeps_ratio() -> None:
    lm, _ = PositionRiskManager.linked_pair(CONFIG)
    lm.multiplier["Buy"] = 2.0
    lm.position_ratio = 7.0
    for entry in (None, Decimal(0)):
        out = lm.calculate(
            PositionState(entry_price=entry, margin=Decimal(1)), PositionState(), 100.0
        )
        assert out == {"Buy": 2.0, "Sell": 1.0}
        assert lm.position_ratio == 7.0


def test_R5_position_ratio_is_long_over_short_in_both_branches() -> None:
    lm, sm = PositionRiskManager.linked_pair(CONFIG)
    update_multipliers(lm, sm, state(100, 0, 0.6), state(100, 0, 0.2), 100.0)
    assert lm.position_ratio == sm.position_ratio == pytest.approx(3.0)
    update_multipliers(lm, sm, state(100, 0, 0.6), state(100, 0, 0.0), 100.0)
    assert lm.position_ratio == 0.6 / 0.0001


def test_R5_liq_ratio_is_zero_when_last_close_is_zero() -> None:
    assert run(state(100, 90, 0.5), state(100, 0, 0.5), 0.0) == ((1, 1), (1, 1))


def test_R2_reset_both_then_long_then_short_last_write_wins() -> None:
    """R-10 #12 in protocol form: long wrote Sell 1.5, short's moderate rule overwrote it."""
    lm, sm = PositionRiskManager.linked_pair(CONFIG)
    lm.multiplier["Buy"] = sm.multiplier["Sell"] = 2.0
    update_multipliers(lm, sm, state(100, 90, 0.5), state(100, 115, 0.5), 100.0)
    assert lm.multiplier == {"Buy": 1.0, "Sell": 0.5}
    assert sm.multiplier == {"Buy": 1.0, "Sell": 1.0}


def test_R2_existence_backtest_size_positive_live_size_nonzero() -> None:
    negative = state(100, 90, 0.5, size="-1")
    assert run(negative, None, 100.0) == ((1, 1), (1, 1))
    lm, sm = PositionRiskManager.linked_pair(CONFIG)
    update_multipliers(lm, sm, negative, None, 100.0, live=True)
    assert lm.multiplier["Sell"] == 1.5


@pytest.mark.parametrize("price", [0.0, -1.0, math.nan, math.inf])
def test_R2_live_skips_entirely_without_positive_finite_price(price: float) -> None:
    lm, sm = PositionRiskManager.linked_pair(CONFIG)
    lm.multiplier["Buy"] = 2.0
    update_multipliers(lm, sm, state(100, 90, 0.5), None, price, live=True)
    assert lm.multiplier["Buy"] == 2.0


def test_R11_size_ratio() -> None:
    assert size_ratio(Decimal("0.5"), Decimal("0.2")) == 2.5
    assert size_ratio(Decimal("1"), Decimal(0)) == math.inf
    assert size_ratio(Decimal(0), Decimal(0)) == 1.0


def test_R11_early_imbalance_scales_qty_in_window_without_liquidation_prices() -> None:
    lm, sm = PositionRiskManager.linked_pair(CONFIG)
    lm.observe(PositionState(size=Decimal("0.5")))
    sm.observe(PositionState(size=Decimal("0.2")))
    assert early_imbalance_qty(Decimal("0.002"), 2.0, lm, sm) == Decimal("0.0040")
    assert early_imbalance_qty(Decimal("0.002"), 1.0, lm, sm) == Decimal("0.002")
    sm.observe(PositionState(size=Decimal("0.5")))
    assert early_imbalance_qty(Decimal("0.002"), 2.0, lm, sm) == Decimal("0.002")
    sm.observe(PositionState(size=Decimal("0.2"), liquidation_price=Decimal(1)))
    assert early_imbalance_qty(Decimal("0.002"), 2.0, lm, sm) == Decimal("0.002")
    sm.observe(PositionState(size=Decimal("0")))
    assert early_imbalance_qty(Decimal("0.002"), 2.0, lm, sm) == Decimal("0.002")


def test_R10_multipliers_only_take_spec_values() -> None:
    for row in R10:
        long_mult, short_mult = run(*row[1:6])  # type: ignore[arg-type]
        assert set(long_mult) | set(short_mult) <= MULTIPLIER_VALUES


@pytest.mark.parametrize(
    ("value", "available", "fresh", "enabled", "low"),
    [
        ("1000", "50", False, True, True),
        ("1000", "100", False, True, False),
        ("1000", "0", True, True, True),
        ("1000", "0", False, True, False),
        ("0", "0", True, True, False),
        ("1000", "50", False, False, False),
        ("1000", "-5", True, True, False),
    ],
)
def test_R9_low_balance_flag(
    value: str, available: str, fresh: bool, enabled: bool, low: bool
) -> None:
    got = low_balance_flag(
        Decimal(value), Decimal(available), fresh_wallet_reading=fresh, enabled=enabled
    )
    assert got is low
