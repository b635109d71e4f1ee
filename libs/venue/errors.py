"""Bybit retCodes the simulator answers with, and the exception that carries them."""

from enum import IntEnum

__all__ = ["BybitError", "RetCode"]


class RetCode(IntEnum):
    OK = 0
    PARAMS = 10001
    TIMESTAMP = 10002
    API_KEY = 10003
    SIGN = 10004
    PERMISSION = 10005
    RATE_LIMIT = 10006
    SERVER = 10016
    ROUTE = 10017
    ORDER_NOT_FOUND = 110001
    PRICE_RANGE = 110003
    INSUFFICIENT_AB = 110007
    REDUCE_ONLY = 110017
    TOO_MANY_ORDERS = 110020
    MODE_HAS_POSITION = 110024
    MODE_NOT_MODIFIED = 110025
    MODE_HAS_ORDERS = 110028
    LEVERAGE_NOT_MODIFIED = 110043
    DUPLICATE_LINK_ID = 110072
    MIN_NOTIONAL = 110094


DEFAULT_MESSAGES: dict[RetCode, str] = {
    RetCode.PARAMS: "Request parameter error",
    RetCode.API_KEY: "API key is invalid.",
    RetCode.RATE_LIMIT: "Too many visits!",
    RetCode.SERVER: "Server error.",
    RetCode.ROUTE: "Route not found.",
    RetCode.ORDER_NOT_FOUND: "order not exists or too late to cancel",
    RetCode.INSUFFICIENT_AB: "ab not enough for new order",
    RetCode.REDUCE_ONLY: "current position is zero, cannot fix reduce-only order qty",
    RetCode.TOO_MANY_ORDERS: "Not allowed to have more than 500 active orders.",
    RetCode.MODE_NOT_MODIFIED: "Position mode is not modified",
    RetCode.LEVERAGE_NOT_MODIFIED: "leverage not modified",
    RetCode.DUPLICATE_LINK_ID: "OrderLinkedID is duplicate",
}


class BybitError(Exception):
    """A business error answered as HTTP 200 with a non-zero retCode."""

    def __init__(self, ret_code: RetCode, ret_msg: str | None = None) -> None:
        self.ret_code = ret_code
        self.ret_msg = ret_msg if ret_msg is not None else DEFAULT_MESSAGES.get(ret_code, "")
        super().__init__(f"{int(ret_code)}: {self.ret_msg}")

    @classmethod
    def param(cls, name: str, problem: str = "invalid") -> "BybitError":
        """10001 naming the offending parameter."""
        return cls(RetCode.PARAMS, f"params error: {name} {problem}")
