"""The adapter's typed error tree.

Callers retry by *type*, never by message text. Every exception carries the data it was
built from (``ret_code``, ``ret_msg``, ``endpoint``, ``http_status`` …) and never the API
key, secret, signature or request headers.

::

    BybitError
    ├── BybitRequestError              refused locally, nothing was sent
    ├── BybitTransportError            the exchange's answer is unknown
    │   ├── BybitTimeoutError          no answer within the call's timeout
    │   └── BybitConnectionError       connect/read failed
    ├── BybitParseError                a frame or body that does not fit the schema
    ├── BybitWsError                   websocket protocol failure (auth/subscribe refused)
    └── BybitApiError(ret_code, ret_msg)
        ├── BybitRateLimitError        10006, HTTP 429/403: wait until ``reset_ms``
        ├── BybitTimestampError        10002: resync the clock, then retry
        ├── BybitAuthError             10003/10004/10005/10010, HTTP 401: never retry
        ├── BybitServerError           10016, HTTP 5xx: retry with backoff
        ├── BybitOrderBusyError        110079: retry shortly
        ├── BybitInvalidRequestError   10001/10017 and order-parameter rejects: never retry
        │   ├── BybitOrderRejectedError   110003/110017/110020/110094 …
        │   └── BybitNotModifiedError     110025/110043: already in the wanted state
        ├── BybitOrderNotFoundError    110001: query before acting
        │   └── BybitOrderClosedError     110008/110010: filled or cancelled already
        ├── BybitDuplicateOrderError   110072: the orderLinkId exists, query it
        └── BybitInsufficientBalanceError  110004/110007/110012
"""

from __future__ import annotations

from typing import ClassVar, Final


class BybitError(Exception):
    """Base of every error the adapter raises."""

    #: Whether repeating the same call later can succeed.
    retryable: ClassVar[bool] = False


class BybitRequestError(BybitError):
    """A call refused before anything was sent (bad arguments, client closed)."""


class BybitTransportError(BybitError):
    """The request may or may not have reached the exchange; query before retrying a POST."""

    retryable = True

    def __init__(self, endpoint: str, reason: str) -> None:
        super().__init__(f"{endpoint}: {reason}")
        self.endpoint = endpoint
        self.reason = reason


class BybitTimeoutError(BybitTransportError):
    """No complete answer within ``timeout_s``."""

    def __init__(self, endpoint: str, timeout_s: float) -> None:
        super().__init__(endpoint, f"no answer within {timeout_s:g} s")
        self.timeout_s = timeout_s


class BybitConnectionError(BybitTransportError):
    """The connection failed (refused, reset, closed mid-answer)."""


class BybitParseError(BybitError):
    """A REST body or WS frame that does not match Bybit's schema."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


class BybitWsError(BybitError):
    """The websocket server refused an ``op`` (auth, subscribe)."""

    def __init__(self, op: str, ret_msg: str, topics: tuple[str, ...] = ()) -> None:
        super().__init__(f"ws {op} refused: {ret_msg!r} {list(topics) if topics else ''}".rstrip())
        self.op = op
        self.ret_msg = ret_msg
        self.topics = topics


class BybitApiError(BybitError):
    """The exchange answered and refused: a non-zero ``retCode`` or an HTTP error.

    ``ret_code`` is ``None`` when the body carried no envelope (plain HTTP errors).
    """

    def __init__(
        self,
        ret_code: int | None,
        ret_msg: str,
        *,
        endpoint: str = "",
        http_status: int = 200,
    ) -> None:
        code = "-" if ret_code is None else str(ret_code)
        super().__init__(f"{endpoint or 'bybit'}: retCode={code} http={http_status} {ret_msg}")
        self.ret_code = ret_code
        self.ret_msg = ret_msg
        self.endpoint = endpoint
        self.http_status = http_status


class BybitRateLimitError(BybitApiError):
    """Rate limit hit; ``reset_ms`` is the exchange-clock ms after which a retry is allowed."""

    retryable = True

    def __init__(
        self,
        ret_code: int | None,
        ret_msg: str,
        *,
        endpoint: str = "",
        http_status: int = 200,
        reset_ms: int | None = None,
    ) -> None:
        super().__init__(ret_code, ret_msg, endpoint=endpoint, http_status=http_status)
        self.reset_ms = reset_ms


class BybitTimestampError(BybitApiError):
    retryable = True


class BybitAuthError(BybitApiError):
    pass


class BybitServerError(BybitApiError):
    retryable = True


class BybitOrderBusyError(BybitApiError):
    retryable = True


class BybitInvalidRequestError(BybitApiError):
    pass


class BybitOrderRejectedError(BybitInvalidRequestError):
    pass


class BybitNotModifiedError(BybitInvalidRequestError):
    pass


class BybitOrderNotFoundError(BybitApiError):
    pass


class BybitOrderClosedError(BybitOrderNotFoundError):
    pass


class BybitDuplicateOrderError(BybitApiError):
    pass


class BybitInsufficientBalanceError(BybitApiError):
    pass


#: Every retCode of spec §3.5 (and the few more the adapter meets) → its class.
RET_CODE_ERRORS: Final[dict[int, type[BybitApiError]]] = {
    10001: BybitInvalidRequestError,
    10002: BybitTimestampError,
    10003: BybitAuthError,
    10004: BybitAuthError,
    10005: BybitAuthError,
    10006: BybitRateLimitError,
    10010: BybitAuthError,
    10016: BybitServerError,
    10017: BybitInvalidRequestError,
    10018: BybitRateLimitError,
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


def error_for(
    ret_code: int,
    ret_msg: str,
    *,
    endpoint: str = "",
    http_status: int = 200,
    reset_ms: int | None = None,
) -> BybitApiError:
    """The exception for a non-zero ``retCode`` (unknown codes give ``BybitApiError``)."""
    cls = RET_CODE_ERRORS.get(ret_code, BybitApiError)
    if cls is BybitRateLimitError:
        return BybitRateLimitError(
            ret_code, ret_msg, endpoint=endpoint, http_status=http_status, reset_ms=reset_ms
        )
    return cls(ret_code, ret_msg, endpoint=endpoint, http_status=http_status)


def error_for_http(
    http_status: int, body: str, *, endpoint: str, reset_ms: int | None = None
) -> BybitApiError:
    """The exception for an HTTP error whose body carries no ``retCode`` envelope."""
    text = body[:200]
    if http_status in (403, 429):
        return BybitRateLimitError(
            None, text, endpoint=endpoint, http_status=http_status, reset_ms=reset_ms
        )
    if http_status == 401:
        return BybitAuthError(None, text, endpoint=endpoint, http_status=http_status)
    if http_status >= 500:
        return BybitServerError(None, text, endpoint=endpoint, http_status=http_status)
    if http_status == 404:
        return BybitInvalidRequestError(None, text, endpoint=endpoint, http_status=http_status)
    return BybitApiError(None, text, endpoint=endpoint, http_status=http_status)
