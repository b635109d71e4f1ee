"""Grid-state persistence (§12): coalesced, deduplicated writes, latest wins."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import structlog

from gridcore import GridConfig, GridLevel, encode_grid_document, grid_state_key

log = structlog.get_logger(__name__)

SaveGrid = Callable[[str, dict[str, Any]], Awaitable[None]]


class GridStateWriter:
    """Collects grid changes from the strategies and writes the latest one per strategy
    every ``interval_s``. Identical grids are not rewritten (S-2 dedup). A failed write
    is kept and retried on the next flush, so a database blip loses nothing."""

    def __init__(self, save: SaveGrid, interval_s: float) -> None:
        self._save = save
        self._interval_s = interval_s
        self._configs: dict[str, GridConfig] = {}
        self._dirty: dict[str, tuple[GridLevel, ...]] = {}
        self._written: dict[str, Any] = {}
        self.writes = 0
        self.failures = 0

    def track(self, strategy_id: str, config: GridConfig) -> None:
        self._configs[strategy_id] = config

    def changed(self, strategy_id: str, levels: tuple[GridLevel, ...], _ts: int | None) -> None:
        self._dirty[strategy_id] = levels

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._interval_s)
            await self.flush()

    async def flush(self) -> None:
        dirty, self._dirty = self._dirty, {}
        for strategy_id, levels in dirty.items():
            config = self._configs[strategy_id]
            key = grid_state_key(levels, config)
            if self._written.get(strategy_id) == key:
                continue
            document = msgspec.json.decode(encode_grid_document({}, strategy_id, levels, config))
            try:
                await self._save(strategy_id, document)
            except Exception as exc:  # kept for the next flush
                self.failures += 1
                self._dirty.setdefault(strategy_id, levels)
                log.warning("grid_state_write_failed", strategy=strategy_id, error=str(exc))
                continue
            self._written[strategy_id] = key
            self.writes += 1
