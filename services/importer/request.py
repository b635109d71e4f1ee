"""What to import."""

from __future__ import annotations

from typing import Annotated

import msgspec

from checked import CheckedStruct
from proto import subjects
from tenants.models import check_token

#: Frames per transaction: what a crash can lose at most, and redo on the next run.
BATCH_FRAMES = 20_000


class ImportRequest(CheckedStruct, frozen=True):
    #: The import's name: its run id and its namespace ``import.<name>``.
    name: str
    symbol: str
    #: Trade files (any layout ``marketdata.read_trades`` knows, plain or gzip).
    files: tuple[str, ...]
    #: Owner of the run; ``None`` = the user ``import``, created when missing.
    user: str | None = None
    #: A stretch without trades longer than this is a gap in the health report.
    gap_s: Annotated[float, msgspec.Meta(gt=0)] = 60.0
    batch_frames: Annotated[int, msgspec.Meta(gt=0)] = BATCH_FRAMES

    def __post_init__(self) -> None:
        super().__post_init__()
        check_token("name", self.name)
        subjects.token("symbol", self.symbol)
        if not self.files:
            raise ValueError("files: at least one trade file is needed")
        if not self.gap_s > 0:  # msgspec checks constraints only when decoding
            raise ValueError(f"gap_s: must be > 0, got {self.gap_s}")
        if self.batch_frames <= 0:
            raise ValueError(f"batch_frames: must be > 0, got {self.batch_frames}")

    @property
    def ns(self) -> str:
        return subjects.import_namespace(self.name)
