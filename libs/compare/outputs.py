"""V-21 files under one output folder, written whole or not at all: ``matched.csv``,
``unmatched.csv``, ``breaches.csv``, ``metrics.json``, ``equity.csv``, ``positions.csv``,
``verdict.json``. Times ISO 8601 UTC with ``Z``; money as exact decimals; n/a empty in
CSV and null in JSON."""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec

from backtest.outputs import replace_dir
from compare.comparison import Comparison
from compare.metrics import DeltaStats
from compare.pnl_check import PnlCheck
from compare.timefmt import iso
from compare.trades import Trade
from compare.verdict import Verdict

__all__ = [
    "FILES",
    "PNL_FILES",
    "metrics_document",
    "pnl_document",
    "verdict_document",
    "write_outputs",
    "write_pnl_check",
]

FILES = ("matched.csv", "unmatched.csv", "breaches.csv", "metrics.json", "equity.csv",
         "positions.csv", "verdict.json")  # fmt: skip
_JSON = msgspec.json.Encoder(decimal_format="number")


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue().encode()


_MATCHED = (
    "client_id", "occurrence", "sim_occurrence", "direction", "side",
    "live_price", "sim_price", "price_delta", "price_delta_ticks",
    "live_qty", "sim_qty", "qty_delta", "qty_delta_lots",
    "live_fee", "sim_fee", "fee_delta", "live_pnl", "sim_pnl", "pnl_delta",
    "live_first_time", "sim_first_time", "live_time", "sim_time", "dt_first_s", "dt_s",
    "live_fills", "sim_fills", "live_order_id", "sim_order_id",
)  # fmt: skip


def _matched_rows(c: Comparison) -> Iterable[tuple[object, ...]]:
    d = c.deltas
    columns = (d.price, d.price_ticks, d.qty, d.qty_lots, d.fee, d.pnl, d.dt_first_s, d.dt_s)
    for p, (dp, ticks, dq, lots, df, dpnl, dt_first, dt) in zip(
        c.matching.pairs, zip(*columns, strict=True), strict=True
    ):
        a, b = p.live, p.sim
        yield (
            a.client_id, a.occurrence, b.occurrence, a.direction, a.side,
            a.price, b.price, dp, ticks, a.qty, b.qty, dq, lots,
            a.fee, b.fee, df, a.realized_pnl, b.realized_pnl, dpnl,
            iso(a.first_ts_ms), iso(b.first_ts_ms), iso(a.ts_ms), iso(b.ts_ms),
            dt_first, dt, a.fills, b.fills, a.order_id, b.order_id,
        )  # fmt: skip


_UNMATCHED = ("class", "client_id", "occurrence", "order_id", "direction", "side", "price",
              "qty", "fee", "realized_pnl", "first_time", "time", "fills")  # fmt: skip


def _unmatched_rows(c: Comparison) -> list[tuple[object, ...]]:
    tagged: list[tuple[str, Trade]] = [("live_only", t) for t in c.matching.live_only]
    tagged += [("sim_only", t) for t in c.matching.sim_only]
    tagged.sort(key=lambda e: (e[1].ts_ms, e[1].client_id, e[0]))
    return [
        (kind, t.client_id, t.occurrence, t.order_id, t.direction, t.side, t.price, t.qty,
         t.fee, t.realized_pnl, iso(t.first_ts_ms), iso(t.ts_ms), t.fills)
        for kind, t in tagged
    ]  # fmt: skip


_BREACHES = ("client_id", "occurrence", "direction", "side", "live_time", "sim_time",
             "live_price", "sim_price", "price_delta_ticks", "live_qty", "sim_qty",
             "qty_delta_lots", "price_breach", "qty_breach")  # fmt: skip

_POSITIONS = ("time", "leg", "live_size", "sim_size", "size_delta_lots", "live_entry",
              "sim_entry", "entry_delta_ticks", "price", "live_unrealised", "sim_unrealised",
              "unrealised_delta", "diverged")  # fmt: skip


@functools.cache
def _declared(kind: type[msgspec.Struct]) -> dict[str, Any]:
    return {f.name: f.type for f in msgspec.structs.fields(kind)}


def _unit(struct: msgspec.Struct, name: str) -> str:
    """The struct's ``UNITS`` entry, else by declared type: money → USDT, counts → trades."""
    if isinstance(struct, DeltaStats):
        return "trades" if name in ("count", "above") else struct.unit
    units: dict[str, str] = getattr(struct, "UNITS", {})
    if name in units:
        return units[name]
    kind = _declared(type(struct))[name]
    if kind in (Decimal, Decimal | None):
        return "USDT"
    if kind is int:
        return "trades"
    raise KeyError(f"{type(struct).__name__}.{name}: no unit")


