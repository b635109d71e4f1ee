"""Bybit V5 adapter: signed REST, reconnecting websockets, and the normaliser to proto.

See ``README.md`` next to this file for the public API, config, error tree, rate
limiting and reconnect behaviour.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bybit.config import BybitConfig, Secret, config_from_env, load_config
    from bybit.http.account import BybitAccountHttpAPI
    from bybit.http.client import BybitHttpClient, ClientState, Reply
    from bybit.http.errors import (
        RET_CODE_ERRORS,
        BybitApiError,
        BybitAuthError,
        BybitConnectionError,
        BybitDuplicateOrderError,
        BybitError,
        BybitInsufficientBalanceError,
        BybitInvalidRequestError,
        BybitNotModifiedError,
        BybitOrderBusyError,
        BybitOrderClosedError,
        BybitOrderNotFoundError,
        BybitOrderRejectedError,
        BybitParseError,
        BybitRateLimitError,
        BybitRequestError,
        BybitServerError,
        BybitTimeoutError,
        BybitTimestampError,
        BybitTransportError,
        BybitWsError,
        error_for,
    )
    from bybit.http.market import BybitMarketHttpAPI
    from bybit.http.schemas import CancelOrder, PlaceOrder
    from bybit.http.trade import BatchOutcome, BybitTradeHttpAPI, decimal_str
    from bybit.parse import FrameNormaliser, StreamEvent, TickerBook
    from bybit.ratelimit import RateLimiter
    from bybit.urls import BybitUrls, Environment, sim_urls, urls_for
    from bybit.ws._outages import Disconnect
    from bybit.ws.client import BybitWebSocketClient, WsState
    from bybit.ws.messages import PRIVATE_TOPICS, Topic

#: Public name → defining module, imported on first use (PEP 562): a command that needs
#: one light name does not pay for every client library of the package.
_EXPORTS = {
    "BybitConfig": "bybit.config",
    "Secret": "bybit.config",
    "config_from_env": "bybit.config",
    "load_config": "bybit.config",
    "BybitAccountHttpAPI": "bybit.http.account",
    "BybitHttpClient": "bybit.http.client",
    "ClientState": "bybit.http.client",
    "Reply": "bybit.http.client",
    "RET_CODE_ERRORS": "bybit.http.errors",
    "BybitApiError": "bybit.http.errors",
    "BybitAuthError": "bybit.http.errors",
    "BybitConnectionError": "bybit.http.errors",
    "BybitDuplicateOrderError": "bybit.http.errors",
    "BybitError": "bybit.http.errors",
    "BybitInsufficientBalanceError": "bybit.http.errors",
    "BybitInvalidRequestError": "bybit.http.errors",
    "BybitNotModifiedError": "bybit.http.errors",
    "BybitOrderBusyError": "bybit.http.errors",
    "BybitOrderClosedError": "bybit.http.errors",
    "BybitOrderNotFoundError": "bybit.http.errors",
    "BybitOrderRejectedError": "bybit.http.errors",
    "BybitParseError": "bybit.http.errors",
    "BybitRateLimitError": "bybit.http.errors",
    "BybitRequestError": "bybit.http.errors",
    "BybitServerError": "bybit.http.errors",
    "BybitTimeoutError": "bybit.http.errors",
    "BybitTimestampError": "bybit.http.errors",
    "BybitTransportError": "bybit.http.errors",
    "BybitWsError": "bybit.http.errors",
    "error_for": "bybit.http.errors",
    "BybitMarketHttpAPI": "bybit.http.market",
    "CancelOrder": "bybit.http.schemas",
    "PlaceOrder": "bybit.http.schemas",
    "BatchOutcome": "bybit.http.trade",
    "BybitTradeHttpAPI": "bybit.http.trade",
    "decimal_str": "bybit.http.trade",
    "FrameNormaliser": "bybit.parse",
    "StreamEvent": "bybit.parse",
    "TickerBook": "bybit.parse",
    "RateLimiter": "bybit.ratelimit",
    "BybitUrls": "bybit.urls",
    "Environment": "bybit.urls",
    "sim_urls": "bybit.urls",
    "urls_for": "bybit.urls",
    "Disconnect": "bybit.ws._outages",
    "BybitWebSocketClient": "bybit.ws.client",
    "WsState": "bybit.ws.client",
    "PRIVATE_TOPICS": "bybit.ws.messages",
    "Topic": "bybit.ws.messages",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "PRIVATE_TOPICS",
    "RET_CODE_ERRORS",
    "BatchOutcome",
    "BybitAccountHttpAPI",
    "BybitApiError",
    "BybitAuthError",
    "BybitConfig",
    "BybitConnectionError",
    "BybitDuplicateOrderError",
    "BybitError",
    "BybitHttpClient",
    "BybitInsufficientBalanceError",
    "BybitInvalidRequestError",
    "BybitMarketHttpAPI",
    "BybitNotModifiedError",
    "BybitOrderBusyError",
    "BybitOrderClosedError",
    "BybitOrderNotFoundError",
    "BybitOrderRejectedError",
    "BybitParseError",
    "BybitRateLimitError",
    "BybitRequestError",
    "BybitServerError",
    "BybitTimeoutError",
    "BybitTimestampError",
    "BybitTradeHttpAPI",
    "BybitTransportError",
    "BybitUrls",
    "BybitWebSocketClient",
    "BybitWsError",
    "CancelOrder",
    "ClientState",
    "Disconnect",
    "Environment",
    "FrameNormaliser",
    "PlaceOrder",
    "RateLimiter",
    "Reply",
    "Secret",
    "StreamEvent",
    "TickerBook",
    "Topic",
    "WsState",
    "config_from_env",
    "decimal_str",
    "error_for",
    "load_config",
    "sim_urls",
    "urls_for",
]
