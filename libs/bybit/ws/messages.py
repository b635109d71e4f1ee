"""Websocket frames (spec §1-2): one envelope decode, then the ``data`` by topic.

A frame is decoded once into :class:`WsFrame`; its ``data`` stays raw until the topic says
what it holds, so control frames (pong, acks) cost one small decode.
"""

from __future__ import annotations

import enum
from typing import Final

import msgspec

from bybit.http.errors import BybitParseError
from bybit.http.schemas import Execution, Order, PositionInfo, WalletAccount


class WsFrame(msgspec.Struct):
    """Any frame: data push (``topic``) or control answer (``op``)."""

    topic: str = ""
    type: str = ""
    ts: int = 0
    cs: int | None = None
    id: str = ""
    creationTime: int = 0
    data: msgspec.Raw = msgspec.Raw(b"null")
    op: str = ""
    success: bool | None = None
    ret_msg: str = ""
    req_id: str = ""
    conn_id: str = ""


class WsTrade(msgspec.Struct):
    """One ``publicTrade`` item."""

    T: int
    s: str
    S: str
    v: str
    p: str
    i: str
    L: str = ""
    BT: bool = False
    seq: int | None = None


class WsTicker(msgspec.Struct):
    """``tickers`` data: a snapshot, or a delta where ``None`` means "unchanged"."""

    symbol: str | None = None
    lastPrice: str | None = None
    markPrice: str | None = None
    indexPrice: str | None = None
    bid1Price: str | None = None
    bid1Size: str | None = None
    ask1Price: str | None = None
    ask1Size: str | None = None
    fundingRate: str | None = None
    nextFundingTime: str | None = None
    volume24h: str | None = None
    turnover24h: str | None = None
    openInterest: str | None = None


class Topic(enum.StrEnum):
    PUBLIC_TRADE = "publicTrade"
    TICKERS = "tickers"
    ORDER = "order"
    EXECUTION = "execution"
    POSITION = "position"
    WALLET = "wallet"


PRIVATE_TOPICS: Final = (Topic.ORDER, Topic.EXECUTION, Topic.POSITION, Topic.WALLET)


def public_topic(topic: Topic, symbol: str) -> str:
    return f"{topic.value}.{symbol}"


def split_topic(topic: str) -> tuple[str, str]:
    """``"publicTrade.BTCUSDT"`` → ``("publicTrade", "BTCUSDT")``; private topics have no symbol."""
    head, _, rest = topic.partition(".")
    return head, rest


_frame_decoder: Final = msgspec.json.Decoder(WsFrame)
_data_decoders: Final[dict[str, msgspec.json.Decoder[object]]] = {
    Topic.PUBLIC_TRADE: msgspec.json.Decoder(list[WsTrade]),
    Topic.TICKERS: msgspec.json.Decoder(WsTicker),
    Topic.ORDER: msgspec.json.Decoder(list[Order]),
    Topic.EXECUTION: msgspec.json.Decoder(list[Execution]),
    Topic.POSITION: msgspec.json.Decoder(list[PositionInfo]),
    Topic.WALLET: msgspec.json.Decoder(list[WalletAccount]),
}


def decode_frame(raw: bytes | str) -> WsFrame:
    try:
        return _frame_decoder.decode(raw)
    except msgspec.DecodeError as exc:
        raise BybitParseError("ws frame", str(exc)) from None


def decode_data(frame: WsFrame) -> object:
    """The typed ``data`` of a push frame (``list[WsTrade]``, ``WsTicker``, ``list[Order]`` …)."""
    head, _ = split_topic(frame.topic)
    decoder = _data_decoders.get(head)
    if decoder is None:
        raise BybitParseError(frame.topic or "ws frame", "unknown topic")
    try:
        return decoder.decode(frame.data)
    except msgspec.DecodeError as exc:
        raise BybitParseError(frame.topic, str(exc)) from None
