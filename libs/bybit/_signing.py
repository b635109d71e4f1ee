"""HMAC-SHA256 signatures of spec §2.1 (websocket auth) and §3.2 (REST)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from decimal import Decimal
from urllib.parse import quote

#: Left as-is in query values: unreserved characters, and ``%`` because Bybit's cursors
#: arrive already percent-encoded and must go back byte for byte.
_QUERY_SAFE = "-_.~%,:"


def hmac_hex(secret: str, payload: str) -> str:
    """Lowercase hex HMAC-SHA256 of ``payload`` keyed by ``secret``."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def rest_payload(timestamp_ms: int, api_key: str, recv_window_ms: int, params: str) -> str:
    """``timestamp + api_key + recv_window + (query string | body)``, as sent."""
    return f"{timestamp_ms}{api_key}{recv_window_ms}{params}"


def ws_auth_payload(expires_ms: int) -> str:
    return f"GET/realtime{expires_ms}"


def _query_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return quote(str(value), safe=_QUERY_SAFE)


def encode_query(params: Mapping[str, object]) -> str:
    """The query string in insertion order, ``None`` values dropped. This exact string
    is both signed and sent."""
    return "&".join(f"{key}={_query_value(val)}" for key, val in params.items() if val is not None)
