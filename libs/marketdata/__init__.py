"""Market data files: public trade files read and checked into columns."""

from typing import TYPE_CHECKING, Any

from marketdata.errors import DataError
from marketdata.health import DataHealth, Gap, assess, format_health
from marketdata.ticks import TickMode, TickTape, build_ticks
from marketdata.trades import TradeTape, file_sha256, read_trades, trade_layout

if TYPE_CHECKING:
    from marketdata.stored import load_stored_trades, preflight

__all__ = [
    "DataError",
    "DataHealth",
    "Gap",
    "TickMode",
    "TickTape",
    "TradeTape",
    "assess",
    "build_ticks",
    "file_sha256",
    "format_health",
    "load_stored_trades",
    "preflight",
    "read_trades",
    "trade_layout",
]


def __getattr__(name: str) -> Any:
    # Imported on first use (PEP 562): reading files never loads asyncpg and the store.
    if name in ("load_stored_trades", "preflight"):
        from marketdata import stored

        return getattr(stored, name)
    raise AttributeError(f"module 'marketdata' has no attribute {name!r}")
