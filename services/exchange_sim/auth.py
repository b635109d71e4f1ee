"""Bybit V5 request signatures, checked over the raw bytes the client sent.

REST: `sign = hex(HMAC_SHA256(secret, timestamp + api_key + recv_window + payload))` where
payload is the raw query string (GET) or the raw body (POST). Checked in this order:
unknown/missing key -> 10003; missing/non-integer timestamp or recv window -> 10001;
timestamp outside `[now - recv_window, now + 1000)` by the *wall* clock -> 10002;
missing or wrong sign -> 10004.
"""

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any, Protocol

from services.exchange_sim.clock import wall_ms
from venue.errors import BybitError, RetCode

__all__ = ["sign", "verify_rest", "verify_ws_auth"]

DEFAULT_RECV_WINDOW = 5000
FUTURE_TOLERANCE_MS = 1000


class _HasSecret(Protocol):
    api_secret: str


def sign(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def _int_header(headers: Mapping[str, str], name: str, default: int | None) -> int:
    text = headers.get(name)
    if text is None or text == "":
        if default is None:
            raise BybitError.param(name, "is required")
        return default
    try:
        return int(text)
    except ValueError:
        raise BybitError.param(name, "must be an integer") from None


def verify_rest(
    headers: Mapping[str, str], payload: str, accounts: Mapping[str, _HasSecret]
) -> str:
    """Return the api key of a correctly signed request, else raise BybitError."""
    api_key = headers.get("X-BAPI-API-KEY", "")
    account = accounts.get(api_key)
    if account is None:
        raise BybitError(RetCode.API_KEY)
    timestamp = _int_header(headers, "X-BAPI-TIMESTAMP", None)
    recv_window = _int_header(headers, "X-BAPI-RECV-WINDOW", DEFAULT_RECV_WINDOW)
    now = wall_ms()
    if not (now - recv_window <= timestamp < now + FUTURE_TOLERANCE_MS):
        raise BybitError(
            RetCode.TIMESTAMP,
            "invalid request, please check your server timestamp or recv_window param. "
            f"req_timestamp[{timestamp}],server_timestamp[{now}],recv_window[{recv_window}]",
        )
    origin = f"{headers.get('X-BAPI-TIMESTAMP')}{api_key}{headers.get('X-BAPI-RECV-WINDOW', '')}"
    expected = sign(account.api_secret, origin + payload)
    given = headers.get("X-BAPI-SIGN", "")
    if not hmac.compare_digest(expected, given.lower()):
        raise BybitError(RetCode.SIGN, f"error sign! origin_string[{origin}{payload}]")
    return api_key


def verify_ws_auth(args: Any, accounts: Mapping[str, _HasSecret]) -> str:
    """Check `["api_key", expires, "sign"]`; `expires` may be a JSON int or a digit string."""
    if not isinstance(args, list) or len(args) != 3:
        raise BybitError(RetCode.PARAMS, "Params Error")
    api_key, expires, signature = args
    if isinstance(expires, bool) or not isinstance(expires, int | str):
        raise BybitError(RetCode.PARAMS, "Params Error")
    expires_text = str(expires)
    if not expires_text.isdigit() or not isinstance(signature, str):
        raise BybitError(RetCode.PARAMS, "Params Error")
    account = accounts.get(api_key) if isinstance(api_key, str) else None
    if account is None:
        raise BybitError(RetCode.API_KEY, "error:api key invalid")
    if int(expires_text) <= wall_ms():
        raise BybitError(RetCode.TIMESTAMP, "Params Error: request expired")
    expected = sign(account.api_secret, "GET/realtime" + expires_text)
    if not hmac.compare_digest(expected, signature.lower()):
        raise BybitError(RetCode.SIGN, "error:signature verification failed")
    return api_key
