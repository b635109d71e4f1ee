"""Adapter errors sorted by type into what the executor does next."""

from __future__ import annotations

import pytest

from bybit import (
    BybitApiError,
    BybitAuthError,
    BybitConnectionError,
    BybitError,
    BybitParseError,
    BybitRequestError,
    BybitTimeoutError,
    error_for,
)
from bybit.http.errors import error_for_http
from services.executor.rest import Fault, classify


@pytest.mark.parametrize(
    ("error", "fault"),
    [
        (BybitTimeoutError("/v5/order/create", 0.3), Fault.UNKNOWN),
        (BybitConnectionError("/v5/order/create", "reset"), Fault.UNKNOWN),
        (error_for_http(503, "busy", endpoint="/v5/order/create"), Fault.UNKNOWN),
        (error_for(10016, "server error"), Fault.UNKNOWN),
        (BybitParseError("/v5/order/create", "bad body"), Fault.UNKNOWN),
        (error_for(10006, "too many visits"), Fault.RETRY),
        (error_for(110079, "busy"), Fault.RETRY),
        (error_for(10002, "timestamp"), Fault.RETRY),
        (error_for(110072, "duplicate orderLinkId"), Fault.DUPLICATE_ID),
        (error_for(110001, "order not exists"), Fault.GONE),
        (error_for(110008, "order filled"), Fault.GONE),
        (error_for(110017, "reduce-only"), Fault.REJECT),
        (error_for(110007, "ab not enough"), Fault.REJECT),
        (error_for(10001, "params error"), Fault.REJECT),
        (BybitApiError(170999, "unknown code"), Fault.REJECT),
        (error_for(10003, "invalid key"), Fault.FAILURE),
        (BybitAuthError(None, "401", http_status=401), Fault.FAILURE),
        (BybitRequestError("client closed"), Fault.FAILURE),
    ],
)
def test_every_error_type_has_one_next_step(error: BybitError, fault: Fault) -> None:
    assert classify(error) is fault
