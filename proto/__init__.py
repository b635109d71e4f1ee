"""Wire contract: every bus message as a frozen ``msgspec.Struct``, the subject scheme,
and the codec. It is the only thing services share on the wire."""

from proto import subjects
from proto.account import ExecType, Execution, OrderStatus, OrderUpdate, Position, Wallet
from proto.codec import (
    AcctMessage,
    ExecMessage,
    IntentMessage,
    MdMessage,
    Message,
    ProtoDecodeError,
    SysMessage,
    account_of,
    decode,
    encode,
    kind,
    subject_for,
    symbol_of,
)
from proto.common import SCHEMA_VERSION, Direction, Event, Side
from proto.intents import CancelIntent, IntentBatch, PlaceIntent
from proto.market import Ticker, Trade, TradeFrame
from proto.results import ExecReject, ExecResult, RejectReason
from proto.subjects import Family, Subject, SubjectError
from proto.system import (
    ExecutorLease,
    GapEnd,
    GapStart,
    Heartbeat,
    ReconcileReport,
    ReplayEnd,
    ReplayStart,
    ResyncDone,
    ResyncRequest,
)

__all__ = [
    "SCHEMA_VERSION",
    "AcctMessage",
    "CancelIntent",
    "Direction",
    "Event",
    "ExecMessage",
    "ExecReject",
    "ExecResult",
    "ExecType",
    "Execution",
    "ExecutorLease",
    "Family",
    "GapEnd",
    "GapStart",
    "Heartbeat",
    "IntentBatch",
    "IntentMessage",
    "MdMessage",
    "Message",
    "OrderStatus",
    "OrderUpdate",
    "PlaceIntent",
    "Position",
    "ProtoDecodeError",
    "ReconcileReport",
    "RejectReason",
    "ReplayEnd",
    "ReplayStart",
    "ResyncDone",
    "ResyncRequest",
    "Side",
    "Subject",
    "SubjectError",
    "SysMessage",
    "Ticker",
    "Trade",
    "TradeFrame",
    "Wallet",
    "account_of",
    "decode",
    "encode",
    "kind",
    "subject_for",
    "subjects",
    "symbol_of",
]
