"""Deterministic ids: the same run (seed) gives the same order and execution ids."""

import uuid
from collections import defaultdict

__all__ = ["IdGen"]


class IdGen:
    """uuid5 ids from (seed, kind, counter): the same run gives the same ids."""

    def __init__(self, seed: int) -> None:
        self._ns = uuid.uuid5(uuid.NAMESPACE_URL, f"gridtwin/exchange-sim/{seed}")
        self._counters: defaultdict[str, int] = defaultdict(int)

    def uuid(self, kind: str) -> str:
        self._counters[kind] += 1
        return str(uuid.uuid5(self._ns, f"{kind}:{self._counters[kind]}"))

    def seq(self, kind: str) -> int:
        key = f"{kind}#seq"
        self._counters[key] += 1
        return self._counters[key]
