"""§11 PnL formulas P-1..P-8 (decimal)."""

from decimal import Decimal

import pytest

from gridcore.pnl import (
    TIERS_DEFAULT,
    TIERS_ETHUSDT,
    MarginTier,
    imr_pct,
    initial_margin,
    liq_ratio,
    maintenance_margin,
    margin_ratio,
    mmr_pct,
    position_value,
    tiers_for,
    unrealised_pnl,
    unrealised_pnl_pct,
)

D = Decimal


def test_P1_unrealised_pnl() -> None:
    assert unrealised_pnl("long", D(100), D(110), D(2)) == D(20)
    assert unrealised_pnl("short", D(100), D(110), D(2)) == D(-20)


def test_P2_roe_percent_with_entry_denominator() -> None:
    assert unrealised_pnl_pct("long", D(100), D(110), D(10)) == D(100)
    assert unrealised_pnl_pct("short", D(100), D(110), D(10)) == D(-100)
    assert unrealised_pnl_pct("long", D(0), D(110), D(10)) == 0
    assert unrealised_pnl_pct("long", D(100), D(0), D(10)) == 0


def test_P3_P4_position_value_and_margin_ratio() -> None:
    assert position_value(D("0.5"), D(30000)) == D(15000)
    assert margin_ratio(D(15000), D(10000)) == D("1.5")
    assert margin_ratio(D(15000), D(0)) == 0


def test_P5_liq_ratio_is_float() -> None:
    assert liq_ratio(D(80), D(100)) == 0.8
    assert liq_ratio(D(80), D(0)) == 0.0


@pytest.mark.parametrize(
    ("pv", "mm", "im"),
    [("1000000", "5000", "10000"), ("2000000", "10000", "20000"), ("5000000", "40000", "100000")],
)
def test_P6_P7_btcusdt_examples(pv: str, mm: str, im: str) -> None:
    assert maintenance_margin(D(pv))[0] == D(mm)
    assert initial_margin(D(pv))[0] == D(im)


def test_P6_exact_cap_uses_lower_tier_and_rates_are_returned() -> None:
    assert maintenance_margin(D(2000000)) == (D(10000), D(".005"))
    assert initial_margin(D(2000000)) == (D(20000), D(".01"))
    assert maintenance_margin(D(2000001))[1] == D(".01")


def test_P6_zero_pv_and_negative_pv() -> None:
    assert maintenance_margin(D(0)) == (0, 0)
    assert initial_margin(D(0)) == (0, 0)
    with pytest.raises(ValueError, match="position_value"):
        maintenance_margin(D(-1))


def test_P6_mm_floor_at_zero_with_custom_tiers() -> None:
    tiers = (MarginTier(D("Infinity"), D("0.01"), D(100), D("0.02")),)
    assert maintenance_margin(D(1000), tiers=tiers) == (0, D("0.01"))


def test_P6_table_selection() -> None:
    assert tiers_for("ETHUSDT") is TIERS_ETHUSDT
    assert tiers_for("") is TIERS_DEFAULT
    assert tiers_for("SOLUSDT") is TIERS_DEFAULT
    assert maintenance_margin(D(1000000), symbol="SOLUSDT") == (D(10000), D(".01"))
    assert initial_margin(D(1000000), symbol="") == (D(20000), D(".02"))
    assert all(
        table[-1].cap == D("Infinity") for table in (TIERS_DEFAULT, TIERS_ETHUSDT, tiers_for())
    )


def test_P8_account_percentages() -> None:
    assert imr_pct(D(50), D(1000)) == D(5)
    assert mmr_pct(D(25), D(1000)) == D("2.5")
    assert imr_pct(D(50), D(0)) == 0
    assert mmr_pct(D(50), D(-1)) == 0
