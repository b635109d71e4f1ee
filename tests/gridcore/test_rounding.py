"""G-1 / G-2 price rounding and the §0 text and key helpers."""

from decimal import Decimal

import pytest

from gridcore.rounding import price_decimal, price_text, round8, round_to_tick


@pytest.mark.parametrize(
    ("x", "tick", "expected"),
    [
        (100000.15, 0.1, 100000.1),
        (100000.19, 0.1, 100000.2),
        (100000.25, 0.1, 100000.2),
        (100000.05, 0.1, 100000.0),
        (100000.155, 0.01, 100000.16),
        (100000.154, 0.01, 100000.15),
        (100000.25, 0.5, 100000.0),
        (100000.75, 0.5, 100001.0),
        (100001.25, 0.5, 100001.0),
    ],
)
def test_G2_round_to_tick_spec_examples(x: float, tick: float, expected: float) -> None:
    assert round_to_tick(x, tick) == expected


def test_G1_tick_is_nearest_double_of_the_decimal() -> None:
    """G-1: the decimal tick 0.1 becomes float 0.1 before any arithmetic."""
    assert round_to_tick(100000.15, float(Decimal("0.1"))) == 100000.1


def test_G2_half_even_tie_goes_to_even_integer() -> None:
    """G-2: round_half_even — 200000.5 ticks of 0.5 round to 200000, 200001.5 to 200002."""
    assert round_to_tick(100000.25, 0.5) == 100000.0
    assert round_to_tick(100000.75, 0.5) == 100001.0


def test_G2_fmt10_removes_multiplication_noise() -> None:
    """G-2: 1000002 × 0.1 is 100000.20000000001 in binary; fmt10 + parse gives 100000.2."""
    assert 1000002 * 0.1 == 100000.20000000001
    assert round_to_tick(100000.2, 0.1) == 100000.2
    assert round_to_tick(0.3, 0.1) == 0.3


def test_E6_round8_is_python_round_8_digits() -> None:
    assert round8(99800.000000001) == 99800.0
    assert round8(0.123456785) == round(0.123456785, 8)


@pytest.mark.parametrize(
    ("x", "text", "decimal_text"),
    [
        (100000.0, "100000.0", "100000.0"),
        (44.0, "44.0", "44.0"),
        (0.0001, "0.0001", "0.0001"),
        (1e-05, "1e-05", "0.00001"),
        (1.5e-07, "1.5e-07", "1.5E-7"),
    ],
)
def test_E8_price_decimal_from_shortest_round_trip_text(
    x: float, text: str, decimal_text: str
) -> None:
    assert price_text(x) == text
    assert str(price_decimal(x)) == decimal_text
    assert float(price_decimal(x)) == x
