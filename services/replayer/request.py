"""What to replay."""

from __future__ import annotations

from typing import Annotated

import msgspec

from checked import CheckedStruct
from proto import subjects


class ReplayRequest(CheckedStruct, frozen=True):
    #: The recorded namespace to read (``live`` or ``paper``).
    source_ns: str
    #: The new run; events are republished under ``replay.<run_id>.``.
    run_id: str
    #: Exchange-time window ``[start_ms, end_ms)``; ``None`` = unbounded.
    start_ms: int | None = None
    end_ms: int | None = None
    symbols: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    #: ×N of recorded time; ``None`` = as fast as flow control allows.
    speed: Annotated[float, msgspec.Meta(gt=0)] | None = None
    #: Only events recorded after this stream sequence (a seeded window's start point).
    after_seq: Annotated[int, msgspec.Meta(ge=0)] = 0
    #: Only events of these kinds (``trade``, ``ticker`` …); empty = every kind.
    kinds: tuple[str, ...] = ()
    #: A seeded replay: publish into the run's feed namespace (``replay.<run>-feed``),
    #: which only the simbroker reads, at most ``window`` events ahead of its
    #: ``SimProgress``; the run itself (``replay.<run>``) is what the simbroker and the
    #: engine make of it.
    feed: bool = False
    window: Annotated[int, msgspec.Meta(gt=0)] = 20_000

    def __post_init__(self) -> None:
        super().__post_init__()
        subjects.namespace(self.source_ns)
        subjects.token("run id", self.run_id)
        if self.start_ms is not None and self.end_ms is not None and self.end_ms <= self.start_ms:
            raise ValueError(f"end_ms ({self.end_ms}) must be after start_ms ({self.start_ms})")

    @property
    def target_ns(self) -> str:
        return subjects.replay_namespace(self.run_id)

    @property
    def publish_ns(self) -> str:
        """Where the events go: the run's namespace, or its feed."""
        return feed_namespace(self.run_id) if self.feed else self.target_ns


def feed_namespace(run_id: str) -> str:
    """The namespace a seeded replay's recorded market data is republished into."""
    return subjects.replay_namespace(f"{run_id}-feed")
