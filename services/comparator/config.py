"""Comparator service configuration."""

from __future__ import annotations

from typing import Annotated

import msgspec

from checked import CheckedStruct
from compare import MatchMode

PositiveInt = Annotated[int, msgspec.Meta(gt=0)]
PositiveFloat = Annotated[float, msgspec.Meta(gt=0)]


class ComparatorConfig(CheckedStruct, frozen=True):
    #: Each comparison goes to ``{out_dir}/{run_id}/{account}-{symbol}``.
    out_dir: str = ".gridtwin/comparisons"
    #: Finished replays waiting to be judged; one more is dropped (counted, logged): the
    #: subscription never waits for the judging.
    queue_size: PositiveInt = 100
    #: A TOML/JSON file of V-13 thresholds (``compare.load_thresholds``); None: the spec's.
    thresholds: str | None = None
    #: Trade matching (V-7 assignment, or the reference's occurrence join).
    match: MatchMode = "assignment"
    #: Longest the look-up of a run in ``runs`` may take.
    lookup_timeout_s: PositiveFloat = 10.0
    #: Longest one strategy's comparison may take (reading, judging, writing, storing).
    judge_timeout_s: PositiveFloat = 600.0
