"""Executor outcomes (subject ``{ns}.exec.{account_id}.result``)."""

from __future__ import annotations

import enum

from proto.common import Event


class RejectReason(enum.StrEnum):
    """Why an intent did not become an exchange order (``ExecReject.reason``)."""

    DUPLICATE = "duplicate"  # §6.6 gate 1: same price, qty, side, reduceOnly resting
    REDUCE_ONLY_FLAT = "reduce_only_flat"  # §6.6 gate 3: reduce-only with no position
    REDUCE_ONLY_EXCEEDS = "reduce_only_exceeds"  # §6.6 gate 2: closes would exceed size
    SAME_ORDER_LATCH = "same_order_latch"  # §6.6 latch active
    LOW_BALANCE = "low_balance"  # §6.6 preflight: opening order not affordable
    ZERO_QTY = "zero_qty"  # resolved quantity is 0
    CIRCUIT_OPEN = "circuit_open"  # breaker open after consecutive failures
    STALE = "stale"  # intent older than the executor's cut-off
    EXCHANGE = "exchange"  # the exchange refused it (``ret_code`` says why)
    RETRIES_EXHAUSTED = "retries_exhausted"  # transport failures beyond the retry budget


class ExecResult(Event, frozen=True, kw_only=True, tag="exec_result"):
    """An intent the executor carried out (or, in shadow mode, would have)."""

    account_id: str
    symbol: str
    intent_batch_id: str
    action: str  # "place" | "cancel"
    client_order_id: str
    order_link_id: str = ""
    order_id: str = ""
    shadow: bool = False
    latency_ns: int = 0


class ExecReject(Event, frozen=True, kw_only=True, tag="exec_reject"):
    """An intent that did not reach the exchange or that the exchange refused."""

    account_id: str
    symbol: str
    intent_batch_id: str
    action: str
    client_order_id: str
    #: Bybit retCode, or 0 when a local gate refused it.
    ret_code: int
    #: A :class:`RejectReason` value.
    reason: str
    detail: str = ""
