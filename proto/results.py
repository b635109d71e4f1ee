"""Executor outcomes (subject ``{ns}.exec.{account_id}.result``)."""

from __future__ import annotations

from proto.common import Event


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
    reason: str
