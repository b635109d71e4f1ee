"""Trade routes: create/cancel (single, batch, all), open orders, order history, executions."""

from collections.abc import Mapping
from typing import Any

from services.exchange_sim.params import Params
from services.exchange_sim.render import render_execution, render_order
from services.exchange_sim.rest_types import Ctx, Result, Route, paginate
from venue.errors import BybitError
from venue.models import Order, OrderRequest

__all__ = ["ROUTES", "parse_order_request"]

MAX_BATCH = 20
_UNSUPPORTED = ("triggerPrice", "takeProfit", "stopLoss", "tpslMode")


def parse_order_request(p: Params) -> OrderRequest:
    for name in _UNSUPPORTED:
        if p.has(name):
            raise BybitError.param(name, "is not supported by the simulator")
    tif = p.text("timeInForce", default="GTC", choices=("GTC", "IOC", "FOK", "PostOnly"))
    return OrderRequest(
        symbol=p.text("symbol", required=True),
        side=p.text("side", required=True, choices=("Buy", "Sell")),
        order_type=p.text("orderType", required=True, choices=("Limit", "Market")),
        qty=p.required_number("qty"),
        price=p.number("price"),
        time_in_force=tif,
        position_idx=p.integer("positionIdx", default=0, lo=0, hi=2),
        order_link_id=p.text("orderLinkId"),
        reduce_only=p.flag("reduceOnly"),
        close_on_trigger=p.flag("closeOnTrigger"),
    )


def _ids(order: Order) -> dict[str, str]:
    return {"orderId": order.order_id, "orderLinkId": order.order_link_id}


def create_order(ctx: Ctx) -> Result:
    ctx.params.category()
    order = ctx.exchange.place(ctx.api_key, parse_order_request(ctx.params))
    return _ids(order)


def _cancel_one(ctx: Ctx, p: Params) -> Order:
    symbol = p.text("symbol", required=True)
    order_id = p.text("orderId")
    link_id = p.text("orderLinkId")
    if not order_id and not link_id:
        raise BybitError.param("orderId", "or orderLinkId is required")
    return ctx.exchange.cancel(ctx.api_key, symbol, order_id, link_id)


def cancel_order(ctx: Ctx) -> Result:
    ctx.params.category()
    return _ids(_cancel_one(ctx, ctx.params))


def _symbols_of(ctx: Ctx, p: Params) -> list[str]:
    """Symbols selected by symbol / baseCoin / settleCoin (one is required for linear)."""
    markets = ctx.exchange.markets
    if p.has("symbol"):
        symbol = p.text("symbol")
        ctx.exchange.market(symbol)
        return [symbol]
    if p.has("baseCoin"):
        base = p.text("baseCoin")
        return [s for s, m in markets.items() if m.inst.base_coin == base]
    if p.has("settleCoin"):
        return list(markets) if p.text("settleCoin") == "USDT" else []
    raise BybitError.param("symbol", "or baseCoin or settleCoin is required")


def cancel_all(ctx: Ctx) -> Result:
    ctx.params.category()
    cancelled = ctx.exchange.cancel_all(ctx.api_key, _symbols_of(ctx, ctx.params))
    return {"list": [_ids(o) for o in cancelled], "success": "1"}


def _batch(ctx: Ctx, one: Any) -> Result:
    ctx.params.category()
    results: list[dict[str, Any]] = []
    infos: list[dict[str, Any]] = []
    for raw in ctx.params.objects("request", max_items=MAX_BATCH):
        item: Mapping[str, Any] = raw
        try:
            results.append(one(ctx, Params(item)))
            infos.append({"code": 0, "msg": "OK"})
        except BybitError as exc:
            symbol = item.get("symbol", "")
            results.append(
                {"category": "linear", "symbol": symbol, "orderId": "", "orderLinkId": ""}
            )
            infos.append({"code": int(exc.ret_code), "msg": exc.ret_msg})
    return {"list": results}, {"list": infos}


def _create_one(ctx: Ctx, p: Params) -> dict[str, Any]:
    order = ctx.exchange.place(ctx.api_key, parse_order_request(p))
    return {
        "category": "linear",
        "symbol": order.symbol,
        **_ids(order),
        "createAt": str(order.created_ms),
    }


