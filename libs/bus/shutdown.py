"""SIGTERM/SIGINT → an event a service awaits to start its graceful drain."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator


@contextlib.contextmanager
def shutdown_event(
    signals: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT),
) -> Iterator[asyncio.Event]:
    """Within the block, the given signals set the returned event instead of killing us."""
    loop = asyncio.get_running_loop()
    event = asyncio.Event()
    for sig in signals:
        loop.add_signal_handler(sig, event.set)
    try:
        yield event
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
