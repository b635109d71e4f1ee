"""Adapter configuration: one frozen Struct, decoded once at the edge.

Every field lists its default and the environment variable :func:`config_from_env` reads.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping
from typing import Annotated, Any, Final

import msgspec

from bybit.urls import BybitUrls, Environment, urls_for
from checked import CheckedStruct

PositiveInt = Annotated[int, msgspec.Meta(gt=0)]
NonNegativeInt = Annotated[int, msgspec.Meta(ge=0)]
PositiveFloat = Annotated[float, msgspec.Meta(gt=0)]
_MASK: Final = "Secret('********')"


class Secret:
    """A string that never shows itself: ``repr``, ``str`` and ``format`` print a mask.

    Call :meth:`reveal` at the single place the value is needed (the HMAC key).
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return _MASK

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return _MASK

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> Any:
        raise TypeError("Secret cannot be pickled")


class BybitConfig(CheckedStruct, frozen=True):
    """Settings of one Bybit account (key) and its connections."""

    #: API key. Default ``""`` (public endpoints only). Env ``BYBIT_API_KEY``.
    api_key: str = ""
    #: API secret. Default empty. Env ``BYBIT_API_SECRET``.
    api_secret: Secret = Secret("")
    #: gridtwin account id stamped on private events. Default ``"default"``.
    #: Env ``BYBIT_ACCOUNT_ID``.
    account_id: str = "default"
    #: ``mainnet`` | ``testnet`` | ``demo``. Default ``mainnet``. Env ``BYBIT_ENVIRONMENT``.
    environment: Environment = Environment.MAINNET
    #: Overrides of the environment's URLs (simulator). Default ``""``.
    #: Env ``BYBIT_REST_URL``, ``BYBIT_WS_PUBLIC_URL``, ``BYBIT_WS_PRIVATE_URL``.
    rest_url: str = ""
    ws_public_url: str = ""
    ws_private_url: str = ""
    #: ``X-BAPI-RECV-WINDOW`` in ms. Default 5000. Env ``BYBIT_RECV_WINDOW_MS``.
    recv_window_ms: PositiveInt = 5000
    #: Timeout of every REST call (connect + answer), seconds. Default 10.
    #: Env ``BYBIT_REQUEST_TIMEOUT_S``.
    request_timeout_s: PositiveFloat = 10.0
    #: Sync the server-time offset via ``/v5/market/time`` when a client opens. Default true.
    #: Env ``BYBIT_TIME_SYNC``.
    time_sync: bool = True
    #: Retries after a rate-limit answer (each waits until the reset time). Default 3.
    #: Env ``BYBIT_RATE_LIMIT_RETRIES``.
    rate_limit_retries: NonNegativeInt = 3
    #: JSON ping period on every websocket, seconds. Default 20. Env ``BYBIT_WS_PING_INTERVAL_S``.
    ws_ping_interval_s: PositiveFloat = 20.0
    #: A socket silent for ping interval + this is stale and reconnected. Default 10.
    #: Env ``BYBIT_WS_PONG_TIMEOUT_S``.
    ws_pong_timeout_s: PositiveFloat = 10.0
    #: Timeout of connect, auth and subscribe acks, seconds. Default 10.
    #: Env ``BYBIT_WS_OPEN_TIMEOUT_S``.
    ws_open_timeout_s: PositiveFloat = 10.0
    #: Reconnect backoff: full jitter over ``min * 2**attempt`` capped at ``max``.
    #: Defaults 0.5 and 30. Env ``BYBIT_WS_RECONNECT_MIN_S``, ``BYBIT_WS_RECONNECT_MAX_S``.
    ws_reconnect_min_s: PositiveFloat = 0.5
    ws_reconnect_max_s: PositiveFloat = 30.0
    #: Bound of each websocket's event queue. Default 10000. Env ``BYBIT_WS_QUEUE_SIZE``.
    ws_queue_size: PositiveInt = 10_000
    #: Lifetime of the private-WS auth signature, seconds. Default 10.
    #: Env ``BYBIT_WS_AUTH_EXPIRES_S``.
    ws_auth_expires_s: PositiveFloat = 10.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.api_secret, str):  # plain str passed to the constructor
            msgspec.structs.force_setattr(self, "api_secret", Secret(self.api_secret))

    @property
    def urls(self) -> BybitUrls:
        base = urls_for(self.environment)
        return BybitUrls(
            rest=(self.rest_url or base.rest).rstrip("/"),
            ws_public=self.ws_public_url or base.ws_public,
            ws_private=self.ws_private_url or base.ws_private,
        )

    @property
    def has_credentials(self) -> bool:
        return bool(self.api_key) and bool(self.api_secret)


def _dec_hook(type_: type, obj: Any) -> Any:
    if type_ is Secret and isinstance(obj, str):
        return Secret(obj)
    raise NotImplementedError(f"cannot decode {type(obj).__name__} as {type_.__name__}")


def load_config(data: Mapping[str, Any]) -> BybitConfig:
    """Build a config from a mapping; a bad value raises ``msgspec.ValidationError`` naming
    the field's path."""
    return msgspec.convert(dict(data), BybitConfig, dec_hook=_dec_hook, strict=False)


def config_from_env(
    environ: Mapping[str, str] | None = None, prefix: str = "BYBIT_"
) -> BybitConfig:
    """Read every field from ``{prefix}{FIELD_NAME_UPPER}`` when set."""
    env = os.environ if environ is None else environ
    data = {
        name: env[prefix + name.upper()]
        for name in BybitConfig.__struct_fields__
        if prefix + name.upper() in env
    }
    return load_config(data)
