"""Market data files: public trade files read and checked into columns."""

from marketdata.errors import DataError
from marketdata.ticks import TickMode, TickTape, build_ticks
from marketdata.trades import TradeTape, file_sha256, read_trades, trade_layout

__all__ = [
    "DataError",
    "TickMode",
    "TickTape",
    "TradeTape",
    "build_ticks",
    "file_sha256",
    "read_trades",
    "trade_layout",
]
