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

    def __post_init__(self) -> None:
        super().__post_init__()
        subjects.namespace(self.source_ns)
        subjects.token("run id", self.run_id)
        if self.start_ms is not None and self.end_ms is not None and self.end_ms <= self.start_ms:
            raise ValueError(f"end_ms ({self.end_ms}) must be after start_ms ({self.start_ms})")

    @property
    def target_ns(self) -> str:
        return subjects.replay_namespace(self.run_id)
