"""What ``gridtwin replay`` (seeded) and ``gridtwin check`` both take: the fill model,
the latency model and where the recorded run is."""

from __future__ import annotations

import argparse

import asyncpg

import venue
from services.replayer import cli as plain
from tenants import find_run

__all__ = ["FILL_MODELS", "latency_error", "source_window"]

#: Every fill model; ``follow`` fills from the live run's recorded executions.
FILL_MODELS = venue.FILL_MODELS


def latency_error(text: str) -> str | None:
    """Why ``--latency`` is bad, or None."""
    if text in ("none", "recorded") or text.isdigit():
        return None
    return f"--latency: {text!r} is not none, recorded or whole milliseconds"


async def source_window(
    conn: asyncpg.Connection,
    args: argparse.Namespace,
    run_flag: str,
    start: int | None,
    end: int | None,
) -> tuple[str | None, str]:
    """``(namespace, "")`` of the recorded run (``run_flag``'s run, else ``--source-ns``),
    ``(None, error)`` for an unknown run, ``(None, "")`` when the window's market data has
    holes (the preflight printed its report)."""
    source_ns = args.source_ns
    run_ref = getattr(args, run_flag.removeprefix("--").replace("-", "_"))
    if run_ref:
        found = await find_run(conn, run_ref)
        if found is None:
            return None, f"{run_flag}: no run {run_ref!r}"
        source_ns = found.ns
    if not await plain.window_is_healthy(conn, source_ns, args.symbols, start, end, args):
        return None, ""
    return source_ns, ""
