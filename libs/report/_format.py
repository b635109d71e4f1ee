"""Turning metric values into escaped HTML: the summary table and the sweep table share it."""

from __future__ import annotations

import html
import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec

MISSING = "—"


def iso_utc(ts_ms: int) -> str:
    """Epoch milliseconds as ISO 8601 UTC with a ``Z``: ``2024-01-02T03:04:05.678Z``."""
    dt = datetime.fromtimestamp(ts_ms / 1000, tz=UTC)
    return dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def format_float(x: float, *, signed: bool = False) -> str:
    """Fixed notation, never scientific: 2 decimals from 100 up, 4 from 1, else 4 significant."""
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    mag = abs(x)
    if mag >= 100:
        decimals = 2
    elif mag >= 1:
        decimals = 4
    else:
        decimals = min(12, 3 - math.floor(math.log10(mag)))
    return f"{x:+,.{decimals}f}" if signed else f"{x:,.{decimals}f}"


def json_text(value: Any, *, indent: int = 0) -> str:
    """JSON for display; anything msgspec cannot encode is shown through ``str``."""
    raw = msgspec.json.encode(value, enc_hook=str)
    return msgspec.json.format(raw, indent=indent).decode()


def format_value(value: Any) -> str:
    """A metric value as escaped HTML text."""
    match value:
        case None:
            return MISSING
        case bool():
            return "true" if value else "false"
        case int():
            return str(value)
        case float():
            return format_float(value)
        case Decimal():
            return html.escape(format(value, "f"))
        case str():
            return html.escape(value)
        case _:
            return html.escape(json_text(value))


def sort_value(value: Any) -> str | None:
    """The number a sortable table compares (``data-v``), or None for text and missing values."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    number = float(value)
    if math.isnan(number):
        return None
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    return repr(number) if isinstance(value, float) else str(value)


def value_cell(value: Any, *, link: str | None = None) -> str:
    """One ``<td>``: numbers right-aligned and tagged with their sort value."""
    text = format_value(value)
    if link is not None:
        text = f'<a href="{html.escape(link, quote=True)}">{text}</a>'
    key = sort_value(value)
    if key is None:
        return f"<td>{text}</td>"
    return f'<td class="num" data-v="{key}">{text}</td>'
