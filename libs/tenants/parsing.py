"""Decoding strategies and accounts from mappings, JSON and strategy files, with errors
that name the field (``strategy 'btc1': risk.min_liq_ratio: must be > 0``)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import msgspec

from gridcore import GridConfigError
from tenants.errors import ConfigFieldError, TenantError
from tenants.models import AccountSpec, StrategySpec

__all__ = ["StrategyFileResult", "load_strategy_file", "parse_account", "parse_strategy"]

_T = TypeVar("_T", StrategySpec, AccountSpec)
_AT_PATH = re.compile(r" - at `\$\.?(?P<path>[^`]*)`$")
_UNKNOWN = re.compile(r"unknown field `(?P<name>[^`]+)`")
_MISSING = re.compile(r"missing required field `(?P<name>[^`]+)`")
DOCUMENT = "(document)"


class StrategyFileResult(NamedTuple):
    """Strategies that validated, and one error per strategy that did not (from a file or
    the database): a bad entry never hides the good ones."""

    strategies: list[StrategySpec]
    errors: list[ConfigFieldError]


def _join(path: str, field: str) -> str:
    return f"{path}.{field}" if path else field


def field_error(exc: msgspec.ValidationError) -> ConfigFieldError:
    """msgspec's ``... - at `$.risk``` plus the field our own checks raised, as one path."""
    text = str(exc)
    match = _AT_PATH.search(text)
    path = match["path"] if match else ""
    message = text[: match.start()] if match else text
    cause = exc.__cause__
    if isinstance(cause, ConfigFieldError | GridConfigError):
        return ConfigFieldError(_join(path, cause.field), cause.reason)
    if unknown := _UNKNOWN.search(message):
        return ConfigFieldError(_join(path, unknown["name"]), "unknown field")
    if missing := _MISSING.search(message):
        return ConfigFieldError(_join(path, missing["name"]), "required")
    return ConfigFieldError(path or DOCUMENT, message)


def _as_mapping(data: Mapping[str, Any] | bytes | str) -> Mapping[str, Any]:
    if isinstance(data, bytes | str):
        try:
            data = msgspec.json.decode(data)
        except msgspec.DecodeError as exc:
            raise ConfigFieldError(DOCUMENT, f"invalid JSON: {exc}") from None
    if not isinstance(data, Mapping):
        raise ConfigFieldError(DOCUMENT, f"must be an object, got {type(data).__name__}")
    return data


def _convert(data: Mapping[str, Any], kind: type[_T], strict: bool) -> _T:
    try:
        return msgspec.convert(dict(data), kind, strict=strict)
    except msgspec.ValidationError as exc:
        raise field_error(exc) from None


def _label(kind: str, data: Mapping[str, Any], key: str, fallback: str | None = None) -> str:
    ident = data.get(key)
    if isinstance(ident, str) and ident:
        return f"{kind} {ident!r}"
    return fallback or kind


def parse_strategy(
    data: Mapping[str, Any] | bytes | str, *, strict: bool = True, context: str | None = None
) -> StrategySpec:
    """A validated :class:`StrategySpec`; ``ConfigFieldError`` names the bad field.

    ``strict=False`` accepts numbers and booleans written as strings (CLI flags).
    """
    try:
        mapping = _as_mapping(data)
    except ConfigFieldError as exc:
        raise exc.with_context(context or "strategy") from None
    try:
        return _convert(mapping, StrategySpec, strict)
    except ConfigFieldError as exc:
        raise exc.with_context(_label("strategy", mapping, "strategy_id", context)) from None


def parse_account(data: Mapping[str, Any] | bytes | str, *, strict: bool = True) -> AccountSpec:
    """A validated :class:`AccountSpec`; ``ConfigFieldError`` names the bad field."""
    try:
        mapping = _as_mapping(data)
    except ConfigFieldError as exc:
        raise exc.with_context("account") from None
    try:
        return _convert(mapping, AccountSpec, strict)
    except ConfigFieldError as exc:
        raise exc.with_context(_label("account", mapping, "account_id")) from None


def _read_document(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TenantError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        if path.suffix.lower() == ".toml":
            return tomllib.loads(raw.decode())
        if path.suffix.lower() == ".json":
            return msgspec.json.decode(raw)
    except (tomllib.TOMLDecodeError, msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise ConfigFieldError(
            DOCUMENT, f"invalid {path.suffix[1:]}: {exc}", context=str(path)
        ) from None
    raise ConfigFieldError(DOCUMENT, "must be a .toml or .json file", context=str(path))


def load_strategy_file(path: str | Path) -> StrategyFileResult:
    """Every strategy of ``{strategies = [{...}, ...]}`` in a TOML or JSON file.

    A bad strategy lands in ``errors`` and the others are still returned; a file that
    cannot be read or has no ``strategies`` list raises.
    """
    path = Path(path)
    document = _read_document(path)
    if not isinstance(document, Mapping):
        raise ConfigFieldError(DOCUMENT, "must be an object", context=str(path))
    for key in document:
        if key != "strategies":
            raise ConfigFieldError(str(key), "unknown field", context=str(path))
    entries = document.get("strategies")
    if not isinstance(entries, list):
        raise ConfigFieldError("strategies", "must be a list of strategies", context=str(path))
    good: list[StrategySpec] = []
    errors: list[ConfigFieldError] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        try:
            spec = parse_strategy(entry, context=f"strategies[{index}]")
        except ConfigFieldError as exc:
            errors.append(exc)
            continue
        if spec.strategy_id in seen:
            errors.append(
                ConfigFieldError(
                    "strategy_id",
                    "appears twice in the file",
                    context=f"strategy {spec.strategy_id!r}",
                )
            )
            continue
        seen.add(spec.strategy_id)
        good.append(spec)
    return StrategyFileResult(good, errors)
