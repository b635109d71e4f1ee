"""V-20: our own accounting of a recorded run against what the exchange reported.

Per leg (account, symbol, long|short) we keep size, average entry and cumulative
realised PnL with the P-* formulas (gridcore) over the run's own executions, and compare
field by field, in Decimal:

* a trade execution (``Trade``, ``AdlTrade``, ``BustTrade``): ``execFee`` against
  qty × price × its fee rate, ``execPnl`` (the exchange's realised PnL of that close,
  before fees) against ours (P-9: ``min(qty, size)`` closed at the average entry);
* a funding execution: its fee against our size × mark × rate (a long pays a positive
  rate, a short receives it);
* a position event: ``cumRealisedPnl`` (realised − fees − funding since the leg's
  baseline), and at the event's mark ``unrealisedPnl`` (P-1), ``positionValue`` (size ×
  mark), ``positionIM`` / ``positionMM`` (P-7 / P-6 over the risk tiers of that value);
  a field the event does not carry is not compared.

A leg starts from its baseline: the exchange's last position before the window, else its
first position event in the window when that comes before its first execution (adopted,
not compared), else flat; each case is named in ``notes``. Our state is never reset to
the exchange's afterwards, so a divergence shows in every later row until it closes.

Events are taken in recorded order, except that a position report recorded before
executions it already holds (the exchange's streams are separate) has the leg's
executions of no later instant applied first, as many as its size says. One-way
(position index 0) events are counted and named in ``notes``, not checked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Literal

import msgspec

import proto
from compare.timefmt import iso
from gridcore.pnl import initial_margin, maintenance_margin, unrealised_pnl

__all__ = [
    "DEFAULT_TOLERANCE",
    "FIELDS",
    "FieldTotal",
    "LegKey",
    "PnlCheck",
    "PnlRow",
    "check_pnl",
    "leg_of_fill",
]

DEFAULT_TOLERANCE = Decimal("0.01")
FIELDS = (
    "execFee", "execPnl", "funding", "cumRealisedPnl", "unrealisedPnl",
    "positionValue", "positionIM", "positionMM",
)  # fmt: skip

_ZERO = Decimal(0)
_TRADES = frozenset((proto.ExecType.TRADE, proto.ExecType.ADL_TRADE, proto.ExecType.BUST_TRADE))
_LEGS: dict[int, Literal["long", "short"]] = {1: "long", 2: "short"}
_OPENS = {("long", proto.Side.BUY), ("short", proto.Side.SELL)}

LegKey = tuple[str, str, str]  # (account, symbol, "long" | "short")


class PnlRow(msgspec.Struct, frozen=True, kw_only=True):
    """One compared field of one execution or position event."""

    ts_ms: int
    account_id: str
    symbol: str
    leg: str
    #: The execution id, or the position event's id.
    ref: str
    field: str
    ours: Decimal
    exchange: Decimal
    ok: bool

    @property
    def diff(self) -> Decimal:
        """ours − exchange."""
        return self.ours - self.exchange


class FieldTotal(msgspec.Struct, frozen=True, kw_only=True):
    field: str
    checked: int
    failed: int
    #: Sums over the rows (meaningful for the per-execution fields).
    ours: Decimal
    exchange: Decimal
    max_abs_diff: Decimal


class PnlCheck(msgspec.Struct, frozen=True, kw_only=True):
    tolerance: Decimal
    rows: list[PnlRow]
    executions: int
    positions: int
    notes: list[str]

    @property
    def failures(self) -> list[PnlRow]:
        return [row for row in self.rows if not row.ok]

    @property
    def exit_code(self) -> int:
        """0 every field within tolerance, 1 any difference, 2 nothing to check."""
        if not self.rows:
            return 2
        return 1 if self.failures else 0

    def totals(self) -> list[FieldTotal]:
        out = []
        for name in FIELDS:
            rows = [row for row in self.rows if row.field == name]
            if not rows:
                continue
            out.append(
                FieldTotal(
                    field=name,
                    checked=len(rows),
                    failed=sum(not row.ok for row in rows),
                    ours=sum((row.ours for row in rows), _ZERO),
                    exchange=sum((row.exchange for row in rows), _ZERO),
                    max_abs_diff=max(abs(row.diff) for row in rows),
                )
            )
        return out


class _Leg:
    __slots__ = ("avg", "cum", "size")

    def __init__(self, size: Decimal = _ZERO, avg: Decimal = _ZERO, cum: Decimal = _ZERO):
        self.size, self.avg, self.cum = size, avg, cum


def check_pnl(
    events: Iterable[proto.Message],
    *,
    baselines: Mapping[LegKey, proto.Position] | None = None,
    tolerance: Decimal = DEFAULT_TOLERANCE,
) -> PnlCheck:
    """Check every execution and position event of ``events`` (a window of one run, in
    recorded order; order updates among them tell each order's leg)."""
    if not isinstance(tolerance, Decimal) or tolerance < 0:
        raise ValueError(f"tolerance={tolerance!r}: must be a Decimal >= 0")
    return _Checker(dict(baselines or {}), tolerance).run(events)


class _Checker:
    def __init__(self, baselines: dict[LegKey, proto.Position], tolerance: Decimal) -> None:
        self.baselines = baselines
        self.tolerance = tolerance
        self.legs: dict[LegKey, _Leg] = {}
        self.rows: list[PnlRow] = []
        self.notes: list[str] = []
        self.skipped: Counter[str] = Counter()
        self.order_legs: dict[str, int] = {}

    def run(self, events: Iterable[proto.Message]) -> PnlCheck:
        work: list[proto.Execution | proto.Position] = []
        for event in events:
            if isinstance(event, proto.OrderUpdate):
                self.order_legs[event.order_id] = event.position_idx
            elif isinstance(event, proto.Execution | proto.Position):
                work.append(event)
        applied: set[int] = set()
        executions = positions = 0
        for i, event in enumerate(work):
            if isinstance(event, proto.Execution):
                executions += 1
                if i not in applied:
                    self._execution(event)
                continue
            positions += 1
            applied.update(self._catch_up(work, i, applied))
            self._position(event)
        self.notes += [f"{n} {what} not checked" for what, n in sorted(self.skipped.items())]
        return PnlCheck(
            tolerance=self.tolerance,
            rows=self.rows,
            executions=executions,
            positions=positions,
            notes=self.notes,
        )

    def _catch_up(
        self, work: list[proto.Execution | proto.Position], at: int, applied: set[int]
    ) -> list[int]:
        """A position report can reach the recording before the executions it already
        holds (the streams are separate): while our size differs from the reported one,
        apply the leg's executions recorded after it at no later instant. Recorded order
        is kept otherwise: two fills in one millisecond are two reports."""
        p = work[at]
        assert isinstance(p, proto.Position)
        key = (p.account_id, p.symbol, _LEGS.get(p.position_idx, ""))
        done: list[int] = []
        for j in range(at + 1, len(work)):
            leg = self.legs.get(key)
            if leg is None or leg.size == p.size:
                break
            e = work[j]
            if e.ts_exchange_ms > p.ts_exchange_ms:
                break
            if j in applied or not isinstance(e, proto.Execution):
                continue
            if self._key_of(e) == key and e.exec_type in _TRADES:
                self._execution(e)
                done.append(j)
        return done

    # -- legs ---------------------------------------------------------------------------

    def _leg(self, key: LegKey, first: proto.Position | None = None) -> _Leg | None:
        """The leg's state; None when ``first`` became its baseline (nothing to compare)."""
        leg = self.legs.get(key)
        if leg is not None:
            return leg
        where = f"{key[0]} {key[1]} {key[2]}"
        base = self.baselines.get(key)
        adopted = base is None and first is not None
        if adopted:
            base = first
        if base is None:
            self.legs[key] = leg = _Leg()
            self.notes.append(f"{where}: no position before its first execution, starts flat")
            return leg
        self.legs[key] = _Leg(base.size, base.avg_price if base.size else _ZERO,
                              base.cum_realised_pnl)  # fmt: skip
        when = iso(base.ts_exchange_ms)
        if adopted:
            self.notes.append(f"{where}: baseline is its first position event ({when})")
            return None
        self.notes.append(f"{where}: baseline is the position at {when}")
        return self.legs[key]

    def _row(self, key: LegKey, ts: int, ref: str, field: str, ours: Decimal, ex: Decimal) -> None:
        self.rows.append(
            PnlRow(
                ts_ms=ts, account_id=key[0], symbol=key[1], leg=key[2], ref=ref, field=field,
                ours=ours, exchange=ex, ok=abs(ours - ex) <= self.tolerance,
            )
        )  # fmt: skip

    # -- events -------------------------------------------------------------------------

    def _key_of(self, e: proto.Execution) -> LegKey:
        if e.exec_type == proto.ExecType.FUNDING:
            direction = "long" if e.side == proto.Side.BUY else "short"
        else:
            direction = _LEGS.get(self.order_legs.get(e.order_id, -1)) or leg_of_fill(e)
        return (e.account_id, e.symbol, direction)

    def _execution(self, e: proto.Execution) -> None:
        key = self._key_of(e)
        if e.exec_type == proto.ExecType.FUNDING:
            leg = self._leg(key)
            assert leg is not None
            paid = leg.size * e.price * e.fee_rate
            payment = paid if key[2] == "long" else -paid
            leg.cum -= payment
            self._row(key, e.ts_exchange_ms, e.exec_id, "funding", payment, e.fee)
            return
        if e.exec_type not in _TRADES:
            self.skipped[f"{e.exec_type} executions"] += 1
            return
        direction = key[2]
        leg = self._leg(key)
        assert leg is not None
        fee = e.qty * e.price * e.fee_rate
        pnl = _ZERO
        if (direction, e.side) in _OPENS:
            leg.avg = (leg.size * leg.avg + e.qty * e.price) / (leg.size + e.qty)
            leg.size += e.qty
        else:
            closed = min(e.qty, leg.size)
            if closed > 0:
                pnl = unrealised_pnl(direction, leg.avg, e.price, closed)
            leg.size -= closed
            if leg.size == 0:
                leg.avg = _ZERO
        leg.cum += pnl - fee
        self._row(key, e.ts_exchange_ms, e.exec_id, "execFee", fee, e.fee)
        self._row(key, e.ts_exchange_ms, e.exec_id, "execPnl", pnl, e.exec_pnl)

    def _position(self, p: proto.Position) -> None:
        direction = _LEGS.get(p.position_idx)
        if direction is None:
            self.skipped["one-way (position index 0) position events"] += 1
            return
        key = (p.account_id, p.symbol, direction)
        leg = self._leg(key, first=p)
        if leg is None:
            return
        ts, ref = p.ts_exchange_ms, p.event_id
        self._row(key, ts, ref, "cumRealisedPnl", leg.cum, p.cum_realised_pnl)
        mark = p.mark_price
        if mark is None:
            return
        self._row(key, ts, ref, "unrealisedPnl",
                  unrealised_pnl(direction, leg.avg, mark, leg.size), p.unrealised_pnl)  # fmt: skip
        value = leg.size * mark
        if p.position_value is not None:
            self._row(key, ts, ref, "positionValue", value, p.position_value)
        if p.position_im is not None:
            self._row(key, ts, ref, "positionIM", initial_margin(value, p.symbol)[0], p.position_im)
        if p.position_mm is not None:
            mm = maintenance_margin(value, p.symbol)[0]
            self._row(key, ts, ref, "positionMM", mm, p.position_mm)


def leg_of_fill(e: proto.Execution) -> Literal["long", "short"]:
    """Hedge mode without the order's position index: a fill that closed size closes the
    opposite leg (a Buy closes the short), any other opens its own."""
    closing = e.closed_size > 0
    buy = e.side == proto.Side.BUY
    return "short" if buy == closing else "long"
