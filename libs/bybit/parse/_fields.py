"""Field converters shared by the normalisers: Bybit strings → Decimal, ms, enums."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import NoReturn, TypeVar

from bybit.http.errors import BybitParseError

LINEAR = "linear"
_E = TypeVar("_E", bound=StrEnum)


def dec(value: str, field: str) -> Decimal:
    """A required number: ``""`` or garbage is a parse error."""
    try:
        return Decimal(value) if value else missing(field)
    except InvalidOperation:
        raise BybitParseError(field, f"not a number: {value!r}") from None


def dec0(value: str, field: str) -> Decimal:
    """A number where ``""`` means zero (fees, PnL, leaves on some rows)."""
    return dec(value, field) if value else Decimal(0)


def opt_dec(value: str | None, field: str) -> Decimal | None:
    return dec(value, field) if value else None


def ms(value: str, field: str) -> int:
    try:
        return int(value) if value else missing(field)
    except ValueError:
        raise BybitParseError(field, f"not ms: {value!r}") from None


def enum_of(cls: type[_E], value: str, field: str) -> _E:
    try:
        return cls(value)
    except ValueError:
        raise BybitParseError(field, f"unknown {cls.__name__} {value!r}") from None


def missing(field: str) -> NoReturn:
    raise BybitParseError(field, "missing")


def is_linear(category: str) -> bool:
    """REST rows have no ``category`` (queried as linear); WS rows say it."""
    return category in ("", LINEAR)
