"""Times in files and on the command line: ISO 8601 UTC with ``Z``, millisecond precision."""

from __future__ import annotations

import datetime as dt

__all__ = ["iso", "parse_time"]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def iso(ts_ms: int | None) -> str:
    """``2020-12-09T00:00:13.287Z``; "" for None. Integer arithmetic, no float rounding."""
    if ts_ms is None:
        return ""
    when = _EPOCH + dt.timedelta(milliseconds=ts_ms)
    return f"{when:%Y-%m-%dT%H:%M:%S}.{ts_ms % 1000:03d}Z"


def parse_time(text: str) -> int:
    """Epoch ms from ISO 8601 (``2020-12-09T00:30:00Z``, ``2020-12-09 00:30``,
    ``2020-12-09``; no zone means UTC) or a whole number of epoch ms."""
    raw = text.strip()
    if raw.isdigit():
        return int(raw)
    value = raw[:-1] + "+00:00" if raw[-1:] in ("Z", "z") else raw
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 time or epoch ms") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    delta = parsed - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
