"""Account and position routes, plus the private stubs ccxt calls before trading."""

from decimal import Decimal

from services.exchange_sim.render import render_position, render_wallet
from services.exchange_sim.rest_types import Ctx, Result, Route
from venue.errors import BybitError, RetCode

__all__ = ["ROUTES"]


def positions(ctx: Ctx) -> Result:
    p = ctx.params
    p.category()
    p.integer("limit", default=20, lo=1, hi=200)
    ex = ctx.exchange
    acct = ex.account(ctx.api_key)
    if p.has("symbol"):
        symbol = p.text("symbol")
        ex.market(symbol)
        keys = [(symbol, idx) for idx in acct.position_indices(symbol)]
    elif p.has("settleCoin") or p.has("baseCoin"):
        base = p.text("baseCoin")
        settle = p.text("settleCoin", default="USDT")
        keys = [
            (s, idx)
            for s, m in sorted(ex.markets.items())
            if settle == "USDT" and (not base or m.inst.base_coin == base)
            for idx in acct.position_indices(s)
            if acct.position(s, idx).size
        ]
    else:
        raise BybitError.param("symbol", "or settleCoin is required")
    rows = [
        render_position(acct, acct.position(s, idx), ex.markets[s].inst, ex.marks.get(s), ws=False)
        for s, idx in keys
    ]
    return {"list": rows, "nextPageCursor": "", "category": "linear"}


def switch_mode(ctx: Ctx) -> Result:
    p = ctx.params
    p.category()
    mode = p.integer("mode", default=None)
    if mode not in (0, 3):
        raise BybitError.param("mode", "must be 0 (one-way) or 3 (hedge)")
    ex = ctx.exchange
    acct = ex.account(ctx.api_key)
    if p.has("symbol"):
        symbol = p.text("symbol")
        ex.market(symbol)
        symbols = [symbol]
    elif p.text("coin") == "USDT":
        symbols = list(ex.markets)
    else:
        raise BybitError.param("symbol", "or coin=USDT is required")
    hedge = mode == 3
    if all(acct.is_hedge(s) == hedge for s in symbols):
        raise BybitError(RetCode.MODE_NOT_MODIFIED)
    for s in symbols:
        if any(acct.position(s, i).size for i in acct.position_indices(s)):
            raise BybitError(RetCode.MODE_HAS_POSITION, "Position is not empty")
        if acct.open_orders_of(s):
            raise BybitError(RetCode.MODE_HAS_ORDERS, "Open orders exist")
    for s in symbols:
        acct.set_hedge(s, hedge)
    return {}


def set_leverage(ctx: Ctx) -> Result:
    p = ctx.params
    p.category()
    ex = ctx.exchange
    acct = ex.account(ctx.api_key)
    symbol = p.text("symbol", required=True)
    inst = ex.market(symbol).inst
    buy = p.number("buyLeverage", required=True)
    sell = p.number("sellLeverage", required=True)
    if buy != sell:
        raise BybitError.param("sellLeverage", "must equal buyLeverage (cross margin)")
    assert buy is not None
    if not Decimal(1) <= buy <= inst.max_leverage:
        raise BybitError.param("buyLeverage", f"must be within [1, {inst.max_leverage}]")
    if buy == acct.leverage(symbol):
        raise BybitError(RetCode.LEVERAGE_NOT_MODIFIED)
    acct.set_leverage(symbol, buy)
    return {}


def wallet_balance(ctx: Ctx) -> Result:
    p = ctx.params
    account_type = p.text("accountType", required=True)
    if account_type != "UNIFIED":
        raise BybitError.param("accountType", "only UNIFIED is supported")
    ex = ctx.exchange
    wallet = render_wallet(ex.account(ctx.api_key), ex.marks)
    coins = {c for c in p.text("coin").split(",") if c}
    if coins:
        wallet["coin"] = [c for c in wallet["coin"] if c["coin"] in coins]
    return {"list": [wallet]}


def fee_rate(ctx: Ctx) -> Result:
    p = ctx.params
    p.category()
    fees = ctx.state.cfg.fees
    symbol = p.text("symbol")
    symbols = [symbol] if symbol else sorted(ctx.exchange.markets)
    if symbol:
        ctx.exchange.market(symbol)
    return {
        "category": "linear",
        "list": [
            {
                "symbol": s,
                "baseCoin": "",
                "takerFeeRate": str(fees.taker),
                "makerFeeRate": str(fees.maker),
            }
            for s in symbols
        ],
    }


def account_info(ctx: Ctx) -> Result:
    return {
        "marginMode": "REGULAR_MARGIN",
        "updatedTime": str(ctx.state.server_ms()),
        "unifiedMarginStatus": 6,
        "dcpStatus": "OFF",
        "timeWindow": 10,
        "smpGroup": 0,
        "isMasterTrader": False,
        "spotHedgingStatus": "OFF",
    }


def api_key_info(ctx: Ctx) -> Result:
    return {
        "id": "1",
        "note": "gridtwin exchange-sim test key",
        "apiKey": ctx.api_key,
        "readOnly": 0,
        "secret": "",
        "permissions": {"ContractTrade": ["Order", "Position"], "Wallet": ["AccountTransfer"]},
        "ips": ["*"],
        "type": 1,
        "deadlineDay": -1,
        "expiredAt": "",
        "createdAt": "2024-01-01T00:00:00Z",
        "unified": 0,
        "uta": 1,
        "userID": 1,
        "inviterID": 0,
        "vipLevel": "No VIP",
        "mktMakerLevel": "0",
        "affiliateID": 0,
        "rsaPublicKey": "",
        "isMaster": True,
        "parentUid": "0",
        "kycLevel": "LEVEL_DEFAULT",
        "kycRegion": "",
    }


def coin_info(ctx: Ctx) -> Result:
    return {"rows": []}


ROUTES = [
    Route("GET", "/v5/position/list", positions, "position"),
    Route("POST", "/v5/position/switch-mode", switch_mode, "position_write"),
    Route("POST", "/v5/position/set-leverage", set_leverage, "position_write"),
    Route("GET", "/v5/account/wallet-balance", wallet_balance, "wallet"),
    Route("GET", "/v5/account/fee-rate", fee_rate, "account"),
    Route("GET", "/v5/account/info", account_info, "account"),
    Route("GET", "/v5/user/query-api", api_key_info, "account"),
    Route("GET", "/v5/asset/coin/query-info", coin_info, "account"),
]
