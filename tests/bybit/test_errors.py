"""retCode → exception table (spec §3.5) and HTTP-level error mapping over real HTTP."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp import web

import bybit
from bybit import (
    BybitApiError,
    BybitAuthError,
    BybitConfig,
    BybitConnectionError,
    BybitDuplicateOrderError,
    BybitHttpClient,
    BybitInsufficientBalanceError,
    BybitInvalidRequestError,
    BybitNotModifiedError,
    BybitOrderBusyError,
    BybitOrderClosedError,
    BybitOrderNotFoundError,
    BybitOrderRejectedError,
    BybitParseError,
    BybitRateLimitError,
    BybitRequestError,
    BybitServerError,
    BybitTimeoutError,
    BybitTimestampError,
    error_for,
)
from bybit.http.schemas import Empty

#: Every retCode in spec §3.5 and the class the executor retries by.
SPEC_TABLE = {
    10001: BybitInvalidRequestError,
    10002: BybitTimestampError,
    10003: BybitAuthError,
    10004: BybitAuthError,
    10005: BybitAuthError,
    10006: BybitRateLimitError,
    10010: BybitAuthError,
    10016: BybitServerError,
    10017: BybitInvalidRequestError,
    110001: BybitOrderNotFoundError,
    110003: BybitOrderRejectedError,
    110004: BybitInsufficientBalanceError,
    110007: BybitInsufficientBalanceError,
    110008: BybitOrderClosedError,
    110010: BybitOrderClosedError,
    110012: BybitInsufficientBalanceError,
    110017: BybitOrderRejectedError,
    110020: BybitOrderRejectedError,
    110025: BybitNotModifiedError,
    110043: BybitNotModifiedError,
    110072: BybitDuplicateOrderError,
    110079: BybitOrderBusyError,
    110094: BybitOrderRejectedError,
}


@pytest.mark.parametrize(("code", "cls"), SPEC_TABLE.items())
def test_every_spec_ret_code_maps_to_its_class(code: int, cls: type[BybitApiError]) -> None:
    error = error_for(code, "some text", endpoint="/v5/order/create")
    assert type(error) is cls
    assert (error.ret_code, error.ret_msg, error.endpoint) == (
        code,
        "some text",
        "/v5/order/create",
    )
    assert bybit.RET_CODE_ERRORS[code] is cls


def test_class_is_chosen_by_code_never_by_message() -> None:
    assert type(error_for(110007, "ab not enough for new order")) is BybitInsufficientBalanceError
    assert type(error_for(10001, "Not supported symbols")) is BybitInvalidRequestError
    assert type(error_for(999999, "Order does not exist")) is BybitApiError


def test_retry_classes() -> None:
    retryable = {cls for cls in SPEC_TABLE.values() if cls.retryable}
    assert retryable == {
        BybitRateLimitError,
        BybitTimestampError,
        BybitServerError,
        BybitOrderBusyError,
    }
    assert issubclass(BybitOrderClosedError, BybitOrderNotFoundError)
    assert issubclass(BybitTimeoutError, bybit.BybitTransportError) and BybitTimeoutError.retryable


def test_rate_limit_error_carries_reset_time() -> None:
    error = error_for(10006, "Too many visits!", reset_ms=1691507699096)
    assert isinstance(error, BybitRateLimitError) and error.reset_ms == 1691507699096


SECRET = "topsecret-value-1234"
Handler = Callable[[web.Request], web.StreamResponse]


@pytest.fixture
async def server() -> AsyncIterator[Callable[[Handler], asyncio.Future[str]]]:
    runners: list[web.AppRunner] = []

    async def start(handler: Handler) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        runners.append(runner)
        return f"http://127.0.0.1:{runner.addresses[0][1]}"

    yield start  # type: ignore[misc]
    for runner in runners:
        await runner.cleanup()


def _config(url: str, **kw: object) -> BybitConfig:
    return BybitConfig(api_key="k", api_secret=SECRET, rest_url=url, time_sync=False, **kw)  # type: ignore[arg-type]


def _respond(status: int, body: str, headers: dict[str, str] | None = None) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=status, text=body, headers=headers)

    return handler  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (
            200,
            '{"retCode":110072,"retMsg":"OrderLinkedID is duplicate","result":{}}',
            BybitDuplicateOrderError,
        ),
        (429, "", BybitRateLimitError),
        (403, "access too frequent", BybitRateLimitError),
        (401, '{"retCode":10003,"retMsg":"API key is invalid."}', BybitAuthError),
        (502, "<html>bad gateway</html>", BybitServerError),
        (200, "<html>not json</html>", BybitParseError),
        (200, '{"retCode":0,"retMsg":"OK","result":{"timeSecond":1}}', BybitParseError),
    ],
)
async def test_http_answers_map_to_typed_errors(
    server: Callable[[Handler], asyncio.Future[str]], status: int, body: str, cls: type[Exception]
) -> None:
    url = await server(_respond(status, body))
    async with BybitHttpClient(_config(url, rate_limit_retries=0)) as client:
        with pytest.raises(cls) as info:
            await client.get("/v5/market/time", {}, bybit.http.schemas.ServerTime, signed=False)
    assert SECRET not in str(info.value) and SECRET not in repr(info.value.__dict__)


async def test_slow_server_raises_timeout_error(
    server: Callable[[Handler], asyncio.Future[str]],
) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.Response(text="{}")

    url = await server(slow)  # type: ignore[arg-type]
    async with BybitHttpClient(_config(url, request_timeout_s=0.2)) as client:
        with pytest.raises(BybitTimeoutError) as info:
            await client.get("/v5/market/time", {}, Empty, signed=False)
    assert info.value.timeout_s == 0.2


async def test_refused_connection_raises_connection_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with BybitHttpClient(_config(f"http://127.0.0.1:{port}")) as client:
        with pytest.raises(BybitConnectionError):
            await client.get("/v5/market/time", {}, Empty, signed=False)


async def test_calls_are_refused_before_sending_when_closed_or_unsigned() -> None:
    client = BybitHttpClient(_config("http://127.0.0.1:9"))
    with pytest.raises(BybitRequestError):
        await client.get("/v5/order/realtime", {}, Empty)
    async with BybitHttpClient(BybitConfig(rest_url="http://127.0.0.1:9", time_sync=False)) as c:
        with pytest.raises(BybitRequestError, match="API key"):
            await c.get("/v5/order/realtime", {}, Empty)
