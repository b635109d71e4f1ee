"""Websocket ``op`` requests (auth, subscribe) matched to their acks by ``req_id``."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import msgspec
from websockets.asyncio.client import ClientConnection

from bybit.http.errors import BybitConnectionError
from bybit.ws.messages import WsFrame


class PendingRequests:
    """Sends ``{"req_id", "op", "args"}`` and waits for the ack the reader resolves."""

    def __init__(self, stream: str) -> None:
        self._stream = stream
        self._ids = itertools.count(1)
        self._pending: dict[str, tuple[str, asyncio.Future[WsFrame]]] = {}

    def next_id(self, op: str) -> str:
        return f"{op}-{next(self._ids)}"

    async def request(
        self, ws: ClientConnection, op: str, args: list[Any], timeout_s: float
    ) -> WsFrame:
        req_id = self.next_id(op)
        future: asyncio.Future[WsFrame] = asyncio.get_running_loop().create_future()
        self._pending[req_id] = (op, future)
        try:
            await ws.send(msgspec.json.encode({"req_id": req_id, "op": op, "args": args}).decode())
            async with asyncio.timeout(timeout_s):
                return await future
        finally:
            self._pending.pop(req_id, None)

    def resolve(self, frame: WsFrame) -> None:
        """Hand an ack to its request; a server that does not echo ``req_id`` gets its
        ack matched to the oldest pending request of the same ``op``."""
        entry = self._pending.get(frame.req_id)
        if entry is None:
            entry = next((e for e in self._pending.values() if e[0] == frame.op), None)
        if entry is not None and not entry[1].done():
            entry[1].set_result(frame)

    def fail_all(self) -> None:
        for _, future in self._pending.values():
            if not future.done():
                future.set_exception(BybitConnectionError(self._stream, "connection lost"))
        self._pending.clear()
