"""Bybit V5 adapter: signed REST, reconnecting websockets, and the normaliser to proto.

See ``README.md`` next to this file for the public API, config, error tree, rate
limiting and reconnect behaviour.
"""

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
