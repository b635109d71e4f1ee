"""Instrument rules for a new order, with Bybit's error codes.

- qty not a multiple of qtyStep, below minOrderQty or above maxOrderQty -> 10001
- price missing for a Limit order, not a multiple of tickSize -> 10001
- price outside [minPrice, maxPrice] -> 110003
- qty * price below minNotionalValue (opening orders) -> 110094

Position rules: hedge mode needs positionIdx 1/2, one-way 0 (else 10001 "position idx not
match position mode"). In hedge mode an order against its side's direction (Sell on idx 1,
Buy on idx 2) closes and is treated as reduce-only. Reduce-only with no position -> 110017;
its qty is truncated to the position size. Opening orders need margin -> 110007.
"""

import re
from collections.abc import Mapping
from decimal import Decimal

from venue.accounts import Account
from venue.config import InstrumentConfig
from venue.errors import BybitError, RetCode
from venue.models import OrderRequest
from venue.numbers import fmt, on_grid

__all__ = [
    "check_instrument_rules",
    "check_margin",
    "check_order_link_id",
    "check_position_rules",
]

_LINK_ID = re.compile(r"^[A-Za-z0-9_-]{1,36}$")


def check_order_link_id(link_id: str) -> None:
    if link_id and not _LINK_ID.match(link_id):
        raise BybitError.param("orderLinkId", "invalid: at most 36 characters of [A-Za-z0-9_-]")


def check_instrument_rules(
    inst: InstrumentConfig, req: OrderRequest, ref_price: Decimal | None, reduce: bool
) -> None:
    """Raise BybitError unless `req` fits `inst`. `ref_price` values market orders."""
    qty = req.qty
    if qty <= 0:
        raise BybitError.param("qty", "must be greater than 0")
    if not on_grid(qty, inst.qty_step):
        raise BybitError(
            RetCode.PARAMS, f"Qty invalid: {fmt(qty)} is not a multiple of qtyStep {inst.qty_step}"
        )
    if qty < inst.min_qty:
        raise BybitError(RetCode.PARAMS, "The number of contracts exceeds minimum limit allowed")
    if qty > inst.max_qty:
        raise BybitError(RetCode.PARAMS, "The number of contracts exceeds maximum limit allowed")
    price = req.price
    if req.order_type == "Limit":
        if price is None:
            raise BybitError.param("price", "is required for Limit orders")
        if price <= 0 or not on_grid(price, inst.tick_size):
            raise BybitError(
                RetCode.PARAMS,
                f"Price invalid: {fmt(price)} is not a multiple of tickSize {inst.tick_size}",
            )
        if price < inst.price_floor or price > inst.max_price:
            raise BybitError(
                RetCode.PRICE_RANGE,
                f"Order price exceeds the allowable range [{inst.price_floor}, {inst.max_price}]",
            )
    notional_price = price if req.order_type == "Limit" else ref_price
    if not reduce and notional_price is not None and qty * notional_price < inst.min_notional:
        raise BybitError(
            RetCode.MIN_NOTIONAL,
            f"Order does not meet minimum order value {fmt(inst.min_notional)}USDT",
        )


def check_position_rules(acct: Account, req: OrderRequest) -> tuple[bool, Decimal]:
    """Position mode and reduce-only: returns (reduces the position, qty after truncation)."""
    if acct.is_hedge(req.symbol):
        if req.position_idx not in (1, 2):
            raise BybitError(RetCode.PARAMS, "position idx not match position mode")
        opening = (req.side == "Buy") == (req.position_idx == 1)
        if req.reduce_only and opening:
            raise BybitError(RetCode.REDUCE_ONLY, "Reduce-only rule not satisfied")
        reduce = not opening
    else:
        if req.position_idx != 0:
            raise BybitError(RetCode.PARAMS, "position idx not match position mode")
        reduce = req.reduce_only
    if not reduce:
        return False, req.qty
    size = acct.position(req.symbol, req.position_idx).size
    if size == 0:
        raise BybitError(RetCode.REDUCE_ONLY)
    if (size > 0) == (req.side == "Buy"):
        raise BybitError(RetCode.REDUCE_ONLY, "Reduce-only rule not satisfied")
    return True, min(req.qty, abs(size))


def check_margin(
    acct: Account, req: OrderRequest, last_price: Decimal | None, marks: Mapping[str, Decimal]
) -> None:
    """Initial margin of an opening order (at its limit, or the last price) must be available."""
    price = req.price if req.price is not None else last_price
    if price is None:
        return
    need = req.qty * price / acct.leverage(req.symbol)
    if need > acct.available(marks):
        raise BybitError(RetCode.INSUFFICIENT_AB)
