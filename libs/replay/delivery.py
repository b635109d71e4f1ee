"""Where in the market data the engine learnt of each account event live: the other half
of a recorded latency (intents reach the exchange when live's did, ``latency``; the
exchange's answers reach the engine where live's did, here).

Live, a fill, an order update or an executor's result reached the engine some market
events after the exchange made it (the private stream and the REST round trip lag the
public stream). The engine acts on tickers, so which tickers it saw before such news
decides what it does next. A replay that handed the engine every answer at once would
make it decide earlier than live did, and part from live a little more at every fill.

Each order, execution and result has a *twin key*, the same for live's event and for
the replay's event that stands for it, whatever ids the two exchanges gave: the
executor's result by its id (``{batch}:{index}``, deterministic), an order update by its
client order id, status and filled quantity, an execution by client order id and what
it leaves, each with the number of earlier events of the same key. Live's twin's
position is the number of market events of the feed recorded before it (stream order).
The simbroker holds a replay event until it has forwarded that many, then delivers it;
the position and wallet updates that follow it go with it (the exchange pushes them
after the fill; their own sequence differs between venues that push siblings or marks
differently); an event live never had goes out at once.
"""

from __future__ import annotations

import bisect
from collections.abc import Hashable, Sequence

import asyncpg

import proto
from store import iter_events

__all__ = ["RecordedDelivery", "TwinKeys", "load_recorded_delivery", "twin_key"]

#: What the collector and the executor publish about an account.
_ACCOUNT_KINDS = ("order", "execution", "position", "wallet", "exec_result", "exec_reject")

_MD_SEQS = """
SELECT stream_seq FROM events
WHERE ns = $1 AND kind = ANY($2::text[]) AND symbol = ANY($3::text[])
  AND ($4::bigint IS NULL OR ts_exchange_ms >= $4)
  AND ($5::bigint IS NULL OR ts_exchange_ms < $5)
  AND stream_seq > $6
ORDER BY stream_seq
"""


def _client_id(order_link_id: str) -> str:
    """The engine's client order id: the executor appends ``-{ms}`` of the placement,
    which differs between live's clock and the recording's."""
    return order_link_id.rsplit("-", 1)[0]


def twin_key(event: proto.Message) -> Hashable | None:
    """The key that live's event and the replay's event standing for it share (without
    the ordinal ``TwinKeys`` adds); None for what is not an account event."""
    match event:
        case proto.ExecResult() | proto.ExecReject():
            return ("result", event.event_id)
        case proto.OrderUpdate():
            link = _client_id(event.order_link_id)
            return ("order", event.account_id, link, event.status, event.cum_exec_qty)
        case proto.Execution():
            link = _client_id(event.order_link_id)
            return ("exec", event.account_id, event.symbol, link, event.exec_type, event.leaves_qty)
    return None


class TwinKeys:
    """Twin keys with their ordinal: the n-th event of a key on one side is the twin of
    the n-th of the same key on the other."""

    def __init__(self) -> None:
        self._seen: dict[Hashable, int] = {}

    def of(self, event: proto.Message) -> tuple[Hashable, int] | None:
        key = twin_key(event)
        if key is None:
            return None
        n = self._seen.get(key, 0)
        self._seen[key] = n + 1
        return key, n


class RecordedDelivery:
    """Per live account event (by twin key), how many feed events preceded it live and
    its place in live's stream (to deliver events due at one point in live's order);
    and live's exchange clock along the feed: the latest exchange time its order updates
    and executions had shown by then, which runs ahead of the recorded market data when
    the private stream outpaced the public one."""

    def __init__(
        self,
        points: dict[tuple[Hashable, int], tuple[int, int]],
        clock: Sequence[tuple[int, int]] = (),
    ) -> None:
        self._points = points
        self._keys = TwinKeys()
        self._clock_at = [position for position, _ in clock]
        self._clock = [ts for _, ts in clock]

    def clock_at(self, forwarded: int) -> int:
        """Live's exchange clock once ``forwarded`` feed events had gone out (0: unknown)."""
        i = bisect.bisect_right(self._clock_at, forwarded)
        return self._clock[i - 1] if i else 0

    def __len__(self) -> int:
        return len(self._points)

    def due(self, event: proto.Message) -> tuple[int, int] | None:
        """``(feed events before it live, live stream seq)`` of ``event``'s live twin;
        None when live had no such event. Call once per event, in publication order."""
        twin = self._keys.of(event)
        return None if twin is None else self._points.get(twin)


async def load_recorded_delivery(
    conn: asyncpg.Connection,
    ns: str,
    *,
    accounts: Sequence[str],
    symbols: Sequence[str],
    md_kinds: Sequence[str],
    start_ms: int | None,
    end_ms: int | None,
    after_seq: int,
) -> RecordedDelivery:
    """Live's account events of ``accounts`` after ``after_seq``, each placed among the
    feed the replayer republishes (``md_kinds`` of ``symbols`` in the window)."""
    md = [r[0] for r in await conn.fetch(
        _MD_SEQS, ns, list(md_kinds), list(symbols), start_ms, end_ms, after_seq
    )]  # fmt: skip
    keys = TwinKeys()
    points: dict[tuple[Hashable, int], tuple[int, int]] = {}
    clock: list[tuple[int, int]] = []  # (feed events before, latest exchange ms so far)
    async for chunk in iter_events(
        conn, ns, accounts=accounts, after_seq=after_seq, end_ms=end_ms, kinds=_ACCOUNT_KINDS
    ):
        for stored in chunk:
            event = proto.decode(stored.payload)
            if proto.account_of(event) not in accounts:
                continue
            position = bisect.bisect_left(md, stored.stream_seq)
            twin = keys.of(event)
            if twin is not None:
                points[twin] = (position, stored.stream_seq)
            # Only the exchange's own stamps: an executor's result carries its host's time.
            stamped = isinstance(event, proto.OrderUpdate | proto.Execution)
            if stamped and (not clock or event.ts_exchange_ms > clock[-1][1]):
                clock.append((position, event.ts_exchange_ms))
    return RecordedDelivery(points, clock)
