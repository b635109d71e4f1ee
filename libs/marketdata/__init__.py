"""Market data files: public trade files read and checked into columns."""

from marketdata.errors import DataError
from marketdata.trades import TradeTape, file_sha256, read_trades, trade_layout

__all__ = ["DataError", "TradeTape", "file_sha256", "read_trades", "trade_layout"]
