"""Websocket push frames → proto events, one normaliser per connection."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

import proto
from bybit.http import schemas
from bybit.http.errors import BybitParseError
from bybit.parse._fields import is_linear
from bybit.parse.account import parse_execution, parse_order, parse_position, parse_wallet
from bybit.parse.market import TickerBook, parse_trades
from bybit.ws.messages import Topic, WsFrame, decode_data, split_topic

StreamEvent = proto.MdMessage | proto.AcctMessage


class FrameNormaliser:
    """Push frames of one websocket → proto events. Holds the ticker state, so use one
    per connection (it survives reconnects: a fresh snapshot resets each symbol)."""

    def __init__(self, account_id: str = "") -> None:
        self.account_id = account_id
        self.tickers = TickerBook()

    def normalise(self, frame: WsFrame, ts_local_ns: int) -> list[StreamEvent]:
        """Raises :class:`BybitParseError` for a frame that does not fit its topic."""
        head, symbol = split_topic(frame.topic)
        data = decode_data(frame)
        try:
            return self._dispatch(head, symbol, frame, data, ts_local_ns)
        except (TypeError, ValueError) as exc:  # a struct built from out-of-range values
            raise BybitParseError(frame.topic, str(exc)) from None

    def _dispatch(
        self, head: str, symbol: str, frame: WsFrame, data: object, ts_local_ns: int
    ) -> list[StreamEvent]:
        acct = self.account_id
        match head:
            case Topic.PUBLIC_TRADE:
                return [parse_trades(symbol, data, frame.ts, ts_local_ns)]  # type: ignore[arg-type]
            case Topic.TICKERS:
                ticker = self.tickers.apply(
                    symbol,
                    data,
                    snapshot=frame.type == "snapshot",
                    cs=frame.cs,  # type: ignore[arg-type]
                    ts=frame.ts,
                    ts_local_ns=ts_local_ns,
                )
                return [ticker] if ticker is not None else []
            case Topic.ORDER:
                return [parse_order(r, acct, ts_local_ns) for r in _linear(data)]
            case Topic.EXECUTION:
                return [parse_execution(r, acct, ts_local_ns) for r in _linear(data)]
            case Topic.POSITION:
                return [
                    parse_position(r, acct, ts_local_ns, fallback_ms=frame.creationTime)
                    for r in _linear(data)
                ]
            case Topic.WALLET:
                version = frame.id or str(frame.creationTime)
                return [
                    wallet
                    for account in data  # type: ignore[attr-defined]
                    for wallet in parse_wallet(
                        account,
                        acct,
                        ts_local_ns,
                        version=version,
                        ts_exchange_ms=frame.creationTime,
                    )
                ]
        raise BybitParseError(frame.topic, "unknown topic")


_R = TypeVar("_R", schemas.Order, schemas.Execution, schemas.PositionInfo)


def _linear(rows: object) -> Iterable[_R]:
    return (row for row in rows if is_linear(row.category))  # type: ignore[attr-defined]
