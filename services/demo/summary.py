"""What a live run did, per account: from the event store, checked against the exchange."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import asyncpg
import msgspec

import proto
from proto.subjects import Family

_ZERO = Decimal(0)


class AccountSummary(msgspec.Struct, kw_only=True):
    account_id: str
    user: str
    orders: int = 0
    fills: int = 0
    fees: Decimal = _ZERO
    realised_pnl: Decimal = _ZERO
    long_size: Decimal = _ZERO
    short_size: Decimal = _ZERO
    wallet_balance: Decimal = _ZERO
    #: What the exchange itself says, for the comparison columns.
    exchange_fills: int = 0
    exchange_long: Decimal = _ZERO
    exchange_short: Decimal = _ZERO
    exchange_wallet: Decimal = _ZERO

    @property
    def matches_exchange(self) -> bool:
        return (
            self.fills == self.exchange_fills
            and self.long_size == self.exchange_long
            and self.short_size == self.exchange_short
            and self.wallet_balance == self.exchange_wallet
        )


async def stored_summaries(
    conn: asyncpg.Connection, namespace: str, owners: dict[str, str]
) -> dict[str, AccountSummary]:
    """Per-account figures from the recorded account and executor events."""
    out = {a: AccountSummary(account_id=a, user=u) for a, u in owners.items()}
    order_ids: dict[str, set[str]] = defaultdict(set)
    positions: dict[tuple[str, str, int], proto.Position] = {}
    rows = await conn.fetch(
        "SELECT kind, account_id, payload FROM events WHERE ns = $1 AND account_id IS NOT NULL"
        " AND kind IN ('order', 'execution', 'position', 'wallet')"
        " ORDER BY stream_seq",
        namespace,
    )
    for row in rows:
        summary = out.get(row["account_id"])
        if summary is None:
            continue
        message = proto.decode(bytes(row["payload"]), Family.ACCT)
        match message:
            case proto.OrderUpdate():
                order_ids[summary.account_id].add(message.order_id)
            case proto.Execution(exec_type=proto.ExecType.TRADE):
                summary.fills += 1
                summary.fees += message.fee
                summary.realised_pnl += message.exec_pnl
            case proto.Execution():
                pass
            case proto.Position():
                positions[(summary.account_id, message.symbol, message.position_idx)] = message
            case proto.Wallet(coin="USDT"):
                summary.wallet_balance = message.wallet_balance
    for account_id, ids in order_ids.items():
        out[account_id].orders = len(ids)
    for (account_id, _symbol, idx), position in positions.items():
        if idx == 1:
            out[account_id].long_size += position.size
        elif idx == 2:
            out[account_id].short_size += position.size
    return out


def render(summaries: list[AccountSummary]) -> str:
    head = (
        f"{'account':<12}{'user':<8}{'orders':>8}{'fills':>8}{'fees':>12}"
        f"{'realised':>12}{'long':>9}{'short':>9}{'wallet':>14}  vs exchange"
    )
    lines = [head, "-" * len(head)]
    for s in summaries:
        verdict = (
            "equal"
            if s.matches_exchange
            else (
                f"DIFFERENT (fills {s.exchange_fills}, long {s.exchange_long},"
                f" short {s.exchange_short}, wallet {s.exchange_wallet})"
            )
        )
        lines.append(
            f"{s.account_id:<12}{s.user:<8}{s.orders:>8}{s.fills:>8}{s.fees:>12.4f}"
            f"{s.realised_pnl:>12.4f}{s.long_size:>9}{s.short_size:>9}"
            f"{s.wallet_balance:>14.4f}  {verdict}"
        )
    return "\n".join(lines)
