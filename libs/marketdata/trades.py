"""Public trade files into columns, checked line by line.

Layouts (plain or gzip, recognised by the header row, never by the file name):

* Binance USD-M trades ``id,price,qty,quote_qty,time,is_buyer_maker`` (``time`` in ms;
  ``is_buyer_maker=true`` means the taker sold);
* trades extracted from a raw Binance feed ``local_recv_ts,event_time_ms,trade_time_ms,
  trade_id,price,qty,is_buyer_maker,type`` (``trade_time_ms`` is the trade's time);
* Bybit's public trade dump ``timestamp,symbol,side,size,price,tickDirection,trdMatchID,
  grossValue,homeNotional,foreignNotional`` (``timestamp`` in seconds with a fraction;
  rows of other symbols are skipped).

Rows must be in time order (non-decreasing exchange time); their order within one
millisecond is kept, it is the exchange's (B-IN-3). Anything else (an unknown header,
an empty file, a value that does not parse, a timestamp going backwards) raises
:class:`DataError` naming the file and line.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import pathlib
from collections.abc import Iterator, Sequence
from decimal import Decimal, InvalidOperation

import msgspec

from marketdata.errors import DataError

__all__ = ["TradeTape", "file_sha256", "read_trades", "trade_layout"]

_BINANCE = ("id", "price", "qty", "time", "is_buyer_maker")
_RAWFEED = ("trade_time_ms", "trade_id", "price", "qty", "is_buyer_maker")
_BYBIT = ("timestamp", "symbol", "side", "size", "price", "trdMatchID")
_THOUSAND = Decimal(1000)


class TradeTape(msgspec.Struct, kw_only=True):
    """Trades of one symbol as parallel columns, in exchange order."""

    symbol: str
    ts_ms: list[int]
    price: list[Decimal]
    size: list[Decimal]
    #: Taker side, "Buy" or "Sell".
    side: list[str]
    trade_id: list[str]
    #: Per source file: (path, first row index, row count).
    sources: list[tuple[str, int, int]] = msgspec.field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ts_ms)


def file_sha256(path: pathlib.Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _open_text(path: pathlib.Path) -> io.TextIOBase:
    try:
        with path.open("rb") as fh:
            magic = fh.read(2)
    except OSError as exc:
        raise DataError(path, 0, f"cannot read: {exc.strerror or exc}") from None
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return path.open("r", encoding="utf-8", newline="")


def trade_layout(header: Sequence[str]) -> str | None:
    """``binance``, ``rawfeed``, ``bybit`` or ``None`` for a header row."""
    columns = {c.strip() for c in header}
    if set(_BYBIT) <= columns:
        return "bybit"
    if set(_RAWFEED) <= columns:
        return "rawfeed"
    if set(_BINANCE) <= columns:
        return "binance"
    return None


def read_trades(paths: Sequence[pathlib.Path], symbol: str) -> TradeTape:
    """Every trade of ``symbol`` in ``paths``, concatenated in order of each file's first
    trade; files must not overlap in time."""
    parts = [_read_file(path, symbol) for path in paths]
    parts.sort(key=lambda part: part.ts_ms[0] if part.ts_ms else 0)
    tape = TradeTape(symbol=symbol, ts_ms=[], price=[], size=[], side=[], trade_id=[])
    for part in parts:
        if tape.ts_ms and part.ts_ms and part.ts_ms[0] < tape.ts_ms[-1]:
            raise DataError(
                part.sources[0][0], 2, f"overlaps {tape.sources[-1][0]} (trades go back in time)"
            )
        tape.sources.append((part.sources[0][0], len(tape.ts_ms), len(part.ts_ms)))
        tape.ts_ms += part.ts_ms
        tape.price += part.price
        tape.size += part.size
        tape.side += part.side
        tape.trade_id += part.trade_id
    return tape


def _read_file(path: pathlib.Path, symbol: str) -> TradeTape:
    tape = TradeTape(symbol=symbol, ts_ms=[], price=[], size=[], side=[], trade_id=[])
    with _open_text(path) as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader, None)
            if header is None:
                raise DataError(path, 0, "empty file (no header, no trades)")
            layout = trade_layout(header)
            if layout is None:
                wanted = " | ".join(",".join(cols) for cols in (_BINANCE, _RAWFEED, _BYBIT))
                raise DataError(
                    path, 1, f"unknown trade columns {','.join(header)!r}; expected {wanted}"
                )
            index = {name.strip(): i for i, name in enumerate(header)}
            rows = _rows(reader, layout, index, symbol, path)
            _fill(tape, rows, path)
        except (csv.Error, UnicodeDecodeError, EOFError, OSError, gzip.BadGzipFile) as exc:
            raise DataError(path, reader.line_num, f"unreadable: {exc}") from None
    if not tape.ts_ms:
        raise DataError(path, 0, f"no {symbol} trades in the file")
    tape.sources.append((str(path), 0, len(tape.ts_ms)))
    return tape


Row = tuple[int, int, Decimal, Decimal, str, str]  # line, ts, price, size, side, id


def _rows(
    reader: Iterator[list[str]],
    layout: str,
    index: dict[str, int],
    symbol: str,
    path: pathlib.Path,
) -> Iterator[Row]:
    line = 1
    if layout == "bybit":
        i_ts, i_sym, i_side = index["timestamp"], index["symbol"], index["side"]
        i_size, i_px, i_id = index["size"], index["price"], index["trdMatchID"]
        for row in reader:
            line += 1
            if not row:
                continue
            try:
                if row[i_sym] != symbol:
                    continue
                side = row[i_side]
                if side not in ("Buy", "Sell"):
                    raise DataError(path, line, f"side: {side!r} is neither Buy nor Sell")
                ts = int((Decimal(row[i_ts]) * _THOUSAND).to_integral_value())
                yield line, ts, Decimal(row[i_px]), Decimal(row[i_size]), side, row[i_id]
            except (IndexError, InvalidOperation, ValueError) as exc:
                if isinstance(exc, DataError):
                    raise
                raise DataError(path, line, f"malformed row {','.join(row)!r}") from None
        return
    i_ts = index["trade_time_ms" if layout == "rawfeed" else "time"]
    i_id = index["trade_id" if layout == "rawfeed" else "id"]
    i_px, i_qty, i_maker = index["price"], index["qty"], index["is_buyer_maker"]
    for row in reader:
        line += 1
        if not row:
            continue
        try:
            maker = row[i_maker].strip().lower()
            if maker not in ("true", "false", "1", "0"):
                raise DataError(path, line, f"is_buyer_maker: {row[i_maker]!r} is not a bool")
            side = "Sell" if maker in ("true", "1") else "Buy"
            yield line, int(row[i_ts]), Decimal(row[i_px]), Decimal(row[i_qty]), side, row[i_id]
        except (IndexError, InvalidOperation, ValueError) as exc:
            if isinstance(exc, DataError):
                raise
            raise DataError(path, line, f"malformed row {','.join(row)!r}") from None


def _fill(tape: TradeTape, rows: Iterator[Row], path: pathlib.Path) -> None:
    ts_col, px_col, size_col = tape.ts_ms, tape.price, tape.size
    side_col, id_col = tape.side, tape.trade_id
    last_ts = -1
    for line, ts, price, size, side, trade_id in rows:
        if ts < last_ts:
            raise DataError(path, line, f"unsorted: time {ts} is before {last_ts}")
        if not (price > 0 and size > 0) or not (price.is_finite() and size.is_finite()):
            raise DataError(path, line, f"price and size must be > 0, got {price} and {size}")
        last_ts = ts
        ts_col.append(ts)
        px_col.append(price)
        size_col.append(size)
        side_col.append(side)
        id_col.append(trade_id)
