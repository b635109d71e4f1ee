"""S-2: the saved-grid JSON document, as pure encode/decode functions (no file I/O).

The document is ``{"<strat_id>": {"grid": [{"side", "price"}, …], "grid_step", "grid_count"}}``.
The caller reads and atomically replaces the file; these functions only turn bytes into
data and back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

from gridcore._levels import GridLevel
from gridcore.config import GridConfig

__all__ = [
    "GridStateKey",
    "decode_grid_document",
    "encode_grid_document",
    "grid_state_key",
    "saved_grid",
]

GridStateKey = tuple[tuple[tuple[str, float], ...], float, int]

_decoder = msgspec.json.Decoder()
_encoder = msgspec.json.Encoder()


def decode_grid_document(data: bytes | str) -> dict[str, Any]:
    """Parse a saved-grid file; unparseable input or a non-object root is ``{}``."""
    try:
        document = _decoder.decode(data)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return {}
    return document if isinstance(document, dict) else {}


def saved_grid(document: Mapping[str, Any], strat_id: str, config: GridConfig) -> list[Any] | None:
    """The level list to restore for ``strat_id``, or None for "no saved state".

    An entry without ``grid`` (legacy anchor-only) counts as none, and so does one whose
    ``grid_step`` or ``grid_count`` differs from ``config`` (E-14). The items are not
    checked here: restoring runs G-10.
    """
    entry = document.get(strat_id)
    if not isinstance(entry, Mapping) or "grid" not in entry:
        return None
    if entry.get("grid_step") != config.grid_step or entry.get("grid_count") != config.grid_count:
        return None
    grid = entry["grid"]
    return list(grid) if isinstance(grid, list) else None


def encode_grid_document(
    document: Mapping[str, Any],
    strat_id: str,
    levels: Iterable[GridLevel],
    config: GridConfig,
) -> bytes:
    """``document`` with the entry for ``strat_id`` replaced by ``levels`` (latest wins)."""
    updated = dict(document)
    updated[strat_id] = {
        "grid": [{"side": level.side, "price": level.price} for level in levels],
        "grid_step": config.grid_step,
        "grid_count": config.grid_count,
    }
    return _encoder.encode(updated)


def grid_state_key(levels: Iterable[GridLevel], config: GridConfig) -> GridStateKey:
    """The write-deduplication key: the exact ``(side, price)`` pairs plus step and count."""
    pairs = tuple((level.side, level.price) for level in levels)
    return pairs, config.grid_step, config.grid_count
