"""Bybit V5 wire shapes of the core's records: string numbers, ms-string timestamps.

`ws=True` gives the private-WS item (adds `category`; order `avgPrice` is "" when unset;
position has `entryPrice`), `ws=False` the REST list item (position has `avgPrice`).
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from gridcore.pnl import initial_margin, maintenance_margin
from services.exchange_sim.config import InstrumentConfig
from venue.accounts import MAINTENANCE_RATE, Account
from venue.market import Market
from venue.models import Execution, Order, Position, Trade
from venue.numbers import ZERO, fmt, fmt8, fmt_scaled

__all__ = [
    "render_execution",
    "render_execution_fast",
    "render_instrument",
    "render_order",
    "render_position",
    "render_public_trade",
    "render_ticker",
    "render_wallet",
]


def _price(value: Decimal, inst: InstrumentConfig) -> str:
    return fmt_scaled(value, inst.tick_size) if value % inst.tick_size == 0 else fmt(value)


def render_order(order: Order, inst: InstrumentConfig, *, ws: bool) -> dict[str, Any]:
    avg = order.avg_price
    fee = fmt8(order.cum_exec_fee)
    item: dict[str, Any] = {
        "orderId": order.order_id,
        "orderLinkId": order.order_link_id,
        "parentOrderLinkId": "",
        "blockTradeId": "",
        "symbol": order.symbol,
        "price": _price(order.price, inst),
        "qty": fmt_scaled(order.qty, inst.qty_step),
        "side": order.side,
        "isLeverage": "",
        "positionIdx": order.position_idx,
        "orderStatus": str(order.status),
        "createType": "CreateByUser",
        "cancelType": order.cancel_type,
        "rejectReason": order.reject_reason,
        "avgPrice": fmt8(avg) if avg is not None else ("" if ws else "0"),
        "leavesQty": fmt_scaled(order.leaves_qty, inst.qty_step),
        "leavesValue": fmt8(order.leaves_qty * order.price),
        "cumExecQty": fmt_scaled(order.cum_exec_qty, inst.qty_step),
        "cumExecValue": fmt8(order.cum_exec_value),
        "cumExecFee": fee,
        "cumFeeDetail": {"USDT": fee} if order.cum_exec_fee else {},
        "closedPnl": fmt8(order.closed_pnl),
        "feeCurrency": "",
        "timeInForce": order.time_in_force,
        "orderType": order.order_type,
        "stopOrderType": "",
        "ocoTriggerBy": "",
        "orderIv": "",
        "marketUnit": "",
        "slippageToleranceType": "UNKNOWN",
        "slippageTolerance": "0",
        "triggerPrice": "",
        "takeProfit": "",
        "stopLoss": "",
        "tpslMode": "",
        "tpLimitPrice": "",
        "slLimitPrice": "",
        "tpTriggerBy": "",
        "slTriggerBy": "",
        "triggerDirection": 0,
        "triggerBy": "",
        "lastPriceOnCreated": (
            _price(order.last_price_on_created, inst) if order.last_price_on_created else ""
        ),
        "reduceOnly": order.reduce_only,
        "closeOnTrigger": order.close_on_trigger,
        "placeType": "",
        "smpType": "None",
        "smpGroup": 0,
        "smpOrderId": "",
        "rpiTakerAccess": False,
        "rpiMatchedQty": "0",
        "createdTime": str(order.created_ms),
        "updatedTime": str(order.updated_ms),
    }
    if ws:
        item["category"] = "linear"
    return item


def render_execution(execution: Execution, inst: InstrumentConfig, *, ws: bool) -> dict[str, Any]:
    e = execution
    item: dict[str, Any] = {
        "symbol": e.symbol,
        "isLeverage": "",
        "orderId": e.order_id,
        "orderLinkId": e.order_link_id,
        "side": e.side,
        "orderPrice": _price(e.order_price, inst) if e.order_price else "0",
        "orderQty": fmt_scaled(e.order_qty, inst.qty_step) if e.order_qty else "0",
        "leavesQty": fmt_scaled(e.leaves_qty, inst.qty_step),
        "createType": "CreateByUser" if e.exec_type == "Trade" else "",
        "orderType": e.order_type,
        "stopOrderType": "UNKNOWN",
        "execFee": fmt8(e.exec_fee),
        "execId": e.exec_id,
        "execPrice": _price(e.exec_price, inst),
        "execQty": fmt_scaled(e.exec_qty, inst.qty_step),
        "execPnl": fmt8(e.exec_pnl),
        "execType": e.exec_type,
        "execValue": fmt8(e.exec_value),
        "execTime": str(e.exec_time_ms),
        "isMaker": e.is_maker,
        "feeRate": fmt(e.fee_rate),
        "tradeIv": "",
        "markIv": "",
        "markPrice": _price(e.mark_price, inst),
        "indexPrice": "",
        "underlyingPrice": "",
        "blockTradeId": "",
        "closedSize": fmt_scaled(e.closed_size, inst.qty_step),
        "extraFees": "",
        "seq": e.seq,
        "marketUnit": "",
        "feeCurrency": "USDT",
    }
    if ws:
        item["category"] = "linear"
    return item


def render_execution_fast(execution: Execution, inst: InstrumentConfig) -> dict[str, Any]:
    e = execution
    return {
        "category": "linear",
        "symbol": e.symbol,
        "execId": e.exec_id,
        "execPrice": _price(e.exec_price, inst),
        "execQty": fmt_scaled(e.exec_qty, inst.qty_step),
        "orderId": e.order_id,
        "isMaker": e.is_maker,
        "orderLinkId": e.order_link_id,
        "side": e.side,
        "execTime": str(e.exec_time_ms),
        "seq": e.seq,
    }


def render_position(
    acct: Account, pos: Position, inst: InstrumentConfig, mark: Decimal | None, *, ws: bool
) -> dict[str, Any]:
    mark = mark if mark is not None else pos.avg_price
    size = abs(pos.size)
    # Bybit's basis (validation spec V-20): value at the mark, IM/MM from the risk tiers.
    # The kernel's own margin (available balance) stays value at entry / leverage.
    value = size * mark
    im = initial_margin(value, pos.symbol)[0]
    mm = maintenance_margin(value, pos.symbol)[0]
    balance = size * pos.avg_price / pos.leverage if size else ZERO
    item: dict[str, Any] = {
        "positionIdx": pos.idx,
        "riskId": 1,
        "riskLimitValue": "2000000",
        "symbol": pos.symbol,
        "side": pos.side,
        "size": fmt_scaled(size, inst.qty_step),
        ("entryPrice" if ws else "avgPrice"): fmt8(pos.avg_price) if size else "0",
        "positionValue": fmt8(value),
        "tradeMode": 0,
        "positionStatus": "Normal",
        "autoAddMargin": 0,
        "adlRankIndicator": 2 if size else 0,
        "leverage": fmt(pos.leverage),
        "breakEvenPrice": fmt8(pos.avg_price) if size else "0",
        "positionBalance": fmt8(balance),
        "markPrice": _price(mark, inst) if mark else "0",
        "liqPrice": "",
        "bustPrice": "",
        "positionIM": fmt8(im),
        "positionMM": fmt8(mm),
        "positionIMByMp": fmt8(size * mark / pos.leverage),
        "positionMMByMp": fmt8(size * mark * MAINTENANCE_RATE),
        "tpslMode": "Full",
        "takeProfit": "0",
        "stopLoss": "0",
        "trailingStop": "0",
        "unrealisedPnl": fmt8(pos.unrealised(mark)),
        "curRealisedPnl": fmt8(pos.cur_realised_pnl),
        "cumRealisedPnl": fmt8(pos.cum_realised_pnl),
        "sessionAvgPrice": "",
        "seq": pos.seq,
        "isReduceOnly": False,
        "mmrSysUpdatedTime": "",
        "leverageSysUpdatedTime": "",
        "createdTime": str(pos.created_ms),
        "updatedTime": str(pos.updated_ms),
    }
    if ws:
        item["category"] = "linear"
    return item


def render_wallet(acct: Account, marks: Mapping[str, Decimal]) -> dict[str, Any]:
    upl = acct.unrealised(marks)
    equity = acct.wallet + upl
    pos_im = acct.position_im()
    order_im = acct.order_im()
    mm = acct.position_mm(marks)
    im = pos_im + order_im
    available = max(equity - im, ZERO)
    coin = {
        "coin": "USDT",
        "equity": fmt8(equity),
        "usdValue": fmt8(equity),
        "walletBalance": fmt8(acct.wallet),
        "free": "",
        "locked": "0",
        "spotHedgingQty": "0",
        "borrowAmount": "0",
        "accruedInterest": "0",
        "totalOrderIM": fmt8(order_im),
        "totalPositionIM": fmt8(pos_im),
        "totalPositionMM": fmt8(mm),
        "unrealisedPnl": fmt8(upl),
        "cumRealisedPnl": fmt8(acct.cum_realised),
        "bonus": "0",
        "collateralSwitch": True,
        "marginCollateral": True,
        "availableToWithdraw": fmt8(available),
        "availableToBorrow": "",
        "spotBorrow": "0",
    }
    return {
        "accountType": "UNIFIED",
        "accountIMRate": fmt(round(im / equity, 4)) if equity > 0 else "0",
        "accountMMRate": fmt(round(mm / equity, 4)) if equity > 0 else "0",
        "accountLTV": "0",
        "totalEquity": fmt8(equity),
        "totalWalletBalance": fmt8(acct.wallet),
        "totalMarginBalance": fmt8(equity),
        "totalAvailableBalance": fmt8(available),
        "totalPerpUPL": fmt8(upl),
        "totalInitialMargin": fmt8(im),
        "totalMaintenanceMargin": fmt8(mm),
        "accountIMRateByMp": fmt(round(im / equity, 4)) if equity > 0 else "0",
        "accountMMRateByMp": fmt(round(mm / equity, 4)) if equity > 0 else "0",
        "totalInitialMarginByMp": fmt8(im),
        "totalMaintenanceMarginByMp": fmt8(mm),
        "coin": [coin],
    }


def render_public_trade(trade: Trade, inst: InstrumentConfig, seq: int) -> dict[str, Any]:
    return {
        "T": trade.ts_ms,
        "s": trade.symbol,
        "S": trade.side,
        "v": fmt_scaled(trade.size, inst.qty_step)
        if trade.size % inst.qty_step == 0
        else fmt(trade.size),
        "p": _price(trade.price, inst),
        "L": trade.tick_direction or "ZeroPlusTick",
        "i": trade.trade_id,
        "BT": False,
        "RPI": False,
        "seq": seq,
    }


def render_instrument(inst: InstrumentConfig, funding_interval_min: int) -> dict[str, Any]:
    tick_exp = inst.tick_size.as_tuple().exponent
    price_scale = -tick_exp if isinstance(tick_exp, int) and tick_exp < 0 else 0
    return {
        "symbol": inst.symbol,
        "contractType": "LinearPerpetual",
        "status": "Trading",
        "baseCoin": inst.base_coin,
        "quoteCoin": "USDT",
        "launchTime": "1585526400000",
        "deliveryTime": "0",
        "deliveryFeeRate": "",
        "priceScale": str(price_scale),
        "leverageFilter": {
            "minLeverage": "1",
            "maxLeverage": fmt_scaled(inst.max_leverage, Decimal("0.01")),
            "leverageStep": "0.01",
        },
        "priceFilter": {
            "minPrice": fmt_scaled(inst.price_floor, inst.tick_size),
            "maxPrice": fmt_scaled(inst.max_price, inst.tick_size),
            "tickSize": str(inst.tick_size),
        },
        "lotSizeFilter": {
            "maxOrderQty": fmt_scaled(inst.max_qty, inst.qty_step),
            "minOrderQty": str(inst.min_qty),
            "qtyStep": str(inst.qty_step),
            "postOnlyMaxOrderQty": fmt_scaled(inst.max_qty, inst.qty_step),
            "maxMktOrderQty": fmt_scaled(inst.max_qty, inst.qty_step),
            "minNotionalValue": fmt(inst.min_notional),
        },
        "unifiedMarginTrade": True,
        "fundingInterval": funding_interval_min,
        "settleCoin": "USDT",
        "copyTrading": "both",
        "upperFundingRate": "0.00375",
        "lowerFundingRate": "-0.00375",
        "isPreListing": False,
        "preListingInfo": None,
        "riskParameters": {"priceLimitRatioX": "0.01", "priceLimitRatioY": "0.02"},
        "symbolType": "",
    }


def render_ticker(market: Market) -> dict[str, str]:
    """The linear ticker (WS field set; REST drops tickDirection and adds basis)."""
    px = market.inst.tick_size
    last = market.last_price
    window = market.window()
    prev24 = window[0].open if window else last
    high = max((b.high for b in window), default=last)
    low = min((b.low for b in window), default=last)
    pcnt = (last - prev24) / prev24 if last is not None and prev24 else ZERO
    size = fmt_scaled(market.last_trade.size, market.inst.qty_step) if market.last_trade else "0"
    touch = market.touch
    return {
        "symbol": market.symbol,
        "tickDirection": market.tick_direction,
        "price24hPcnt": fmt_scaled(pcnt, Decimal("0.000001")),
        "lastPrice": _p(last, px),
        "prevPrice24h": _p(prev24, px),
        "highPrice24h": _p(high, px),
        "lowPrice24h": _p(low, px),
        "prevPrice1h": _p(market.price_ago(3_600_000), px),
        "markPrice": _p(last, px),
        "indexPrice": _p(last, px),
        "openInterest": "0",
        "openInterestValue": "0",
        "turnover24h": fmt(market.turnover_24h.quantize(Decimal("0.0001"))),
        "volume24h": fmt(market.volume_24h),
        "fundingIntervalHour": str(market.funding_interval_hours),
        "fundingCap": "0.005",
        "nextFundingTime": str(market.next_funding_ms),
        "fundingRate": fmt(market.funding_rate),
        "bid1Price": _p(touch.bid if touch else None, px),
        "bid1Size": size,
        "ask1Price": _p(touch.ask if touch else None, px),
        "ask1Size": size,
        "deliveryTime": "0",
        "basisRate": "",
        "deliveryFeeRate": "",
        "predictedDeliveryPrice": "",
        "preOpenPrice": "",
        "preQty": "",
        "curPreListingPhase": "",
        "basisRateYear": "",
    }


def _p(value: Decimal | None, tick: Decimal) -> str:
    if value is None:
        return ""
    # feed prices may be finer than today's tick (historical grids): keep them exact
    return fmt_scaled(value, tick) if value % tick == 0 else fmt(value)
