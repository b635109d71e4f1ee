"""Order endpoints: place/cancel (single, all, batch), open orders, history, executions.

``query_*`` return Bybit's rows (all pages); ``request_*`` return proto events marked
``backfilled`` with the same ``event_id`` formulas the websocket uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

import msgspec

import proto
from bybit.http import schemas
from bybit.http._paging import all_pages
from bybit.http.client import BybitHttpClient
from bybit.http.errors import BybitApiError, BybitParseError, BybitRequestError, error_for
from bybit.parse import LINEAR, parse_execution, parse_order

#: Linear batch limit per request (spec §3.4).
MAX_BATCH: Final = 20
_ext_decoder: Final = msgspec.json.Decoder(schemas.BatchExtInfo)


def decimal_str(value: Decimal) -> str:
    """A price or quantity as Bybit wants it: plain notation, never ``1E+1``."""
    return format(value, "f")


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """One item of a batch answer; ``ret_code`` 0 is success."""

    order_id: str
    order_link_id: str
    ret_code: int
    ret_msg: str

    @property
    def ok(self) -> bool:
        return self.ret_code == 0

    def error(self, endpoint: str = "") -> BybitApiError | None:
        """The typed error this item would have raised alone (``None`` on success)."""
        return None if self.ok else error_for(self.ret_code, self.ret_msg, endpoint=endpoint)


class BybitTradeHttpAPI:
    """Signed ``/v5/order/*`` and ``/v5/execution/list`` for the linear category."""

    def __init__(self, client: BybitHttpClient) -> None:
        self._client = client

    @property
    def account_id(self) -> str:
        return self._client.config.account_id

    def _ts(self, ts_local_ns: int | None) -> int:
        return self._client.clock_ns() if ts_local_ns is None else ts_local_ns

    # ------------------------------------------------------------------ commands

    async def place_order(self, order: schemas.PlaceOrder) -> schemas.OrderAck:
        """``POST /v5/order/create``; the ack only — state follows on the ``order`` topic."""
        body = _with_category(order)
        return (await self._client.post("/v5/order/create", body, schemas.OrderAck)).result

    async def cancel_order(
        self, symbol: str, *, order_id: str | None = None, order_link_id: str | None = None
    ) -> schemas.OrderAck:
        if not (order_id or order_link_id):
            raise BybitRequestError("cancel_order needs order_id or order_link_id")
        cancel = schemas.CancelOrder(symbol=symbol, orderId=order_id, orderLinkId=order_link_id)
        reply = await self._client.post(
            "/v5/order/cancel", _with_category(cancel), schemas.OrderAck
        )
        return reply.result

    async def cancel_all(self, symbol: str) -> list[schemas.OrderAck]:
        body = {"category": LINEAR, "symbol": symbol}
        reply = await self._client.post("/v5/order/cancel-all", body, schemas.CancelAllResult)
        return reply.result.list

    async def place_batch(self, orders: Sequence[schemas.PlaceOrder]) -> list[BatchOutcome]:
        """``POST /v5/order/create-batch`` (≤ 20); outcomes are index-aligned with ``orders``."""
        return await self._batch("/v5/order/create-batch", orders)

    async def cancel_batch(self, cancels: Sequence[schemas.CancelOrder]) -> list[BatchOutcome]:
        """``POST /v5/order/cancel-batch`` (≤ 20); outcomes are index-aligned with ``cancels``."""
        return await self._batch("/v5/order/cancel-batch", cancels)

    async def _batch(self, path: str, items: Sequence[msgspec.Struct]) -> list[BatchOutcome]:
        if not 0 < len(items) <= MAX_BATCH:
            raise BybitRequestError(f"{path}: {len(items)} items, allowed 1..{MAX_BATCH}")
        body = {"category": LINEAR, "request": list(items)}
        reply = await self._client.post(path, body, schemas.BatchResult)
        try:
            statuses = _ext_decoder.decode(reply.ext).list
        except msgspec.DecodeError as exc:
            raise BybitParseError(path, f"retExtInfo: {exc}") from None
        rows = reply.result.list
        if len(rows) != len(items) or len(statuses) != len(items):
            raise BybitParseError(path, f"{len(items)} sent, {len(rows)}/{len(statuses)} back")
        return [
            BatchOutcome(row.orderId, row.orderLinkId, status.code, status.msg)
            for row, status in zip(rows, statuses, strict=True)
        ]

    # ------------------------------------------------------------------ queries

    async def query_open_orders(
        self,
        symbol: str | None = None,
        *,
        order_id: str | None = None,
        order_link_id: str | None = None,
        settle_coin: str = "USDT",
    ) -> list[schemas.Order]:
        """Open orders (every page, 50 a page), newest first. Without ``symbol``, every
        symbol settled in ``settle_coin``."""
        params = _symbol_params(symbol, settle_coin)
        params.update(orderId=order_id, orderLinkId=order_link_id, limit=50)
        items, _ = await all_pages(self._client, "/v5/order/realtime", params, schemas.OrdersResult)
        return items

    async def query_order_history(
        self,
        symbol: str | None = None,
        *,
        order_id: str | None = None,
        order_link_id: str | None = None,
        settle_coin: str = "USDT",
    ) -> list[schemas.Order]:
        """``/v5/order/history`` (closed and open orders of the last days), every page."""
        params = _symbol_params(symbol, settle_coin)
        params.update(orderId=order_id, orderLinkId=order_link_id, limit=50)
        items, _ = await all_pages(self._client, "/v5/order/history", params, schemas.OrdersResult)
        return items

    async def query_order_by_link_id(self, symbol: str, order_link_id: str) -> schemas.Order | None:
        """The order with this ``orderLinkId``: open orders first, then order history.
        ``None`` means the exchange never accepted it (safe to place again)."""
        for query in (self.query_open_orders, self.query_order_history):
            rows = await query(symbol, order_link_id=order_link_id)
            match = [row for row in rows if row.orderLinkId == order_link_id]
            if match:
                return max(match, key=lambda row: int(row.updatedTime or 0))
        return None

    async def query_executions(
        self,
        symbol: str | None = None,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
        exec_type: str | None = None,
        order_id: str | None = None,
        settle_coin: str = "USDT",
    ) -> list[schemas.Execution]:
        """Executions (every page, 100 a page), newest first. Bybit's window is ≤ 7 days."""
        params = _symbol_params(symbol, settle_coin)
        params.update(
            orderId=order_id, startTime=start_ms, endTime=end_ms, execType=exec_type, limit=100
        )
        items, _ = await all_pages(
            self._client, "/v5/execution/list", params, schemas.ExecutionsResult
        )
        return items

    # ------------------------------------------------------------------ proto results

    async def request_open_orders(
        self, symbol: str | None = None, *, ts_local_ns: int | None = None
    ) -> list[proto.OrderUpdate]:
        """Open orders as back-filled updates; ``ts_local_ns`` defaults to receipt time."""
        rows = await self.query_open_orders(symbol)
        ts = self._ts(ts_local_ns)
        return [parse_order(r, self.account_id, ts, backfilled=True) for r in rows]

    async def request_order_by_link_id(
        self, symbol: str, order_link_id: str, *, ts_local_ns: int | None = None
    ) -> proto.OrderUpdate | None:
        row = await self.query_order_by_link_id(symbol, order_link_id)
        if row is None:
            return None
        return parse_order(row, self.account_id, self._ts(ts_local_ns), backfilled=True)

    async def request_executions(
        self,
        symbol: str | None = None,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
        ts_local_ns: int | None = None,
    ) -> list[proto.Execution]:
        """Executions oldest first, every execType kept (``Funding`` is not a fill)."""
        rows = await self.query_executions(symbol, start_ms=start_ms, end_ms=end_ms)
        ts = self._ts(ts_local_ns)
        events = [parse_execution(r, self.account_id, ts, backfilled=True) for r in rows]
        return sorted(events, key=lambda e: (e.ts_exchange_ms, e.exec_id))


def _with_category(item: msgspec.Struct) -> dict[str, Any]:
    fields = msgspec.structs.asdict(item)
    return {"category": LINEAR, **{k: v for k, v in fields.items() if v is not None}}


def _symbol_params(symbol: str | None, settle_coin: str) -> dict[str, object]:
    if symbol:
        return {"category": LINEAR, "symbol": symbol}
    return {"category": LINEAR, "settleCoin": settle_coin}
