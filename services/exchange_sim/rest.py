"""aiohttp REST surface: route table, auth, rate limits, faults and the Bybit envelope.

Every answer is HTTP 200 with `{"retCode","retMsg","result","retExtInfo","time"}` except the
injected HTTP 5xx fault. Bad input of any kind is a 10001 naming the parameter; an unknown
route is 10017; an unexpected exception is logged and answered 10016 (never a bare 500).
"""

import asyncio
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import structlog
from aiohttp import web

from services.exchange_sim import rest_account, rest_market, rest_trade
from services.exchange_sim.auth import verify_rest
from services.exchange_sim.clock import wall_ms
from services.exchange_sim.faults import FaultAction
from services.exchange_sim.params import Params
from services.exchange_sim.rest_types import Ctx, RestState, Route
from venue.errors import BybitError, RetCode

__all__ = ["ROUTES", "add_fallback_route", "add_rest_routes"]

log = structlog.get_logger(__name__)

ROUTES: tuple[Route, ...] = (*rest_market.ROUTES, *rest_trade.ROUTES, *rest_account.ROUTES)

_encoder = msgspec.json.Encoder()
_HandlerFn = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _envelope(
    state: RestState,
    code: int,
    msg: str,
    result: dict[str, Any] | None = None,
    ext: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    body = {
        "retCode": code,
        "retMsg": msg,
        "result": result if result is not None else {},
        "retExtInfo": ext if ext is not None else {},
        "time": state.server_ms(),
    }
    all_headers = {"Ret_code": str(code), "Timenow": str(wall_ms()), **(headers or {})}
    return web.Response(
        body=_encoder.encode(body), content_type="application/json", headers=all_headers
    )


def _parse_query(query: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(query, keep_blank_values=True))


def _parse_body(text: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        data = msgspec.json.decode(text)
    except msgspec.DecodeError as exc:
        raise BybitError(
            RetCode.PARAMS, f"params error: request body is not valid JSON ({exc})"
        ) from None
    if not isinstance(data, dict):
        raise BybitError(RetCode.PARAMS, "params error: request body must be a JSON object")
    return data


def _fault_response(state: RestState, action: FaultAction, route: Route) -> web.Response:
    if action.kind == "http_5xx":
        return web.Response(
            status=action.http_status,
            text=f"<html><body>{action.http_status} injected fault</body></html>",
            content_type="text/html",
        )
    limit = state.limiter.limit_of(route.group or "public")
    headers = {
        "X-Bapi-Limit": str(limit),
        "X-Bapi-Limit-Status": "0",
        "X-Bapi-Limit-Reset-Timestamp": str(wall_ms() + 1000),
    }
    return _envelope(state, RetCode.RATE_LIMIT, "Too many visits!", headers=headers)


async def _serve(request: web.Request, route: Route, state: RestState) -> web.Response:
    headers: dict[str, str] = {}
    try:
        if state.faults.delay_ms:
            await asyncio.sleep(state.faults.delay_ms / 1000)
        action = state.faults.roll()
        if action is not None:
            return _fault_response(state, action, route)
        is_post = request.method == "POST"
        try:
            body = (await request.read()).decode("utf-8") if is_post else ""
        except UnicodeDecodeError:
            raise BybitError(RetCode.PARAMS, "params error: body is not UTF-8") from None
        query = request.raw_path.partition("?")[2]
        api_key = ""
        if route.group is not None:
            api_key = verify_rest(
                request.headers, body if is_post else query, state.exchange.accounts
            )
            verdict = state.limiter.hit(api_key, route.group)
            headers.update(verdict.headers())
            if not verdict.allowed:
                raise BybitError(RetCode.RATE_LIMIT)
        params = Params(_parse_body(body) if is_post else _parse_query(query))
        result = route.handler(Ctx(params, api_key, state))
    except BybitError as exc:
        return _envelope(state, exc.ret_code, exc.ret_msg, headers=headers)
    except web.HTTPException as exc:
        return _envelope(state, RetCode.PARAMS, f"params error: {exc.reason}", headers=headers)
    except Exception:
        log.exception("rest handler failed", path=route.path)
        return _envelope(state, RetCode.SERVER, "Server error.", headers=headers)
    if isinstance(result, tuple):
        return _envelope(state, RetCode.OK, "OK", result[0], result[1], headers)
    return _envelope(state, RetCode.OK, "OK", result, headers=headers)


def _bind(route: Route, state: RestState) -> _HandlerFn:
    async def handler(request: web.Request) -> web.StreamResponse:
        return await _serve(request, route, state)

    return handler


def add_rest_routes(app: web.Application, state: RestState) -> None:
    for route in ROUTES:
        app.router.add_route(route.method, route.path, _bind(route, state))


def add_fallback_route(app: web.Application, state: RestState) -> None:
    """Unknown paths and wrong methods: 10017 in the Bybit envelope. Register last."""

    async def not_found(request: web.Request) -> web.StreamResponse:
        return _envelope(state, RetCode.ROUTE, "Route not found.")

    app.router.add_route("*", "/{tail:.*}", not_found)
