"""REST schemas: Bybit's own field names, prices and quantities kept as strings.

Only the fields the adapter reads are declared; msgspec skips the rest, so a new field on
Bybit's side never breaks decoding. The private item types (order, execution, position,
wallet) are shared with the websocket frames, whose items have the same names.
"""

from __future__ import annotations

import builtins

import msgspec

# --------------------------------------------------------------------------- envelope


class Envelope(msgspec.Struct):
    """Every REST answer; ``result`` stays raw until ``retCode`` says it is a success."""

    retCode: int
    retMsg: str = ""
    result: msgspec.Raw = msgspec.Raw(b"{}")
    retExtInfo: msgspec.Raw = msgspec.Raw(b"{}")
    time: int = 0


class Empty(msgspec.Struct):
    pass


# --------------------------------------------------------------------------- market


class ServerTime(msgspec.Struct):
    timeSecond: str
    timeNano: str = ""


class LeverageFilter(msgspec.Struct):
    minLeverage: str = ""
    maxLeverage: str = ""
    leverageStep: str = ""


class PriceFilter(msgspec.Struct):
    minPrice: str = ""
    maxPrice: str = ""
    tickSize: str = ""


class LotSizeFilter(msgspec.Struct):
    maxOrderQty: str = ""
    minOrderQty: str = ""
    qtyStep: str = ""
    maxMktOrderQty: str = ""
    minNotionalValue: str = ""


class Instrument(msgspec.Struct):
    symbol: str
    contractType: str = ""
    status: str = ""
    baseCoin: str = ""
    quoteCoin: str = ""
    settleCoin: str = ""
    priceScale: str = ""
    fundingInterval: int = 0
    leverageFilter: LeverageFilter = msgspec.field(default_factory=LeverageFilter)
    priceFilter: PriceFilter = msgspec.field(default_factory=PriceFilter)
    lotSizeFilter: LotSizeFilter = msgspec.field(default_factory=LotSizeFilter)


class InstrumentsResult(msgspec.Struct):
    list: builtins.list[Instrument]
    category: str = ""
    nextPageCursor: str = ""


class RecentTrade(msgspec.Struct):
    execId: str
    symbol: str
    price: str
    size: str
    side: str
    time: str
    isBlockTrade: bool = False
    seq: str = ""


class RecentTradesResult(msgspec.Struct):
    list: builtins.list[RecentTrade]
    category: str = ""


class TickerInfo(msgspec.Struct):
    symbol: str
    lastPrice: str = ""
    markPrice: str = ""
    indexPrice: str = ""
    bid1Price: str = ""
    bid1Size: str = ""
    ask1Price: str = ""
    ask1Size: str = ""
    fundingRate: str = ""
    nextFundingTime: str = ""
    volume24h: str = ""
    turnover24h: str = ""
    openInterest: str = ""


class TickersResult(msgspec.Struct):
    list: builtins.list[TickerInfo]
    category: str = ""


# --------------------------------------------------------------------------- trade


class OrderAck(msgspec.Struct):
    orderId: str
    orderLinkId: str = ""


class CancelAllResult(msgspec.Struct):
    list: builtins.list[OrderAck] = []
    success: str = ""


class BatchItem(msgspec.Struct):
    orderId: str = ""
    orderLinkId: str = ""
    symbol: str = ""
    createAt: str = ""


class BatchResult(msgspec.Struct):
    list: builtins.list[BatchItem] = []


class BatchItemStatus(msgspec.Struct):
    code: int
    msg: str = ""


class BatchExtInfo(msgspec.Struct):
    list: builtins.list[BatchItemStatus] = []