def _cancel_batch_one(ctx: Ctx, p: Params) -> dict[str, Any]:
    order = _cancel_one(ctx, p)
    return {"category": "linear", "symbol": order.symbol, **_ids(order)}


def create_batch(ctx: Ctx) -> Result:
    return _batch(ctx, _create_one)


def cancel_batch(ctx: Ctx) -> Result:
    return _batch(ctx, _cancel_batch_one)


def _order_page(ctx: Ctx, orders: list[Order]) -> Result:
    p = ctx.params
    limit = p.integer("limit", default=20, lo=1, hi=50)
    markets = ctx.exchange.markets
    page, cursor = paginate(orders, lambda o: o.seq, p.text("cursor"), limit)
    return {
        "list": [render_order(o, markets[o.symbol].inst, ws=False) for o in page],
        "nextPageCursor": cursor,
        "category": "linear",
    }


def _selected_orders(ctx: Ctx, *, selector_required: bool) -> list[Order]:
    """Orders (newest first) by orderId/orderLinkId, else by symbol/baseCoin/settleCoin."""
    p = ctx.params
    acct = ctx.exchange.account(ctx.api_key)
    order_id, link_id = p.text("orderId"), p.text("orderLinkId")
    if order_id or link_id:
        order = acct.orders.get(order_id or acct.link_ids.get(link_id, ""))
        if order is None or (link_id and order.order_link_id != link_id):
            return []
        return [order]
    newest_first = list(reversed(acct.orders.values()))
    if not selector_required and not any(
        p.has(name) for name in ("symbol", "baseCoin", "settleCoin")
    ):
        return newest_first
    symbols = set(_symbols_of(ctx, p))
    return [o for o in newest_first if o.symbol in symbols]


def open_orders(ctx: Ctx) -> Result:
    """openOnly=0: open orders; 1/2: up to 500 recent closed ones; by id: any status."""
    p = ctx.params
    p.category()
    open_only = p.integer("openOnly", default=0, lo=0, hi=2)
    orders = _selected_orders(ctx, selector_required=True)
    if not (p.has("orderId") or p.has("orderLinkId")):
        if open_only == 0:
            orders = [o for o in orders if o.is_open]
        else:
            orders = [o for o in orders if not o.is_open][:500]
    return _order_page(ctx, orders)


def order_history(ctx: Ctx) -> Result:
    p = ctx.params
    p.category()
    status = p.text("orderStatus")
    orders = _selected_orders(ctx, selector_required=False)
    if status:
        orders = [o for o in orders if str(o.status) == status]
    return _order_page(ctx, orders)


def executions(ctx: Ctx) -> Result:
    p = ctx.params
    p.category()
    acct = ctx.exchange.account(ctx.api_key)
    limit = p.integer("limit", default=50, lo=1, hi=100)
    symbol, base = p.text("symbol"), p.text("baseCoin")
    order_id, link_id, exec_type = p.text("orderId"), p.text("orderLinkId"), p.text("execType")
    start = p.integer("startTime", default=0)
    end = p.integer("endTime", default=2**63)
    markets = ctx.exchange.markets
    rows = [
        e
        for e in reversed(acct.executions)
        if (not symbol or e.symbol == symbol)
        and (not base or markets[e.symbol].inst.base_coin == base)
        and (not order_id or e.order_id == order_id)
        and (not link_id or e.order_link_id == link_id)
        and (not exec_type or e.exec_type == exec_type)
        and start <= e.exec_time_ms <= end
    ]
    page, cursor = paginate(rows, lambda e: e.seq, p.text("cursor"), limit)
    return {
        "list": [render_execution(e, markets[e.symbol].inst, ws=False) for e in page],
        "nextPageCursor": cursor,
        "category": "linear",
    }


ROUTES = [
    Route("POST", "/v5/order/create", create_order, "order_create"),
    Route("POST", "/v5/order/cancel", cancel_order, "order_cancel"),
    Route("POST", "/v5/order/cancel-all", cancel_all, "order_cancel_all"),
    Route("POST", "/v5/order/create-batch", create_batch, "order_batch"),
    Route("POST", "/v5/order/cancel-batch", cancel_batch, "order_batch"),
    Route("GET", "/v5/order/realtime", open_orders, "order_query"),
    Route("GET", "/v5/order/history", order_history, "order_query"),
    Route("GET", "/v5/execution/list", executions, "execution"),
]
