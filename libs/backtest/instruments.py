"""Instrument rules for a backtest: the venue's instrument list by default.

The list is the shared ``instrument_info.csv`` (``market,symbol,...,minimum_price_variation,
lot_size,...,minimum_order_size``, the ``bybit`` rows) under the market-data directory
when present, else the simulator's built-in instruments. Any rule given explicitly wins.
"""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path

from runner import Instrument
from venue import DEFAULT_INSTRUMENTS

__all__ = ["INSTRUMENT_FILE", "default_instrument", "venue_instruments"]

INSTRUMENT_FILE = "instrument_info.csv"


def venue_instruments(data_dir: Path | None) -> dict[str, Instrument]:
    """Bybit linear instruments by symbol: the data directory's list over the built-ins."""
    known = {
        i.symbol: Instrument(
            symbol=i.symbol,
            tick_size=i.tick_size,
            qty_step=i.qty_step,
            min_qty=i.min_qty,
            max_qty=i.max_qty,
        )
        for i in DEFAULT_INSTRUMENTS
    }
    path = data_dir / INSTRUMENT_FILE if data_dir is not None else None
    if path is None or not path.is_file():
        return known
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row.get("market") != "bybit" or not row.get("symbol"):
                continue
            try:
                tick = Decimal(row["minimum_price_variation"])
                step = Decimal(row["lot_size"])
                minimum = Decimal(row.get("minimum_order_size") or row["lot_size"])
            except (InvalidOperation, KeyError, TypeError):
                continue  # a row we cannot read leaves the built-in rules
            previous = known.get(row["symbol"])
            known[row["symbol"]] = Instrument(
                symbol=row["symbol"],
                tick_size=tick,
                qty_step=step,
                min_qty=minimum,
                max_qty=previous.max_qty if previous else Decimal(1000),
            )
    return known


def default_instrument(
    symbol: str,
    data_dir: Path | None,
    *,
    tick_size: Decimal | None = None,
    qty_step: Decimal | None = None,
    min_qty: Decimal | None = None,
    max_qty: Decimal | None = None,
) -> Instrument:
    """The venue's rules for ``symbol`` with the explicit ones applied; a symbol the venue
    does not list needs ``tick_size`` and ``qty_step`` (``ValueError`` names the field)."""
    base = venue_instruments(data_dir).get(symbol)
    if base is None:
        if tick_size is None:
            raise ValueError(f"tick_size: {symbol} is not in the venue's instrument list; give it")
        if qty_step is None:
            raise ValueError(f"qty_step: {symbol} is not in the venue's instrument list; give it")
        base = Instrument(symbol=symbol, tick_size=tick_size, qty_step=qty_step, min_qty=qty_step)
    return Instrument(
        symbol=symbol,
        tick_size=tick_size if tick_size is not None else base.tick_size,
        qty_step=qty_step if qty_step is not None else base.qty_step,
        min_qty=min_qty if min_qty is not None else base.min_qty,
        max_qty=max_qty if max_qty is not None else base.max_qty,
    )