class Order(msgspec.Struct):
    """An order as ``/v5/order/realtime``, ``/v5/order/history`` and the ``order`` topic give it."""

    orderId: str
    orderStatus: str
    updatedTime: str
    cumExecQty: str
    symbol: str
    side: str
    qty: str
    category: str = ""
    orderLinkId: str = ""
    price: str = ""
    positionIdx: int = 0
    orderType: str = ""
    timeInForce: str = ""
    leavesQty: str = ""
    leavesValue: str = ""
    cumExecValue: str = ""
    cumExecFee: str = ""
    avgPrice: str = ""
    reduceOnly: bool = False
    closeOnTrigger: bool = False
    cancelType: str = ""
    rejectReason: str = ""
    createType: str = ""
    stopOrderType: str = ""
    triggerPrice: str = ""
    createdTime: str = ""
    cumFeeDetail: dict[str, str] = {}


class OrdersResult(msgspec.Struct):
    list: builtins.list[Order]
    nextPageCursor: str = ""
    category: str = ""


class Execution(msgspec.Struct):
    """A fill or settlement as ``/v5/execution/list`` and the ``execution`` topic give it."""

    execId: str
    execType: str
    symbol: str
    side: str
    execPrice: str
    execQty: str
    execTime: str
    category: str = ""
    orderId: str = ""
    orderLinkId: str = ""
    orderPrice: str = ""
    orderQty: str = ""
    orderType: str = ""
    leavesQty: str = ""
    execFee: str = ""
    execValue: str = ""
    execPnl: str = ""
    feeRate: str = ""
    feeCurrency: str = ""
    isMaker: bool = False
    markPrice: str = ""
    closedSize: str = ""
    seq: int | None = None


class ExecutionsResult(msgspec.Struct):
    list: builtins.list[Execution]
    nextPageCursor: str = ""
    category: str = ""


# --------------------------------------------------------------------------- account


class PositionInfo(msgspec.Struct):
    """A position row. REST gives ``avgPrice``, the WS topic ``entryPrice`` (spec §2.4)."""

    symbol: str
    positionIdx: int
    size: str
    side: str = ""
    category: str = ""
    avgPrice: str = ""
    entryPrice: str = ""
    positionValue: str = ""
    positionIM: str = ""
    positionMM: str = ""
    markPrice: str = ""
    liqPrice: str = ""
    leverage: str = ""
    unrealisedPnl: str = ""
    curRealisedPnl: str = ""
    cumRealisedPnl: str = ""
    positionStatus: str = ""
    createdTime: str = ""
    updatedTime: str = ""
    seq: int | None = None


class PositionsResult(msgspec.Struct):
    list: builtins.list[PositionInfo]
    nextPageCursor: str = ""
    category: str = ""


class CoinBalance(msgspec.Struct):
    coin: str
    equity: str = ""
    walletBalance: str = ""
    availableToWithdraw: str = ""
    locked: str = ""
    totalOrderIM: str = ""
    totalPositionIM: str = ""
    unrealisedPnl: str = ""
    cumRealisedPnl: str = ""
    usdValue: str = ""


class WalletAccount(msgspec.Struct):
    accountType: str = ""
    totalEquity: str = ""
    totalWalletBalance: str = ""
    totalAvailableBalance: str = ""
    totalPerpUPL: str = ""
    coin: list[CoinBalance] = []


class WalletResult(msgspec.Struct):
    list: builtins.list[WalletAccount]


# --------------------------------------------------------------------------- requests


class PlaceOrder(msgspec.Struct, omit_defaults=True, kw_only=True):
    """One order for ``/v5/order/create`` or an item of ``create-batch`` (no category).

    Prices and quantities are strings exactly as they go on the wire; build them with
    :func:`bybit.http.trade.decimal_str` from ``Decimal``.
    """

    symbol: str
    side: str
    orderType: str
    qty: str
    price: str | None = None
    timeInForce: str | None = None
    positionIdx: int | None = None
    orderLinkId: str | None = None
    reduceOnly: bool | None = None
    closeOnTrigger: bool | None = None


class CancelOrder(msgspec.Struct, omit_defaults=True, kw_only=True):
    """One cancel for ``/v5/order/cancel`` or an item of ``cancel-batch``."""

    symbol: str
    orderId: str | None = None
    orderLinkId: str | None = None
