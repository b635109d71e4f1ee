"""Private account data → ``proto.OrderUpdate`` / ``Execution`` / ``Position`` / ``Wallet``."""

from __future__ import annotations

from decimal import Decimal

import proto
from bybit.http import schemas
from bybit.parse._fields import dec, dec0, enum_of, ms, opt_dec


def parse_order(
    row: schemas.Order, account_id: str, ts_local_ns: int, *, backfilled: bool = False
) -> proto.OrderUpdate:
    updated_ms = ms(row.updatedTime, "updatedTime")
    return proto.OrderUpdate(
        event_id=f"order:{row.orderId}:{row.updatedTime}:{row.orderStatus}:{row.cumExecQty}",
        ts_exchange_ms=updated_ms,
        ts_local_ns=ts_local_ns,
        account_id=account_id,
        symbol=row.symbol,
        order_id=row.orderId,
        order_link_id=row.orderLinkId,
        side=enum_of(proto.Side, row.side, "side"),
        position_idx=row.positionIdx,
        price=dec0(row.price, "price"),
        qty=dec(row.qty, "qty"),
        leaves_qty=dec0(row.leavesQty, "leavesQty"),
        cum_exec_qty=dec0(row.cumExecQty, "cumExecQty"),
        status=enum_of(proto.OrderStatus, row.orderStatus, "orderStatus"),
        reduce_only=row.reduceOnly,
        order_type=row.orderType,
        time_in_force=row.timeInForce,
        reject_reason=row.rejectReason,
        created_ms=ms(row.createdTime, "createdTime") if row.createdTime else 0,
        updated_ms=updated_ms,
        backfilled=backfilled,
    )


def parse_execution(
    row: schemas.Execution, account_id: str, ts_local_ns: int, *, backfilled: bool = False
) -> proto.Execution:
    """Any execType (``Funding``, ``AdlTrade`` …) keeps its own type; fee keeps its sign."""
    return proto.Execution(
        event_id=f"exec:{row.execId}",
        ts_exchange_ms=ms(row.execTime, "execTime"),
        ts_local_ns=ts_local_ns,
        account_id=account_id,
        symbol=row.symbol,
        exec_id=row.execId,
        exec_type=enum_of(proto.ExecType, row.execType, "execType"),
        order_id=row.orderId,
        order_link_id=row.orderLinkId,
        side=enum_of(proto.Side, row.side, "side"),
        price=dec(row.execPrice, "execPrice"),
        qty=dec(row.execQty, "execQty"),
        fee=dec0(row.execFee, "execFee"),
        fee_rate=dec0(row.feeRate, "feeRate"),
        is_maker=row.isMaker,
        closed_size=dec0(row.closedSize, "closedSize"),
        leaves_qty=dec0(row.leavesQty, "leavesQty"),
        exec_pnl=dec0(row.execPnl, "execPnl"),
        backfilled=backfilled,
    )


def parse_position(
    row: schemas.PositionInfo,
    account_id: str,
    ts_local_ns: int,
    *,
    fallback_ms: int,
    backfilled: bool = False,
) -> proto.Position:
    """WS rows carry ``entryPrice``, REST rows ``avgPrice``. The id's last part is ``seq``,
    or ``updatedTime`` when ``seq`` is absent. A leg never traded reports ``updatedTime``
    ``"0"`` (or none): its time is then the frame's, so it is a snapshot of that instant
    rather than an event of 1970."""
    updated = ms(row.updatedTime, "updatedTime") if row.updatedTime else 0
    updated_ms = updated or fallback_ms
    version = row.seq if row.seq is not None else (updated or fallback_ms)
    return proto.Position(
        event_id=f"position:{account_id}:{row.symbol}:{row.positionIdx}:{version}",
        ts_exchange_ms=updated_ms,
        ts_local_ns=ts_local_ns,
        account_id=account_id,
        symbol=row.symbol,
        position_idx=row.positionIdx,
        side=enum_of(proto.Side, row.side, "side") if row.side else None,
        size=dec(row.size, "size"),
        avg_price=dec0(row.entryPrice or row.avgPrice, "entryPrice"),
        mark_price=opt_dec(row.markPrice, "markPrice"),
        liq_price=opt_dec(row.liqPrice, "liqPrice"),
        leverage=opt_dec(row.leverage, "leverage"),
        unrealised_pnl=dec0(row.unrealisedPnl, "unrealisedPnl"),
        cum_realised_pnl=dec0(row.cumRealisedPnl, "cumRealisedPnl"),
        position_value=opt_dec(row.positionValue, "positionValue"),
        position_im=opt_dec(row.positionIM, "positionIM"),
        position_mm=opt_dec(row.positionMM, "positionMM"),
        seq=row.seq or 0,
        backfilled=backfilled,
    )


def _available(coin: schemas.CoinBalance) -> Decimal:
    """``availableToWithdraw`` when given; it is deprecated and may be ``""``, then
    ``walletBalance - locked - totalPositionIM - totalOrderIM`` (what ccxt derives)."""
    if coin.availableToWithdraw:
        return dec(coin.availableToWithdraw, "availableToWithdraw")
    used = (
        dec0(coin.locked, "locked")
        + dec0(coin.totalPositionIM, "totalPositionIM")
        + dec0(coin.totalOrderIM, "totalOrderIM")
    )
    return dec0(coin.walletBalance, "walletBalance") - used


def parse_wallet(
    account: schemas.WalletAccount,
    account_id: str,
    ts_local_ns: int,
    *,
    version: str,
    ts_exchange_ms: int,
    backfilled: bool = False,
) -> list[proto.Wallet]:
    """One ``Wallet`` per coin. ``version`` is the WS frame ``id`` (or ``creationTime``);
    REST has neither, so back-fill passes the envelope ``time``."""
    return [
        proto.Wallet(
            event_id=f"wallet:{account_id}:{coin.coin}:{version}",
            ts_exchange_ms=ts_exchange_ms,
            ts_local_ns=ts_local_ns,
            account_id=account_id,
            coin=coin.coin,
            equity=dec0(coin.equity, "equity"),
            wallet_balance=dec0(coin.walletBalance, "walletBalance"),
            available_balance=_available(coin),
            unrealised_pnl=dec0(coin.unrealisedPnl, "unrealisedPnl"),
            cum_realised_pnl=dec0(coin.cumRealisedPnl, "cumRealisedPnl"),
            backfilled=backfilled,
        )
        for coin in account.coin
    ]
