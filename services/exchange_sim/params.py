"""Typed access to request parameters; every problem is a 10001 naming the parameter.

GET parameters arrive as strings, POST bodies as JSON values; both are accepted where Bybit
clients differ (numbers as strings or JSON numbers, booleans as true/"true").
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from venue.errors import BybitError
from venue.numbers import parse_decimal

__all__ = ["Params"]

_MISSING = object()


class Params:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def has(self, name: str) -> bool:
        value = self._data.get(name)
        return value is not None and value != ""

    def _raw(self, name: str, required: bool) -> Any:
        value = self._data.get(name, _MISSING)
        if value is _MISSING or value is None or value == "":
            if required:
                raise BybitError.param(name, "is required")
            return _MISSING
        return value

    def text(
        self,
        name: str,
        *,
        required: bool = False,
        default: str = "",
        choices: Iterable[str] | None = None,
    ) -> str:
        value = self._raw(name, required)
        if value is _MISSING:
            return default
        if not isinstance(value, str):
            raise BybitError.param(name, "must be a string")
        if choices is not None and value not in set(choices):
            raise BybitError.param(name, f"invalid: {value!r}")
        return value

    def number(self, name: str, *, required: bool = False) -> Decimal | None:
        value = self._raw(name, required)
        if value is _MISSING:
            return None
        parsed = parse_decimal(value)
        if parsed is None:
            raise BybitError.param(name, f"must be a decimal number, got {value!r}")
        return parsed

    def required_number(self, name: str) -> Decimal:
        value = self.number(name, required=True)
        assert value is not None  # required: missing raises
        return value

    def integer(
        self,
        name: str,
        *,
        default: int | None = None,
        lo: int | None = None,
        hi: int | None = None,
    ) -> int:
        value = self._raw(name, default is None)
        if value is _MISSING:
            assert default is not None
            return default
        if isinstance(value, bool):
            raise BybitError.param(name, "must be an integer")
        try:
            parsed = int(value) if isinstance(value, int | str) else int(str(value))
        except ValueError:
            raise BybitError.param(name, f"must be an integer, got {value!r}") from None
        if isinstance(value, float) and value != parsed:
            raise BybitError.param(name, f"must be an integer, got {value!r}")
        if (lo is not None and parsed < lo) or (hi is not None and parsed > hi):
            raise BybitError.param(name, f"out of range [{lo}, {hi}]: {parsed}")
        return parsed

    def flag(self, name: str, *, default: bool = False) -> bool:
        value = self._raw(name, False)
        if value is _MISSING:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise BybitError.param(name, f"must be a boolean, got {value!r}")

    def objects(self, name: str, *, max_items: int) -> list[Mapping[str, Any]]:
        value = self._raw(name, True)
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise BybitError.param(name, "must be a list of objects")
        if not value:
            raise BybitError.param(name, "must not be empty")
        if len(value) > max_items:
            raise BybitError.param(name, f"has more than {max_items} items")
        return value

    def category(self, *, allowed: Iterable[str] = ("linear",)) -> str:
        category = self.text("category", required=True)
        if category not in ("linear", "spot", "inverse", "option"):
            raise BybitError.param("category", f"invalid: {category!r}")
        if category not in set(allowed):
            raise BybitError.param("category", f"only linear is supported, got {category!r}")
        return category
