"""The instrument rules a strategy sizes and rounds with."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from gridcore import InstrumentInfo


class Instrument(msgspec.Struct, frozen=True, kw_only=True):
    """What a runner needs of ``/v5/market/instruments-info`` for one symbol."""

    symbol: str
    tick_size: Decimal
    qty_step: Decimal
    min_qty: Decimal = Decimal("0.001")
    max_qty: Decimal = Decimal("1000")

    @property
    def info(self) -> InstrumentInfo:
        return InstrumentInfo(qty_step=self.qty_step, min_qty=self.min_qty, max_qty=self.max_qty)
