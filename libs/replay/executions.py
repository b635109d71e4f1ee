"""Live's trade executions as the ``follow`` fill model's tapes: a replay with ``follow``
fills its orders exactly when, where and as much as live's were (``venue.follow``), so
whatever still differs is the strategy's, not the fill model's."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

import proto
from store import iter_events
from venue.follow import RecordedExecution, RecordedTape

__all__ = ["load_recorded_executions"]


async def load_recorded_executions(
    conn: asyncpg.Connection,
    ns: str,
    *,
    accounts: Sequence[str],
    symbols: Sequence[str],
    end_ms: int | None,
    after_seq: int,
) -> dict[tuple[str, str], RecordedTape]:
    """Per ``(account, symbol)``, live's trade executions recorded after ``after_seq``
    (funding is the venue's own)."""
    found: dict[tuple[str, str], list[RecordedExecution]] = {
        (a, s): [] for a in accounts for s in symbols
    }
    async for chunk in iter_events(
        conn, ns, accounts=accounts, symbols=symbols, after_seq=after_seq, end_ms=end_ms,
        kinds=("execution",),
    ):  # fmt: skip
        for stored in chunk:
            e = proto.decode(stored.payload)
            if not isinstance(e, proto.Execution) or e.exec_type != proto.ExecType.TRADE:
                continue
            tape = found.get((e.account_id, e.symbol))
            if tape is not None:
                tape.append(
                    RecordedExecution(
                        ts_ms=e.ts_exchange_ms, exec_id=e.exec_id, order_id=e.order_id,
                        order_link_id=e.order_link_id, side=e.side.value, price=e.price,
                        qty=e.qty, fee=e.fee, exec_pnl=e.exec_pnl, is_maker=e.is_maker,
                    )
                )  # fmt: skip
    return {key: RecordedTape(tape, as_recorded=True) for key, tape in found.items()}