def _leaves(struct: msgspec.Struct, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every field as ``{"value", "unit"}`` (times as ISO text), nested Structs nested."""
    out: dict[str, Any] = {}
    for name in struct.__struct_fields__:
        if name in skip:
            continue
        value = getattr(struct, name)
        if isinstance(value, msgspec.Struct):
            out[name] = _leaves(value, ("unit",) if isinstance(value, DeltaStats) else ())
            continue
        unit = _unit(struct, name)
        if unit == "time":
            value, unit = iso(value) or None, "UTC"
        out[name] = {"value": value, "unit": unit}
    return out


def metrics_document(c: Comparison) -> dict[str, Any]:
    return {
        "window": {"start": iso(c.window.start_ms), "end": iso(c.window.end_ms)},
        "options": msgspec.to_builtins(c.options),
        "fills": {"live": c.live_fills, "sim": c.sim_fills},
        "positions_derived": c.positions_derived,
        "trades": {scope: _leaves(m) for scope, m in c.trades.items()},
        "equity": _leaves(c.equity),
        "positions": _leaves(c.positions),
    }


def verdict_document(v: Verdict) -> dict[str, Any]:
    return {
        "status": v.status,
        "exit_code": v.exit_code,
        "reason": v.reason,
        "follow": v.follow,
        "checks": [msgspec.to_builtins(k) for k in v.checks],
    }


def _json(doc: Any) -> bytes:
    return msgspec.json.format(_JSON.encode(doc), indent=2) + b"\n"


def write_outputs(c: Comparison, verdict: Verdict, out: Path, *, report: str = "") -> None:
    """Write the folder atomically (``backtest.outputs.replace_dir``); ``report``: the HTML
    page (``compare.render_report``), written as report.html when given."""
    files = {
        "matched.csv": _csv(_MATCHED, _matched_rows(c)),
        "unmatched.csv": _csv(_UNMATCHED, _unmatched_rows(c)),
        "breaches.csv": _csv(_BREACHES, (
            (b.pair.live.client_id, b.pair.live.occurrence, b.pair.live.direction,
             b.pair.live.side, iso(b.pair.live.ts_ms), iso(b.pair.sim.ts_ms),
             b.pair.live.price, b.pair.sim.price, b.price_ticks, b.pair.live.qty,
             b.pair.sim.qty, b.qty_lots, b.price, b.qty)
            for b in c.breaches
        )),
        "metrics.json": _json(metrics_document(c)),
        "equity.csv": _csv(("time", "live", "sim", "delta"), (
            (iso(r.ts_ms), r.live, r.sim, r.delta) for r in c.equity_rows
        )),
        "positions.csv": _csv(_POSITIONS, (
            (iso(r.ts_ms), r.leg, r.live_size, r.sim_size, r.size_delta_lots, r.live_entry,
             r.sim_entry, r.entry_delta_ticks, r.price, r.live_unrealised, r.sim_unrealised,
             r.unrealised_delta, r.diverged)
            for r in c.position_rows
        )),
        "verdict.json": _json(verdict_document(verdict)),
    }  # fmt: skip
    if report:
        files["report.html"] = report.encode()
    with replace_dir(Path(out)) as staging:
        for name, data in files.items():
            (staging / name).write_bytes(data)


PNL_FILES = ("pnl_check.csv", "pnl_check.json")
_PNL = ("time", "account", "symbol", "leg", "field", "ours", "exchange", "diff", "ok", "ref")


def pnl_document(check: PnlCheck) -> dict[str, Any]:
    status = {0: "PASS", 1: "FAIL", 2: "SKIP"}[check.exit_code]
    return {
        "status": status,
        "exit_code": check.exit_code,
        "tolerance": check.tolerance,
        "executions": check.executions,
        "positions": check.positions,
        "compared": len(check.rows),
        "differences": len(check.failures),
        "totals": [msgspec.to_builtins(t) for t in check.totals()],
        "notes": check.notes,
    }


def write_pnl_check(check: PnlCheck, out: Path) -> None:
    """V-20's table (every compared field, ``ok`` false for a difference) and its
    summary, written whole or not at all."""
    rows = (
        (iso(r.ts_ms), r.account_id, r.symbol, r.leg, r.field, r.ours, r.exchange, r.diff,
         r.ok, r.ref)
        for r in check.rows
    )  # fmt: skip
    with replace_dir(Path(out)) as staging:
        (staging / "pnl_check.csv").write_bytes(_csv(_PNL, rows))
        (staging / "pnl_check.json").write_bytes(_json(pnl_document(check)))
