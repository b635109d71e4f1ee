"""§7 order identity: I-1 client_order_id vectors, I-2 wire orderLinkId, I-3 prefix."""

import hashlib
from decimal import Decimal

import pytest

from gridcore import OrderLinkIdTooLongError, client_order_id, order_link_id, order_link_prefix
from gridcore.rounding import price_decimal


@pytest.mark.parametrize(
    ("side", "price", "direction", "expected"),
    [
        ("Buy", "99800.0", "long", "5913771b821dadb9"),
        ("Sell", "100200.0", "long", "d41f83a04dee75ba"),
        ("Buy", "99800.0", "short", "3f379268492a569d"),
    ],
)
def test_I1_vectors_with_strat_id(side: str, price: str, direction: str, expected: str) -> None:
    assert client_order_id("BTCUSDT", side, Decimal(price), direction, "btcusdt_test") == expected


def test_I1_vector_without_strat_id_pre_0080_form() -> None:
    assert client_order_id("BTCUSDT", "Buy", Decimal("50000.0"), "long", None) == "bedf732012a9abc1"


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (100000.0, "100000.0"),
        (44.0, "44.0"),
        (0.0001, "0.0001"),
        (1e-05, "0.00001"),
        (1.5e-07, "1.5E-7"),
    ],
)
def test_I1_price_is_decimal_string_of_shortest_float_text(x: float, text: str) -> None:
    expected = hashlib.sha256(f"s_SYM_Buy_{text}_long".encode()).hexdigest()[:16]
    assert client_order_id("SYM", "Buy", price_decimal(x), "long", "s") == expected


def test_I1_id_is_16_lowercase_hex_and_ignores_qty_level_and_flags() -> None:
    cid = client_order_id("BTCUSDT", "Sell", Decimal("100200.0"), "short", "x")
    assert len(cid) == 16 and cid == cid.lower() and int(cid, 16) >= 0


def test_I2_order_link_id_is_id_dash_epoch_ms_30_chars() -> None:
    link = order_link_id("5913771b821dadb9", 1767225600000)
    assert link == "5913771b821dadb9-1767225600000"
    assert len(link) == 30


def test_I2_order_link_id_over_36_chars_raises() -> None:
    with pytest.raises(OrderLinkIdTooLongError):
        order_link_id("5913771b821dadb9abcdefg", 1767225600000)
    assert len(order_link_id("5913771b821dadb9abcdef", 1767225600000)) == 36


@pytest.mark.parametrize(
    ("link", "prefix"),
    [
        (None, None),
        ("", None),
        ("-foo", None),
        ("abc", "abc"),
        ("5913771b821dadb9-1767225600000", "5913771b821dadb9"),
        ("a-b-c", "a"),
    ],
)
def test_I3_prefix_extraction(link: str | None, prefix: str | None) -> None:
    assert order_link_prefix(link) == prefix
