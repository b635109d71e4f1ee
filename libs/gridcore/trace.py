"""§15 conformance harness: ``python -m gridcore.trace [--grid]`` (JSON Lines in and out).

The first input line configures one :class:`GridEngine`; every later line is one event.
For each event the harness prints one line per intent, in engine order, then (with
``--grid``) one line with the grid. A malformed line or an engine error stops the run
with exit status 1 and a message naming the 1-based input line; the intents of that line
are never printed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

import msgspec

from gridcore.config import GridConfig
from gridcore.engine import GridEngine
from proto.strategy import (
    Event,
    ExecutionEvent,
    Intent,
    OrderUpdateEvent,
    PlaceLimitIntent,
    TickerEvent,
)

__all__ = ["TraceError", "main", "trace_lines"]


class _Config(msgspec.Struct, tag_field="t", tag="config"):
    symbol: str
    tick_size: str
    strat_id: str
    grid_count: int = 50
    grid_step: float = 0.2
    rebalance_threshold: float = 0.3
    anchor_price: str | None = None
    restored_grid: list[tuple[Any, Any]] | None = None


class _Ticker(msgspec.Struct, tag_field="t", tag="ticker"):
    ts: int
    last_price: str
    orders: dict[str, list[dict[str, Any]]] | None = None


class _Execution(msgspec.Struct, tag_field="t", tag="execution"):
    ts: int
    price: str
    side: str | None = None
    qty: str | None = None
    order_id: str = ""
    order_link_id: str = ""
    leaves_qty: str | None = None


class _Order(msgspec.Struct, tag_field="t", tag="order"):
    ts: int
    order_id: str
    order_link_id: str
    status: str


_config_decoder = msgspec.json.Decoder(_Config)
_event_decoder = msgspec.json.Decoder(_Ticker | _Execution | _Order)
_encoder = msgspec.json.Encoder()


class TraceError(Exception):
    """A trace input line could not be processed; ``line`` is 1-based."""

    def __init__(self, line: int, cause: BaseException) -> None:
        self.line = line
        self.cause = cause
        super().__init__(f"line {line}: {type(cause).__name__}: {cause}")


def _engine(config: _Config) -> GridEngine:
    restored = None
    if config.restored_grid is not None:
        restored = [{"side": side, "price": price} for side, price in config.restored_grid]
    return GridEngine(
        symbol=config.symbol,
        tick_size=Decimal(config.tick_size),
        config=GridConfig(
            grid_count=config.grid_count,
            grid_step=config.grid_step,
            rebalance_threshold=config.rebalance_threshold,
        ),
        strat_id=config.strat_id,
        anchor_price=None if config.anchor_price is None else float(Decimal(config.anchor_price)),
        restored_grid=restored,
    )


def _event(symbol: str, line: _Ticker | _Execution | _Order) -> Event:
    ts = line.ts
    if isinstance(line, _Ticker):
        return TickerEvent(
            symbol=symbol, exchange_ts=ts, local_ts=ts, last_price=Decimal(line.last_price)
        )
    if isinstance(line, _Execution):
        optional = {
            name: Decimal(value)
            for name, value in (("qty", line.qty), ("leaves_qty", line.leaves_qty))
            if value is not None
        }
        return ExecutionEvent(
            symbol=symbol,
            exchange_ts=ts,
            local_ts=ts,
            price=Decimal(line.price),
            side=line.side,  # type: ignore[arg-type]
            order_id=line.order_id,
            order_link_id=line.order_link_id,
            **optional,
        )
    return OrderUpdateEvent(
        symbol=symbol,
        exchange_ts=ts,
        local_ts=ts,
        order_id=line.order_id,
        order_link_id=line.order_link_id,
        status=line.status,
    )


def _intent_line(i: int, intent: Intent) -> str:
    if isinstance(intent, PlaceLimitIntent):
        row: dict[str, Any] = {
            "i": i,
            "k": "place",
            "direction": intent.direction,
            "side": intent.side,
            "price": repr(float(intent.price)),
            "reduce_only": intent.reduce_only,
            "grid_level": intent.grid_level,
            "id": intent.client_order_id,
        }
    else:
        row = {
            "i": i,
            "k": "cancel",
            "direction": intent.direction,
            "order_id": intent.order_id,
            "reason": intent.reason,
        }
    return _encoder.encode(row).decode()


def _grid_line(i: int, engine: GridEngine) -> str:
    grid = engine.grid
    levels = [[side, repr(price)] for side, price in zip(grid.sides, grid.prices, strict=True)]
    return _encoder.encode({"i": i, "k": "grid", "levels": levels}).decode()


def trace_lines(lines: Iterable[str], *, show_grid: bool = False) -> Iterator[str]:
    """Yield the output lines (without newlines) for the input ``lines``.

    Raises :class:`TraceError` naming the 1-based input line on the first failure.
    """
    engine: GridEngine | None = None
    index = 0
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            if engine is None:
                engine = _engine(_config_decoder.decode(text))
                continue
            line = _event_decoder.decode(text)
            orders = line.orders if isinstance(line, _Ticker) else None
            intents = engine.on_event(_event(engine.symbol, line), orders)
            out = [_intent_line(index, intent) for intent in intents]
            if show_grid:
                out.append(_grid_line(index, engine))
        except Exception as exc:
            raise TraceError(number, exc) from exc
        index += 1
        yield from out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gridcore.trace", description=__doc__)
    parser.add_argument("--grid", action="store_true", help="print the grid after each event")
    args = parser.parse_args(argv)
    write = sys.stdout.write
    try:
        for out in trace_lines(sys.stdin, show_grid=args.grid):
            write(out + "\n")
    except TraceError as exc:
        sys.stdout.flush()
        print(f"gridcore.trace: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
