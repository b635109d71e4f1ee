"""Normaliser: Bybit frames and REST rows → proto events (linear category only).

Every ``parse_*`` takes ``ts_local_ns`` from the caller (receipt time) and derives a
stable ``event_id`` that REST back-fill and WS share where Bybit gives the same fields:

* trade frame ``trade:{symbol}:{first_trade_id}:{last_trade_id}``
* ticker ``ticker:{symbol}:{cs}:{ts}`` (REST: ``ticker:{symbol}:rest:{time}``)
* order ``order:{orderId}:{updatedTime}:{orderStatus}:{cumExecQty}``
* execution ``exec:{execId}``
* position ``position:{account_id}:{symbol}:{positionIdx}:{seq or updatedTime}``
* wallet ``wallet:{account_id}:{coin}:{frame id or creationTime}`` (REST: envelope ``time``)

Anything that does not fit raises :class:`bybit.BybitParseError`.
"""

from bybit.parse._fields import LINEAR
from bybit.parse.account import parse_execution, parse_order, parse_position, parse_wallet
from bybit.parse.frames import FrameNormaliser, StreamEvent
from bybit.parse.market import TickerBook, parse_recent_trades, parse_rest_ticker, parse_trades

__all__ = [
    "LINEAR",
    "FrameNormaliser",
    "StreamEvent",
    "TickerBook",
    "parse_execution",
    "parse_order",
    "parse_position",
    "parse_recent_trades",
    "parse_rest_ticker",
    "parse_trades",
    "parse_wallet",
]
