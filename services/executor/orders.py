"""One account's view of its own orders and positions.

Orders are keyed by the wire ``orderLinkId``; its I-3 prefix is the engine's
``client_order_id``. Only orders whose link id carries a gridtwin prefix (16 lowercase
hex characters) are ours; anything else on the account is an orphan and never enters the
view. Three sources feed it: REST acks of our own placements, REST reconciliation, and
the account stream on the bus (``OrderUpdate``, ``Position``). Updates older than what
the view holds (``updated_ms``) are ignored, and an order once gone (filled, cancelled…)
never comes back: its link id is remembered (bounded) so a late ``New`` cannot revive it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from bybit.http.schemas import Order as OrderRow
from execution.orders import BookOrder, OrderState, ours, position_idx
from proto import OrderStatus, OrderUpdate, PlaceIntent, Position

_OPEN_STATUSES = frozenset({OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED, OrderStatus.UNTRIGGERED})
_GONE_LIMIT = 20_000


@dataclass(slots=True)
class PositionView:
    size: Decimal = Decimal(0)
    leverage: Decimal | None = None
    seq: int = 0
    seen_ns: int = 0


@dataclass(frozen=True, slots=True)
class ReconcileDiff:
    open_orders: int
    adopted: list[str]
    orphans: list[str]
    missing: list[str]
    dropped_unknown: list[str]


def _dec(text: str, default: Decimal = Decimal(0)) -> Decimal:
    try:
        return Decimal(text) if text else default
    except InvalidOperation:
        return default


class OrderBook:
    def __init__(self) -> None:
        self._orders: dict[str, BookOrder] = {}
        self._gone: OrderedDict[str, None] = OrderedDict()
        self._positions: dict[tuple[str, int], PositionView] = {}

    # ------------------------------------------------------------------ reading

    def __len__(self) -> int:
        return len(self._orders)

    def get(self, link_id: str) -> BookOrder | None:
        return self._orders.get(link_id)

    def orders(self, symbol: str | None = None) -> list[BookOrder]:
        return [o for o in self._orders.values() if symbol is None or o.symbol == symbol]

    def by_order_id(self, order_id: str) -> BookOrder | None:
        return next((o for o in self._orders.values() if o.order_id == order_id), None)

    def with_client_id(self, symbol: str, client_order_id: str) -> list[BookOrder]:
        return [
            o
            for o in self._orders.values()
            if o.symbol == symbol and o.client_order_id == client_order_id
        ]

    def doubled(self, symbol: str) -> set[str]:
        """Client order ids with two or more live orders on the exchange (latch)."""
        seen: set[str] = set()
        twice: set[str] = set()
        for o in self._orders.values():
            if o.symbol == symbol and o.state is OrderState.OPEN:
                (twice if o.client_order_id in seen else seen).add(o.client_order_id)
        return twice

    def position_size(self, symbol: str, idx: int) -> Decimal:
        view = self._positions.get((symbol, idx))
        return view.size if view else Decimal(0)

    def leverage(self, symbol: str, idx: int) -> Decimal | None:
        view = self._positions.get((symbol, idx))
        return view.leverage if view else None

    # ------------------------------------------------------------------ our placements

    def begin_place(self, intent: PlaceIntent, link_id: str, now_ns: int) -> BookOrder:
        entry = BookOrder(
            link_id=link_id,
            client_order_id=intent.client_order_id,
            symbol=intent.symbol,
            side=intent.side,
            price=intent.price,
            qty=intent.qty,
            leaves_qty=intent.qty,
            reduce_only=intent.reduce_only,
            position_idx=position_idx(intent.direction),
            state=OrderState.IN_FLIGHT,
            seen_ns=now_ns,
        )
        self._orders[link_id] = entry
        return entry

    def placed(self, link_id: str, order_id: str, now_ns: int) -> None:
        """The exchange accepted it (unless an update already said it is gone)."""
        entry = self._orders.get(link_id)
        if entry is None:
            return
        if link_id in self._gone:
            del self._orders[link_id]
            return
        entry.order_id = order_id or entry.order_id
        entry.state = OrderState.OPEN
        entry.seen_ns = now_ns

    def mark_unknown(self, link_id: str, now_ns: int) -> None:
        entry = self._orders.get(link_id)
        if entry is not None and entry.state is not OrderState.OPEN:
            entry.state = OrderState.UNKNOWN
            entry.seen_ns = now_ns

    def abandon(self, link_id: str) -> None:
        """Forget a placement that never became an order (refused, or resolved absent)."""
        entry = self._orders.get(link_id)
        if entry is not None and entry.state is not OrderState.OPEN:
            del self._orders[link_id]

    def remove(self, link_id: str) -> BookOrder | None:
        """The order is gone for good (filled, cancelled, not found)."""
        self._remember_gone(link_id)
        return self._orders.pop(link_id, None)

    def remove_order_id(self, order_id: str) -> BookOrder | None:
        entry = self.by_order_id(order_id)
        return self.remove(entry.link_id) if entry is not None else None

    # ------------------------------------------------------------------ exchange truth

    def adopt(self, row: OrderRow, now_ns: int) -> bool:
        """Take an exchange row of ours into the view; True when it was not open before.
        Rows that are not ours, or no longer open, are not adopted."""
        coid = ours(row.orderLinkId)
        if coid is None or row.orderLinkId in self._gone:
            return False
        try:
            status = OrderStatus(row.orderStatus)
        except ValueError:
            return False
        if status not in _OPEN_STATUSES:
            self.remove(row.orderLinkId)
            return False
        updated_ms = int(_dec(row.updatedTime))
        entry = self._orders.get(row.orderLinkId)
        if entry is not None and entry.state is OrderState.OPEN and entry.updated_ms > updated_ms:
            return False
        qty = _dec(row.qty)
        self._orders[row.orderLinkId] = BookOrder(
            link_id=row.orderLinkId,
            client_order_id=coid,
            symbol=row.symbol,
            side=row.side,
            price=_dec(row.price),
            qty=qty,
            leaves_qty=_dec(row.leavesQty, qty),
            reduce_only=row.reduceOnly,
            position_idx=row.positionIdx,
            state=OrderState.OPEN,
            order_id=row.orderId,
            updated_ms=updated_ms,
            seen_ns=now_ns,
        )
        return entry is None or entry.state is not OrderState.OPEN

    def apply_update(self, update: OrderUpdate, now_ns: int) -> bool:
        """An ``OrderUpdate`` from the account stream; True when the view changed."""
        link_id = update.order_link_id
        coid = ours(link_id)
        if coid is None or link_id in self._gone:
            return False
        entry = self._orders.get(link_id)
        if entry is not None and update.updated_ms and entry.updated_ms > update.updated_ms:
            return False  # older than what we hold
        if update.status not in _OPEN_STATUSES:
            self.remove(link_id)
            return True
        self._orders[link_id] = BookOrder(
            link_id=link_id,
            client_order_id=coid,
            symbol=update.symbol,
            side=update.side,
            price=update.price,
            qty=update.qty,
            leaves_qty=update.leaves_qty,
            reduce_only=update.reduce_only,
            position_idx=update.position_idx,
            state=OrderState.OPEN,
            order_id=update.order_id,
            updated_ms=update.updated_ms,
            seen_ns=now_ns,
        )
        return True

    def apply_position(self, position: Position, now_ns: int) -> bool:
        key = (position.symbol, position.position_idx)
        view = self._positions.get(key)
        if view is not None and position.seq and view.seq > position.seq:
            return False
        self._positions[key] = PositionView(
            size=abs(position.size), leverage=position.leverage, seq=position.seq, seen_ns=now_ns
        )
        return True

    def reconcile(self, rows: Iterable[OrderRow], started_ns: int, now_ns: int) -> ReconcileDiff:
        """Compare with the exchange's open orders, queried from ``started_ns`` on."""
        adopted: list[str] = []
        orphans: list[str] = []
        found: set[str] = set()
        count = 0
        for row in rows:
            count += 1
            if ours(row.orderLinkId) is None:
                orphans.append(row.orderId)
                continue
            found.add(row.orderLinkId)
            if self.adopt(row, now_ns):
                adopted.append(row.orderLinkId)
        missing: list[str] = []
        dropped: list[str] = []
        for link_id, entry in list(self._orders.items()):
            if link_id in found or entry.seen_ns >= started_ns:
                continue
            if entry.state is OrderState.OPEN:
                missing.append(link_id)
                self.remove(link_id)
            elif entry.state is OrderState.UNKNOWN:
                dropped.append(link_id)
                del self._orders[link_id]
        return ReconcileDiff(count, adopted, orphans, missing, dropped)

    def replace_positions(
        self, positions: Iterable[Position], started_ns: int, now_ns: int
    ) -> None:
        """A REST position snapshot; legs it omits (flat) and not updated since the query
        started are set to 0."""
        listed: set[tuple[str, int]] = set()
        for p in positions:
            listed.add((p.symbol, p.position_idx))
            self.apply_position(p, now_ns)
        for key, view in self._positions.items():
            if key not in listed and view.seen_ns < started_ns:
                view.size = Decimal(0)

    def _remember_gone(self, link_id: str) -> None:
        self._gone[link_id] = None
        self._gone.move_to_end(link_id)
        while len(self._gone) > _GONE_LIMIT:
            self._gone.popitem(last=False)
