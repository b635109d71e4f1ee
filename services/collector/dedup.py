"""What a stream already published: recent ids, and how far in exchange time it got."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable


class RecentIds:
    """The last ``capacity`` ids added (oldest forgotten first); membership is O(1)."""

    __slots__ = ("_capacity", "_ids", "_order")

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._ids: set[str] = set()
        self._order: deque[str] = deque()

    def __contains__(self, item: object) -> bool:
        return item in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, item: str) -> bool:
        """Remember ``item``; ``False`` when it was already known."""
        if item in self._ids:
            return False
        self._ids.add(item)
        self._order.append(item)
        if len(self._order) > self._capacity:
            self._ids.discard(self._order.popleft())
        return True

    def update(self, items: Iterable[str]) -> None:
        for item in items:
            self.add(item)


class Watermark:
    """The latest exchange time (ms) a stream delivered, queryable *as of* a local time.

    A gap is reported only once the stream is back, when newer events may already have
    arrived; the back-fill must start from what had been seen when the gap began:
    ``as_of(gap.started_ns)``. Only increases are kept (``capacity`` of them); ``seed``
    sets a floor known from before this process (the stream's history, a look-back).
    """

    __slots__ = ("_capacity", "_floor", "_marks")

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._floor: int | None = None
        self._marks: deque[tuple[int, int]] = deque()  # (local ns, exchange ms), rising ms

    @property
    def latest(self) -> int | None:
        return self._marks[-1][1] if self._marks else self._floor

    def seed(self, exchange_ms: int) -> None:
        if self._floor is None or exchange_ms > self._floor:
            self._floor = exchange_ms

    def advance(self, local_ns: int, exchange_ms: int) -> None:
        latest = self.latest
        if latest is not None and exchange_ms <= latest:
            return
        self._marks.append((local_ns, exchange_ms))
        if len(self._marks) > self._capacity:
            _, oldest = self._marks.popleft()
            self.seed(oldest)

    def as_of(self, local_ns: int) -> int | None:
        """The latest exchange time seen at or before ``local_ns`` (or the floor)."""
        for seen_ns, exchange_ms in reversed(self._marks):
            if seen_ns <= local_ns:
                return exchange_ms if self._floor is None else max(exchange_ms, self._floor)
        return self._floor
