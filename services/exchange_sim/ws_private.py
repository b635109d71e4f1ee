"""Private stream `/v5/private`: auth, then order/execution/position/wallet pushes.

Auth: `{"op":"auth","args":[api_key, expires, sign]}` with `expires` (JSON int or string) in
the future by the wall clock and `sign = hex(HMAC_SHA256(secret, "GET/realtime" + expires))`.
Pushes use `{"id", "topic", "creationTime", "data": [...]}` with `topic` equal to the
subscribed string (`order` or `order.linear`, ...). Pong is the private shape
`{"req_id", "op": "pong", "args": ["<ms>"], "conn_id"}`.
"""

import json
from collections.abc import Callable, Iterable
from typing import Any

from services.exchange_sim.auth import verify_ws_auth
from services.exchange_sim.clock import VirtualClock
from services.exchange_sim.ws_conn import WsConnection, WsHub, WsLink, WsStats, encode
from venue.errors import BybitError
from venue.kernel import Venue

__all__ = ["TOPICS", "PrivateHub"]

# kind of update -> topics a client may subscribe to for it
TOPICS: dict[str, tuple[str, ...]] = {
    "order": ("order", "order.linear"),
    "execution": ("execution", "execution.linear"),
    "execution.fast": ("execution.fast", "execution.fast.linear"),
    "position": ("position", "position.linear"),
    "wallet": ("wallet",),
    "greeks": ("greeks",),
}
_ALL_TOPICS = frozenset(t for topics in TOPICS.values() for t in topics)


class PrivateHub(WsHub):
    def __init__(
        self,
        exchange: Venue,
        clock: VirtualClock,
        link: WsLink,
        stats: WsStats,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(exchange, clock, link, stats, on_change, id_seed=-2)
        self._by_account: dict[str, set[WsConnection]] = {}

    def _forget(self, conn: WsConnection) -> None:
        if conn.api_key is not None:
            self._by_account.get(conn.api_key, set()).discard(conn)

    def _reply(self, conn: WsConnection, op: str, req_id: str | None, ok: bool, msg: str) -> None:
        reply: dict[str, Any] = {"success": ok, "ret_msg": msg, "op": op, "conn_id": conn.conn_id}
        if req_id is not None:
            reply["req_id"] = req_id
        conn.send(reply)

    def _on_text(self, conn: WsConnection, text: str) -> None:
        try:
            msg = json.loads(text)
        except ValueError:
            msg = None
        if not isinstance(msg, dict) or not isinstance(msg.get("op", ""), str):
            self.stats.malformed_frames += 1
            self._reply(conn, "", None, False, "error:invalid request, expected a JSON object")
            return
        op = msg.get("op", "")
        raw_id = msg.get("req_id")
        req_id = None if raw_id is None else str(raw_id)
        args = msg.get("args", [])
        if op == "ping":
            pong: dict[str, Any] = {"op": "pong", "args": [str(self._clock.now_ms())]}
            conn.send({"req_id": req_id or "", **pong, "conn_id": conn.conn_id})
        elif op == "auth":
            self._auth(conn, req_id, args)
        elif op in ("subscribe", "unsubscribe"):
            self._subscription(conn, op, req_id, args)
        else:
            self._reply(conn, op, req_id, False, f"error:unsupported op: {op}")

    def _auth(self, conn: WsConnection, req_id: str | None, args: Any) -> None:
        if conn.api_key is not None:
            self._reply(conn, "auth", req_id, False, "Repeat auth")
            return
        try:
            api_key = verify_ws_auth(args, self._exchange.accounts)
        except BybitError as exc:
            self._reply(conn, "auth", req_id, False, exc.ret_msg)
            return
        conn.api_key = api_key
        self._by_account.setdefault(api_key, set()).add(conn)
        self._reply(conn, "auth", req_id, True, "")

    def _subscription(self, conn: WsConnection, op: str, req_id: str | None, args: Any) -> None:
        if conn.api_key is None:
            self._reply(conn, op, req_id, False, "Request not authorized")
            return
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            self._reply(conn, op, req_id, False, "error:args must be a list of topics")
            return
        if op == "unsubscribe":
            conn.topics.difference_update(args)
            self._reply(conn, op, req_id, True, "")
            return
        bad = [t for t in args if t not in _ALL_TOPICS]
        conn.topics.update(t for t in args if t in _ALL_TOPICS)
        self._on_change()
        if bad:
            self._reply(conn, op, req_id, False, f"error:handler not found,topic:{bad[0]}")
        else:
            self._reply(conn, op, req_id, True, "")

    # --- pushes -------------------------------------------------------------------------------
    @property
    def has_clients(self) -> bool:
        return bool(self.conns)

    def subscribed(self, api_key: str, kind: str) -> bool:
        conns = self._by_account.get(api_key)
        if not conns:
            return False
        topics = TOPICS[kind]
        return any(t in c.topics for c in conns for t in topics)

    def push(self, api_key: str, kind: str, items: Iterable[dict[str, Any]]) -> None:
        data = list(items)
        if not data:
            return
        for conn in list(self._by_account.get(api_key, ())):
            for topic in TOPICS[kind]:
                if topic in conn.topics:
                    conn.send(self._envelope(topic, data))

    def _envelope(self, topic: str, data: list[dict[str, Any]]) -> str:
        return encode(
            {
                "id": self._ids.uuid("push"),
                "topic": topic,
                "creationTime": self._clock.now_ms(),
                "data": data,
            }
        )

    def drop(self, api_key: str | None = None) -> int:
        conns = [c for c in self.conns if api_key is None or c.api_key == api_key]
        for conn in conns:
            conn.abort()
        return len(conns)

    async def backpressure(self, max_stall_s: float) -> None:
        for conn in list(self.conns):
            await conn.wait_drained(max_stall_s)
