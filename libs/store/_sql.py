"""SQL text lives in ``sql/``; this loads it once."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import resources


@cache
def query(name: str) -> str:
    return resources.files("store").joinpath("sql", "queries", f"{name}.sql").read_text()


def migrations() -> list[tuple[int, str, str]]:
    """``(version, name, sql)`` for every migration file, in version order."""
    folder = resources.files("store").joinpath("sql", "migrations")
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text()))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"duplicate migration versions in {folder}")
    return found


def select_events_args(
    ns: str,
    start_ms: int | None,
    end_ms: int | None,
    symbols: Sequence[str] | None,
    accounts: Sequence[str] | None,
    after_seq: int,
    kinds: Sequence[str] | None = None,
) -> tuple[object, ...]:
    """The parameters of ``select_events.sql``, in order (empty filters become NULL)."""
    return (
        ns,
        start_ms,
        end_ms,
        list(symbols) if symbols else None,
        list(accounts) if accounts else None,
        after_seq,
        list(kinds) if kinds else None,
    )
