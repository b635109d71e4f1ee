"""Public linear stream `/v5/public/linear`: publicTrade, tickers, orderbook.1.

- subscribe/unsubscribe/ping answered in the linear-public shape, `req_id` echoed;
- `tickers.{S}`: a snapshot right after the subscribe ack, then deltas (changed fields plus
  `symbol`) at most every 100 ms of virtual time; a late subscriber gets the last state sent;
- `publicTrade.{S}`: one message per group of feed trades with the same timestamp;
- `orderbook.1.{S}`: snapshot-only level 1 of the synthetic touch, pushed when it changes.
"""

import json
from collections.abc import Callable, Sequence
from typing import Any

from services.exchange_sim.clock import VirtualClock
from services.exchange_sim.render import render_public_trade, render_ticker
from services.exchange_sim.ws_conn import WsConnection, WsHub, WsLink, WsStats, encode
from venue.kernel import Venue
from venue.market import Market
from venue.models import Trade

__all__ = ["PublicHub"]

TICKER_INTERVAL_MS = 100


class PublicHub(WsHub):
    def __init__(
        self,
        exchange: Venue,
        clock: VirtualClock,
        link: WsLink,
        stats: WsStats,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(exchange, clock, link, stats, on_change, id_seed=-1)
        self.subs: dict[str, set[WsConnection]] = {}
        self._ticker_sent: dict[str, dict[str, str]] = {}
        self._book_sent: dict[str, tuple[str, str, str, str]] = {}
        self._book_u = 0
        self._cs = 0
        self._trade_seq = 0
        self._last_tick_ms: int | None = None

    def topics_valid(self) -> set[str]:
        return {
            f"{kind}.{symbol}"
            for symbol in self._exchange.markets
            for kind in ("publicTrade", "tickers", "orderbook.1")
        }

    def _forget(self, conn: WsConnection) -> None:
        for topic in list(conn.topics):
            self._unsubscribe(conn, topic)

    # --- requests ---------------------------------------------------------------------------
    def _reply(self, conn: WsConnection, op: str, req_id: str, ok: bool, msg: str) -> None:
        conn.send(
            {"success": ok, "ret_msg": msg, "conn_id": conn.conn_id, "req_id": req_id, "op": op}
        )

    def _on_text(self, conn: WsConnection, text: str) -> None:
        try:
            msg = json.loads(text)
        except ValueError:
            msg = None
        if not isinstance(msg, dict) or not isinstance(msg.get("op", ""), str):
            self.stats.malformed_frames += 1
            self._reply(conn, "", "", False, "error:invalid request, expected a JSON object")
            return
        op = msg.get("op", "")
        req_id = msg.get("req_id", "")
        req_id = req_id if isinstance(req_id, str) else str(req_id)
        args = msg.get("args", [])
        if op == "ping":
            self._reply(conn, "ping", req_id, True, "pong")
        elif op in ("subscribe", "unsubscribe"):
            if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
                self._reply(conn, op, req_id, False, "error:args must be a list of topics")
            elif op == "subscribe":
                self._subscribe_all(conn, req_id, args)
            else:
                for topic in args:
                    self._unsubscribe(conn, topic)
                self._reply(conn, op, req_id, True, "")
        else:
            self._reply(conn, op, req_id, False, f"error:unsupported op: {op}")

    def _subscribe_all(self, conn: WsConnection, req_id: str, args: list[str]) -> None:
        valid = self.topics_valid()
        bad = [t for t in args if t not in valid or t in conn.topics]
        fresh = [t for t in args if t in valid and t not in conn.topics]
        for topic in fresh:
            conn.topics.add(topic)
            self.subs.setdefault(topic, set()).add(conn)
        self._on_change()
        if bad:
            reason = "already subscribed" if bad[0] in conn.topics else "handler not found"
            self._reply(conn, "subscribe", req_id, False, f"error:{reason},topic:{bad[0]}")
        else:
            self._reply(conn, "subscribe", req_id, True, "")
        for topic in fresh:
            self._send_initial(conn, topic)

    def _unsubscribe(self, conn: WsConnection, topic: str) -> None:
        conn.topics.discard(topic)
        subscribers = self.subs.get(topic)
        if subscribers is None:
            return
        subscribers.discard(conn)
        if not subscribers:
            del self.subs[topic]
            symbol = topic.rsplit(".", 1)[-1]
            if topic.startswith("tickers."):
                self._ticker_sent.pop(symbol, None)
            elif topic.startswith("orderbook.1."):
                self._book_sent.pop(symbol, None)

    def _send_initial(self, conn: WsConnection, topic: str) -> None:
        symbol = topic.rsplit(".", 1)[-1]
        market = self._exchange.markets[symbol]
        if topic.startswith("tickers."):
            state = self._ticker_sent.get(symbol)
            if state is None:
                state = self._ticker_sent[symbol] = render_ticker(market)
            conn.send(self._ticker_msg(topic, "snapshot", state))
        elif topic.startswith("orderbook.1."):
            conn.send(self._book_msg(market))

    # --- publication ------------------------------------------------------------------------
    @property
    def has_clients(self) -> bool:
        return bool(self.conns)

    def publish_trades(self, market: Market, trades: Sequence[Trade]) -> None:
        topic = f"publicTrade.{market.symbol}"
        subscribers = self.subs.get(topic)
        if not subscribers:
            return
        data = []
        for trade in trades:
            self._trade_seq += 1
            data.append(render_public_trade(trade, market.inst, self._trade_seq))
        text = encode(
            {"topic": topic, "type": "snapshot", "ts": self._clock.now_ms(), "data": data}
        )
        for conn in list(subscribers):
            conn.send(text)

    def tick(self, now_ms: int, *, force: bool = False) -> None:
        """Ticker deltas and level-1 books, at most every 100 ms of virtual time (unless
        `force`: manual trades, the end of the feed)."""
        last = self._last_tick_ms
        if not force and last is not None and now_ms - last < TICKER_INTERVAL_MS:
            return
        self._last_tick_ms = now_ms
        for symbol, sent in list(self._ticker_sent.items()):
            state = render_ticker(self._exchange.markets[symbol])
            delta = {k: v for k, v in state.items() if sent.get(k) != v}
            if delta:
                sent.update(delta)
                delta["symbol"] = symbol
                self._broadcast(f"tickers.{symbol}", self._ticker_msg("", "delta", delta, symbol))
        for symbol in list(self._book_sent):
            market = self._exchange.markets[symbol]
            if self._book_key(market) != self._book_sent[symbol]:
                self._broadcast(f"orderbook.1.{symbol}", self._book_msg(market))

    def _broadcast(self, topic: str, message: dict[str, Any]) -> None:
        subscribers = self.subs.get(topic)
        if not subscribers:
            return
        text = encode(message)
        for conn in list(subscribers):
            conn.send(text)

    def _ticker_msg(
        self, topic: str, kind: str, data: dict[str, str], symbol: str = ""
    ) -> dict[str, Any]:
        self._cs += 1
        return {
            "topic": topic or f"tickers.{symbol}",
            "type": kind,
            "data": dict(data),
            "cs": self._cs,
            "ts": self._clock.now_ms(),
        }

    @staticmethod
    def _book_key(market: Market) -> tuple[str, str, str, str]:
        t = render_ticker(market)
        return (t["bid1Price"], t["bid1Size"], t["ask1Price"], t["ask1Size"])

    def _book_msg(self, market: Market) -> dict[str, Any]:
        key = self._book_key(market)
        self._book_sent[market.symbol] = key
        self._book_u += 1
        now = self._clock.now_ms()
        bids = [[key[0], key[1]]] if key[0] else []
        asks = [[key[2], key[3]]] if key[2] else []
        return {
            "topic": f"orderbook.1.{market.symbol}",
            "type": "snapshot",
            "ts": now,
            "data": {"s": market.symbol, "b": bids, "a": asks, "u": self._book_u, "seq": self._cs},
            "cts": now,
        }

    def drop(self) -> int:
        conns = list(self.conns)
        for conn in conns:
            conn.abort()
        return len(conns)

    async def backpressure(self, max_stall_s: float) -> None:
        for conn in list(self.conns):
            await conn.wait_drained(max_stall_s)
