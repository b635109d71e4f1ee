"""Structs that enforce their declared constraints however they are built.

msgspec checks ``Meta`` constraints (``gt``, ``ge``, ``min_length``, …) only while
decoding; a config constructed in code would skip them (``RecorderConfig(batch_size=0)``).
:class:`CheckedStruct` checks the same constraints at construction and raises
``ValueError`` naming the field, as a decoded bad value would.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import msgspec
import msgspec.inspect as mi

__all__ = ["CheckedStruct", "check_constraints"]

Check = Callable[[Any], str | None]


def _bounds(info: Any) -> list[Check]:
    checks: list[Check] = []
    for name, op, text in (
        ("gt", lambda v, b: v > b, ">"),
        ("ge", lambda v, b: v >= b, ">="),
        ("lt", lambda v, b: v < b, "<"),
        ("le", lambda v, b: v <= b, "<="),
    ):
        bound = getattr(info, name, None)
        if bound is not None:
            checks.append(
                lambda v, b=bound, op=op, t=text: (
                    None if op(v, b) else f"must be {t} {b}, got {v!r}"
                )
            )
    return checks


def _lengths(info: Any) -> list[Check]:
    checks: list[Check] = []
    low, high = getattr(info, "min_length", None), getattr(info, "max_length", None)
    if low is not None:
        checks.append(lambda v: None if len(v) >= low else f"needs at least {low} item(s)")
    if high is not None:
        checks.append(lambda v: None if len(v) <= high else f"takes at most {high} item(s)")
    return checks


def _checks(info: Any) -> Check | None:
    """One check for a field's type info, or None when it declares no constraint."""
    own = _bounds(info) if isinstance(info, mi.IntType | mi.FloatType) else []
    if isinstance(info, mi.StrType | mi.VarTupleType | mi.ListType | mi.BytesType):
        own += _lengths(info)
    item = _checks(info.item_type) if isinstance(info, mi.VarTupleType | mi.ListType) else None
    if not own and item is None:
        return None

    def check(value: Any) -> str | None:
        if value is None:
            return None
        for one in own:
            if (problem := one(value)) is not None:
                return problem
        if item is not None:
            for i, element in enumerate(value):
                if (problem := item(element)) is not None:
                    return f"[{i}] {problem}"
        return None

    return check


@functools.cache
def _field_checks(cls: type) -> tuple[tuple[str, Check], ...]:
    out = []
    for field in mi.type_info(cls).fields:  # type: ignore[union-attr]
        info = field.type
        if isinstance(info, mi.UnionType):  # `X | None`: the constraint of X
            members = [t for t in info.types if not isinstance(t, mi.NoneType)]
            info = members[0] if len(members) == 1 else info
        check = _checks(info)
        if check is not None:
            out.append((field.name, check))
    return tuple(out)


def check_constraints(obj: msgspec.Struct) -> None:
    """Raise ``ValueError("<field>: <problem>")`` for the first violated constraint."""
    for name, check in _field_checks(type(obj)):
        problem = check(getattr(obj, name))
        if problem is not None:
            raise ValueError(f"{name}: {problem}")


class CheckedStruct(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A frozen config Struct that checks its constraints when constructed in code too.
    Subclasses with their own ``__post_init__`` call ``super().__post_init__()``."""

    def __post_init__(self) -> None:
        check_constraints(self)
