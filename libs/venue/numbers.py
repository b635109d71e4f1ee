"""Decimal helpers: Bybit sends every number as a string."""

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal(0)
ONE = Decimal(1)
_Q8 = Decimal("0.00000001")


def fmt(value: Decimal) -> str:
    """Plain decimal text without exponent or trailing zeros ("0", "12.5", "0.0001")."""
    if not value:
        return "0"
    text = format(value.normalize(), "f")
    return text


def fmt8(value: Decimal) -> str:
    """Money value rounded to 8 decimals, trailing zeros dropped."""
    return fmt(value.quantize(_Q8, rounding=ROUND_HALF_UP))


def fmt_scaled(value: Decimal, step: Decimal) -> str:
    """Text with as many decimals as `step` (a tick or qty step), e.g. 0.10 -> "30000.00"."""
    exponent = step.as_tuple().exponent
    if isinstance(exponent, int) and exponent < 0:
        return format(value.quantize(Decimal(1).scaleb(exponent)), "f")
    return format(value.quantize(ONE, rounding=ROUND_HALF_UP), "f")


def on_grid(value: Decimal, step: Decimal) -> bool:
    return value % step == 0


def floor_to(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_DOWN) * step


def parse_decimal(text: object) -> Decimal | None:
    """A finite Decimal from a JSON string/number, or None when it is not one."""
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        return None
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
