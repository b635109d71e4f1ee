"""What ``gridtwin pnl-check`` reads from the event store: a window's executions,
position events and order updates, and each leg's last position before the window."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

import proto
from compare.pnl_check import LegKey

__all__ = ["load_pnl_window"]

_LEGS = {1: "long", 2: "short"}

# $3/$4 bound the exchange-time window [start, end); $5/$6 are NULL or arrays.
_WINDOW = """
SELECT payload FROM events
WHERE ns = $1 AND kind = ANY ($2::text[])
  AND ($3::bigint IS NULL OR ts_exchange_ms >= $3)
  AND ($4::bigint IS NULL OR ts_exchange_ms < $4)
  AND ($5::text[] IS NULL OR account_id = ANY ($5))
  AND ($6::text[] IS NULL OR symbol = ANY ($6))
ORDER BY stream_seq
"""

_BEFORE = """
SELECT payload FROM events
WHERE ns = $1 AND kind = 'position' AND ts_exchange_ms < $2
  AND ($3::text[] IS NULL OR account_id = ANY ($3))
  AND ($4::text[] IS NULL OR symbol = ANY ($4))
ORDER BY ts_exchange_ms, stream_seq
"""


async def load_pnl_window(
    conn: asyncpg.Connection,
    ns: str,
    *,
    start_ms: int | None,
    end_ms: int | None,
    accounts: Sequence[str] = (),
    symbols: Sequence[str] = (),
) -> tuple[list[proto.Message], dict[LegKey, proto.Position]]:
    """The window's events in stream order and the baselines ``check_pnl`` takes."""
    accts, syms = list(accounts) or None, list(symbols) or None
    async with conn.transaction(readonly=True):
        rows = await conn.fetch(
            _WINDOW, ns, ["execution", "position", "order"], start_ms, end_ms, accts, syms
        )
        before = [] if start_ms is None else await conn.fetch(_BEFORE, ns, start_ms, accts, syms)
    events = [proto.decode(payload) for (payload,) in rows]
    baselines: dict[LegKey, proto.Position] = {}
    for (payload,) in before:
        position = proto.decode(payload)
        if isinstance(position, proto.Position) and position.position_idx in _LEGS:
            leg = _LEGS[position.position_idx]
            baselines[(position.account_id, position.symbol, leg)] = position
    return events, baselines
