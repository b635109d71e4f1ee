"""Encoding (msgpack on the bus) and typed decoding, one decoder per subject family."""

from __future__ import annotations

from typing import Final, TypeAlias

import msgspec

from proto import subjects
from proto.account import Execution, OrderUpdate, Position, Wallet
from proto.intents import IntentBatch
from proto.market import Ticker, TradeFrame
from proto.results import ExecReject, ExecResult
from proto.subjects import Family
from proto.system import (
    ComparisonDone,
    EngineProgress,
    ExecutorLease,
    GapEnd,
    GapStart,
    GridState,
    Heartbeat,
    ReconcileReport,
    ReplayEnd,
    ReplayFinished,
    ReplayStart,
    ResyncDone,
    ResyncRequest,
    SimProgress,
)

MdMessage: TypeAlias = TradeFrame | Ticker
AcctMessage: TypeAlias = OrderUpdate | Execution | Position | Wallet
IntentMessage: TypeAlias = IntentBatch
ExecMessage: TypeAlias = ExecResult | ExecReject
SysMessage: TypeAlias = (
    GapStart
    | GapEnd
    | Heartbeat
    | ReplayStart
    | ReplayEnd
    | ResyncRequest
    | ResyncDone
    | ReconcileReport
    | ExecutorLease
    | GridState
    | EngineProgress
    | SimProgress
    | ReplayFinished
    | ComparisonDone
)
Message: TypeAlias = MdMessage | AcctMessage | IntentMessage | ExecMessage | SysMessage


class ProtoDecodeError(ValueError):
    """Bytes that are not a valid message of the expected family."""

    def __init__(self, reason: str, family: Family | None = None) -> None:
        where = f" as {family.value}" if family else ""
        super().__init__(f"cannot decode message{where}: {reason}")
        self.reason = reason
        self.family = family


_encoder: Final = msgspec.msgpack.Encoder()
_decoders: Final[dict[Family | None, msgspec.msgpack.Decoder]] = {
    Family.MD: msgspec.msgpack.Decoder(MdMessage),
    Family.ACCT: msgspec.msgpack.Decoder(AcctMessage),
    Family.INTENT: msgspec.msgpack.Decoder(IntentMessage),
    Family.EXEC: msgspec.msgpack.Decoder(ExecMessage),
    Family.SYS: msgspec.msgpack.Decoder(SysMessage),
    None: msgspec.msgpack.Decoder(Message),
}


def encode(message: Message) -> bytes:
    return _encoder.encode(message)


def decode(data: bytes, family: Family | None = None) -> Message:
    """Decode ``data``; ``family=None`` accepts any message. Raises ``ProtoDecodeError``."""
    try:
        return _decoders[family].decode(data)
    except (msgspec.MsgspecError, UnicodeDecodeError) as exc:
        # msgspec reports invalid UTF-8 inside a str field as UnicodeDecodeError.
        raise ProtoDecodeError(str(exc), family) from None


def kind(message: Message) -> str:
    """The message's type tag (``trade``, ``execution``, ``gap_start`` …)."""
    return type(message).__struct_config__.tag  # type: ignore[return-value]


def subject_for(ns: str, message: Message) -> str:
    """The subject a message is published on in namespace ``ns``."""
    match message:
        case TradeFrame(symbol=symbol):
            return subjects.md(ns, symbol, "trade")
        case Ticker(symbol=symbol):
            return subjects.md(ns, symbol, "ticker")
        case OrderUpdate() | Execution() | Position() | Wallet():
            return subjects.acct(ns, message.account_id, kind(message))
        case IntentBatch(account_id=account_id, symbol=symbol):
            return subjects.intent(ns, account_id, symbol)
        case ExecResult(account_id=account_id) | ExecReject(account_id=account_id):
            return subjects.exec_result(ns, account_id)
        case GapStart(service=service) | GapEnd(service=service) | Heartbeat(service=service):
            return subjects.sys(ns, service, kind(message))
        case ReplayStart() | ReplayEnd():
            return subjects.sys(ns, "replayer", kind(message))
        case ResyncRequest() | ResyncDone():
            return subjects.sys(ns, "collector", kind(message))
        case ReconcileReport() | ExecutorLease():
            return subjects.sys(ns, "executor", kind(message))
        case GridState() | EngineProgress():
            return subjects.sys(ns, "engine", kind(message))
        case SimProgress():
            return subjects.sys(ns, "simbroker", kind(message))
        case ReplayFinished():
            return subjects.sys(ns, "seeded_replay", kind(message))
        case ComparisonDone():
            return subjects.sys(ns, "comparator", kind(message))
    raise TypeError(f"not a bus message: {type(message).__name__}")


def symbol_of(message: Message) -> str | None:
    return getattr(message, "symbol", None)


def account_of(message: Message) -> str | None:
    return getattr(message, "account_id", None)
