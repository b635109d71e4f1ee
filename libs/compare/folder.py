"""A backtest run folder (``fills.csv``, ``equity.csv``, ``manifest.json``) as one
:class:`Side`; any problem raises :class:`RunFolderError` naming the file (and line)."""

from __future__ import annotations

import csv
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from compare.errors import RunFolderError
from compare.records import EquityPoint, Fill, Side

__all__ = ["load_run_folder"]

_FILL_COLUMNS = ("ts_ms", "symbol", "side", "direction", "price", "qty", "fee", "realized_pnl",
                 "client_order_id", "order_id")  # fmt: skip
_EQUITY_COLUMNS = ("ts_ms", "price", "equity")


def _decimal(text: str) -> Decimal:
    value = Decimal(text)
    if not value.is_finite():
        raise InvalidOperation
    return value


def _rows(path: Path, needed: tuple[str, ...]) -> tuple[csv.DictReader[str], Any]:
    if not path.is_file():
        raise RunFolderError(path, "no such file")
    handle = path.open(newline="", encoding="utf-8")
    reader = csv.DictReader(handle)
    missing = [c for c in needed if c not in (reader.fieldnames or ())]
    if missing:
        handle.close()
        raise RunFolderError(path, f"missing column {missing[0]!r}", line=1)
    return reader, handle


def _fills(path: Path) -> list[Fill]:
    reader, handle = _rows(path, _FILL_COLUMNS)
    out = []
    with handle:
        for line, row in enumerate(reader, 2):
            try:
                if row["side"] not in ("Buy", "Sell"):
                    raise ValueError(f"side {row['side']!r} is not Buy or Sell")
                if row["direction"] not in ("long", "short"):
                    raise ValueError(f"direction {row['direction']!r} is not long or short")
                out.append(Fill(
                    ts_ms=int(row["ts_ms"]), symbol=row["symbol"], side=row["side"],
                    direction=row["direction"], price=_decimal(row["price"]),
                    qty=_decimal(row["qty"]), fee=_decimal(row["fee"]),
                    realized_pnl=_decimal(row["realized_pnl"]),
                    client_order_id=row["client_order_id"], order_id=row["order_id"],
                ))  # fmt: skip
            except (ValueError, TypeError, InvalidOperation) as exc:
                raise RunFolderError(path, _why(exc), line=line) from None
    return out


def _equity(path: Path) -> list[EquityPoint]:
    reader, handle = _rows(path, _EQUITY_COLUMNS)
    out = []
    with handle:
        for line, row in enumerate(reader, 2):
            try:
                out.append(EquityPoint(ts_ms=int(row["ts_ms"]), equity=_decimal(row["equity"]),
                                       price=_decimal(row["price"])))  # fmt: skip
            except (ValueError, TypeError, InvalidOperation) as exc:
                raise RunFolderError(path, _why(exc), line=line) from None
    return out


def _why(exc: Exception) -> str:
    return str(exc) if isinstance(exc, ValueError) and str(exc) else "not a number or empty"


def _manifest(path: Path) -> tuple[dict[str, Any], Decimal, Decimal]:
    if not path.is_file():
        raise RunFolderError(path, "no such file")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunFolderError(path, f"not JSON: {exc}") from None
    instrument = (doc.get("config") or {}).get("instrument") if isinstance(doc, dict) else None
    if not isinstance(instrument, dict):
        raise RunFolderError(path, "config.instrument: missing")
    units = []
    for name in ("tick_size", "qty_step"):
        try:
            value = _decimal(str(instrument[name]))
        except (KeyError, InvalidOperation):
            raise RunFolderError(
                path, f"config.instrument.{name}: missing or not a number"
            ) from None
        if not value > 0:
            raise RunFolderError(path, f"config.instrument.{name}: must be > 0")
        units.append(value)
    return doc, units[0], units[1]


def load_run_folder(folder: Path | str) -> Side:
    """A backtest's ``--out`` folder; positions are derived from its fills (V-12)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RunFolderError(folder, "not a folder")
    manifest, tick, lot = _manifest(folder / "manifest.json")
    return Side(
        fills=tuple(_fills(folder / "fills.csv")),
        equity=tuple(_equity(folder / "equity.csv")),
        tick_size=tick,
        qty_step=lot,
        manifest=manifest,
    )
