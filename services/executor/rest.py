"""Place and cancel through the Bybit adapter with bounded retries and idempotent ids.

Every adapter error is sorted by *type* (``classify``) into what the executor does next:

=================  =====================================================  ============
fault              errors                                                 next step
=================  =====================================================  ============
``UNKNOWN``        transport (timeout, connection), 5xx/10016, bad body   look the
                                                                          order up by
                                                                          orderLinkId,
                                                                          then retry
``RETRY``          rate limit, 110079 busy, 10002 timestamp               retry
``DUPLICATE_ID``   110072: the orderLinkId exists                         look it up
``GONE``           110001/110008/110010 (+ 110025/110043 on cancel)       cancel done
``REJECT``         parameters, reduce-only, balance, other retCodes       ExecReject
``FAILURE``        auth, client closed/refused                            ExecReject,
                                                                          breaker
=================  =====================================================  ============

A placement keeps one ``orderLinkId`` through all its attempts, so the exchange itself
refuses a second order (110072) even when a lost answer made us send it again.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bybit import (
    BybitApiError,
    BybitAuthError,
    BybitDuplicateOrderError,
    BybitError,
    BybitNotModifiedError,
    BybitOrderNotFoundError,
    BybitParseError,
    BybitRequestError,
    BybitServerError,
    BybitTradeHttpAPI,
    BybitTransportError,
    PlaceOrder,
)
from bybit.http.schemas import Order as OrderRow
from proto import RejectReason


class Fault(enum.Enum):
    UNKNOWN = "unknown"
    RETRY = "retry"
    DUPLICATE_ID = "duplicate_id"
    GONE = "gone"
    REJECT = "reject"
    FAILURE = "failure"


class Health(enum.Enum):
    """What an operation says about the exchange connection (the breaker's input)."""

    SUCCESS = "success"  # the exchange answered (also with a business reject)
    FAILURE = "failure"
    NEUTRAL = "neutral"  # nothing was learnt


def classify(exc: BybitError) -> Fault:
    if isinstance(exc, BybitTransportError | BybitServerError | BybitParseError):
        return Fault.UNKNOWN
    if isinstance(exc, BybitDuplicateOrderError):
        return Fault.DUPLICATE_ID
    if isinstance(exc, BybitOrderNotFoundError):
        return Fault.GONE
    if isinstance(exc, BybitAuthError | BybitRequestError):
        return Fault.FAILURE
    if exc.retryable:
        return Fault.RETRY
    return Fault.REJECT


class Aborted(Exception):
    """The worker lost its lease in the middle of an operation."""


@dataclass(frozen=True, slots=True)
class OpResult:
    ok: bool
    health: Health
    order_id: str = ""
    #: The exchange row when the order was found by lookup instead of acknowledged.
    row: OrderRow | None = None
    reason: RejectReason | None = None
    ret_code: int = 0
    detail: str = ""
    #: Retries exhausted while the order may have landed (keep its link id).
    outcome_unknown: bool = False


def _reject(exc: BybitError, health: Health) -> OpResult:
    code = exc.ret_code if isinstance(exc, BybitApiError) and exc.ret_code is not None else 0
    return OpResult(False, health, reason=RejectReason.EXCHANGE, ret_code=code, detail=str(exc))


class OrderGateway:
    """One account's REST operations; ``on_retry(attempt, error)`` is told before each
    retry, ``aborted`` is polled before every attempt."""

    def __init__(
        self,
        trade: BybitTradeHttpAPI,
        *,
        max_retries: int,
        backoff_s: Sequence[float],
        on_retry: Callable[[int, BybitError], None] = lambda attempt, exc: None,
        aborted: Callable[[], bool] = lambda: False,
    ) -> None:
        self.trade = trade
        self._max_retries = max_retries
        self._backoff = tuple(backoff_s) or (0.0,)
        self._on_retry = on_retry
        self._aborted = aborted

    async def place(self, order: PlaceOrder, *, outcome_unknown: bool = False) -> OpResult:
        """Place ``order`` (its ``orderLinkId`` set). ``outcome_unknown``: an earlier
        attempt with this link id may have landed, so look it up first."""
        assert order.orderLinkId
        unknown = outcome_unknown
        failures = 0
        while True:
            self._check_aborted()
            try:
                if unknown:
                    row = await self.trade.query_order_by_link_id(order.symbol, order.orderLinkId)
                    if row is not None:
                        return OpResult(True, Health.SUCCESS, order_id=row.orderId, row=row)
                    unknown = False
                ack = await self.trade.place_order(order)
                return OpResult(True, Health.SUCCESS, order_id=ack.orderId)
            except BybitError as exc:
                fault = classify(exc)
                if fault is Fault.REJECT or fault is Fault.GONE:
                    return _reject(exc, Health.SUCCESS)
                if fault is Fault.FAILURE:
                    return _reject(exc, Health.FAILURE)
                if fault is not Fault.RETRY:  # UNKNOWN, DUPLICATE_ID: it may exist
                    unknown = True
                failures += 1
                if failures > self._max_retries:
                    return _exhausted(exc, outcome_unknown=unknown)
                await self._backoff_sleep(failures, exc)

    async def cancel(self, symbol: str, order_id: str) -> OpResult:
        """Cancel by exchange id; an order already gone counts as cancelled."""
        failures = 0
        while True:
            self._check_aborted()
            try:
                ack = await self.trade.cancel_order(symbol, order_id=order_id)
                return OpResult(True, Health.SUCCESS, order_id=ack.orderId or order_id)
            except BybitError as exc:
                fault = classify(exc)
                if fault is Fault.GONE or isinstance(exc, BybitNotModifiedError):
                    return OpResult(True, Health.SUCCESS, order_id=order_id, detail="already gone")
                if fault is Fault.REJECT or fault is Fault.DUPLICATE_ID:
                    return _reject(exc, Health.SUCCESS)
                if fault is Fault.FAILURE:
                    return _reject(exc, Health.FAILURE)
                failures += 1
                if failures > self._max_retries:
                    return _exhausted(exc)
                await self._backoff_sleep(failures, exc)

    def _check_aborted(self) -> None:
        if self._aborted():
            raise Aborted

    async def _backoff_sleep(self, failures: int, exc: BybitError) -> None:
        self._on_retry(failures, exc)
        await asyncio.sleep(self._backoff[min(failures - 1, len(self._backoff) - 1)])


def _exhausted(exc: BybitError, *, outcome_unknown: bool = False) -> OpResult:
    """The retry budget is spent: a failure for the breaker."""
    return OpResult(
        False,
        Health.FAILURE,
        reason=RejectReason.RETRIES_EXHAUSTED,
        ret_code=getattr(exc, "ret_code", None) or 0,
        detail=str(exc),
        outcome_unknown=outcome_unknown,
    )
