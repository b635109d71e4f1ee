"""§10 quantity: Q-1 amount formats, Q-2 $5 floor, Q-3 rounding, Q-4 pipeline, Q-5 examples."""

from decimal import Decimal

import pytest

from gridcore import (
    InstrumentInfo,
    InvalidAmountError,
    PositionRiskManager,
    PositionState,
    RiskConfig,
)
from gridcore.errors import GridConfigError
from gridcore.quantity import base_qty, multiplier_decimal, order_qty, parse_amount, round_qty

BTC = InstrumentInfo(qty_step=Decimal("0.001"))


@pytest.mark.parametrize(
    ("amount", "price", "wallet", "qty"),
    [
        ("x0.001", "99800.0", "10000", "0.001"),
        ("x0.01", "30000", "10000", "0.004"),
        ("x0.1", "99800.0", "12345.67", "0.013"),
        ("100", "50000", "0", "0.002"),
        ("100", "50000", "-5", "0.002"),
        ("1", "50000", "1", "0.001"),
        ("x0.001", "50000", "0", "0"),
    ],
)
def test_Q5_examples(amount: str, price: str, wallet: str, qty: str) -> None:
    got = order_qty(amount, Decimal(price), Decimal(wallet), 1.0, BTC)
    assert got == Decimal(qty)


@pytest.mark.parametrize(
    "amount", ["", "x", "abc", "b0.01", "X0.1", "xNaN", "Infinity", "x1e", "0.1x"]
)
def test_Q1_invalid_amount_strings_raise(amount: str) -> None:
    with pytest.raises(InvalidAmountError) as info:
        parse_amount(amount)
    assert info.value.amount == amount


def test_Q1_formats() -> None:
    assert parse_amount("x0.001").kind == "wallet_fraction"
    assert parse_amount("x0.001").value == Decimal("0.001")
    assert parse_amount("100").kind == "usdt"
    assert parse_amount("1e2").value == Decimal(100)


def test_Q1_non_positive_price_gives_zero() -> None:
    assert base_qty("100", Decimal(0), Decimal(1), BTC) == 0
    assert base_qty("x0.1", Decimal(-1), Decimal(1000), BTC) == 0


def test_Q2_min_notional_floor_without_instrument_is_exact() -> None:
    assert base_qty("4.99", Decimal(40000), Decimal(0), None) == Decimal(5) / Decimal(40000)
    assert base_qty("5.01", Decimal(40000), Decimal(0), None) == Decimal("5.01") / Decimal(40000)
    assert base_qty("5", Decimal(40000), Decimal(0), None) == Decimal(5) / Decimal(40000)


def test_Q3_round_qty_is_ceiling_to_step() -> None:
    assert round_qty(Decimal("0.0001002"), Decimal("0.001")) == Decimal("0.001")
    assert round_qty(Decimal("0.002"), Decimal("0.001")) == Decimal("0.002")
    assert round_qty(Decimal("0.0020001"), Decimal("0.001")) == Decimal("0.003")
    assert round_qty(Decimal(0), Decimal("0.001")) == 0
    assert round_qty(Decimal("-1"), Decimal("0.001")) == 0


def test_Q4_multiplier_examples() -> None:
    """base 0.002 × 1.5 → 0.003; base 0.001 × 0.5 → 0.001 (rounded up)."""
    assert order_qty("100", Decimal(50000), Decimal(0), 1.5, BTC) == Decimal("0.003")
    assert order_qty("1", Decimal(50000), Decimal(0), 0.5, BTC) == Decimal("0.001")


def test_Q4_early_imbalance_example() -> None:
    """base 0.002, early-imbalance 2.0, sizes 0.5 / 0.2, no liq prices → 0.004."""
    long, short = PositionRiskManager.linked_pair(RiskConfig())
    long.observe(PositionState(size=Decimal("0.5")))
    short.observe(PositionState(size=Decimal("0.2")))
    qty = order_qty("100", Decimal(50000), Decimal(0), 1.0, BTC, early_imbalance=(2.0, long, short))
    assert qty == Decimal("0.004")
    raw = order_qty(
        "100", Decimal(50000), Decimal(0), 1.0, None, early_imbalance=(2.0, long, short)
    )
    assert str(raw) == "0.0040"


def test_Q4_multiplier_to_decimal() -> None:
    assert multiplier_decimal(0.5) == Decimal("0.5")
    assert str(multiplier_decimal(1.0)) == "1"
    assert str(multiplier_decimal(2.0)) == "2"
    assert multiplier_decimal(1.25) == Decimal("1.25")
    assert multiplier_decimal(float("inf")) is None
    assert multiplier_decimal(float("nan")) is None
    assert order_qty("100", Decimal(50000), Decimal(0), float("nan"), BTC) == 0


def test_Q4_min_and_max_qty() -> None:
    tight = InstrumentInfo(
        qty_step=Decimal("0.001"), min_qty=Decimal("0.01"), max_qty=Decimal("0.5")
    )
    assert order_qty("100", Decimal(50000), Decimal(0), 1.0, tight) == 0
    assert order_qty("100000", Decimal(50000), Decimal(0), 1.0, tight) == Decimal("0.5")
    assert order_qty("100", Decimal(50000), Decimal(0), 1.0, tight, apply_limits=False) == Decimal(
        "0.002"
    )


def test_Q4_instrument_defaults() -> None:
    assert (BTC.min_qty, BTC.max_qty) == (Decimal("0.001"), Decimal("1000"))


def test_Q4_bad_instrument_names_the_field() -> None:
    with pytest.raises(GridConfigError) as info:
        InstrumentInfo(qty_step=Decimal(0))
    assert info.value.field == "qty_step"
