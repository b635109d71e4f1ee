"""Configs enforce their declared constraints when built in code, naming the field, as
they do when decoded from a file."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from bus import BusConfig, StreamConfig
from bybit import BybitConfig
from services.collector.config import CollectorConfig
from services.engine.config import EngineConfig
from services.executor.config import ExecutorConfig
from services.importer.request import ImportRequest
from services.recorder.config import RecorderConfig
from services.replayer.request import ReplayRequest
from venue import InstrumentConfig, QueueConfig

CASES: list[tuple[Callable[..., Any], dict[str, Any], str]] = [
    (RecorderConfig, {"batch_size": 0}, "batch_size"),
    (RecorderConfig, {"reconnect_backoff_s": ()}, "reconnect_backoff_s"),
    (RecorderConfig, {"reconnect_backoff_s": (1.0, -1.0)}, "reconnect_backoff_s"),
    (ExecutorConfig, {"queue_size": 0}, "queue_size"),
    (ExecutorConfig, {"max_retries": -2}, "max_retries"),
    (EngineConfig, {"resync_timeout_s": 0.0}, "resync_timeout_s"),
    (CollectorConfig, {"backfill_trades_limit": 5000}, "backfill_trades_limit"),
    (StreamConfig, {"max_age_s": -1}, "max_age_s"),
    (BusConfig, {"max_pending_acks": 0}, "max_pending_acks"),
    (
        lambda **kw: BybitConfig(api_key="k", api_secret="s", account_id="a", **kw),
        {"request_timeout_s": -1.0},
        "request_timeout_s",
    ),
    (
        lambda **kw: ReplayRequest(source_ns="live", run_id="r1", **kw),
        {"speed": 0.0},
        "speed",
    ),
    (
        lambda **kw: ImportRequest(name="n", symbol="BTCUSDT", files=("f.csv",), **kw),
        {"batch_frames": 0},
        "batch_frames",
    ),
    (QueueConfig, {"window_s": 0.0}, "window_s"),
    (
        lambda **kw: InstrumentConfig(
            symbol="BTCUSDT",
            tick_size=Decimal("0.1"),
            qty_step=Decimal("0.001"),
            min_qty=Decimal("0.001"),
            **kw,
        ),
        {"max_price": Decimal("-1")},
        "max_price",
    ),
]


@pytest.mark.parametrize(("build", "fields", "field"), CASES)
def test_a_constraint_holds_for_a_config_built_in_code(
    build: Callable[..., Any], fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValueError, match=field):
        build(**fields)


def test_decoding_and_building_refuse_the_same_value() -> None:
    with pytest.raises(msgspec.ValidationError, match="batch_size"):
        msgspec.convert({"batch_size": 0}, RecorderConfig)
    with pytest.raises(ValueError, match="batch_size: must be > 0, got 0"):
        RecorderConfig(batch_size=0)
    assert RecorderConfig(batch_size=1).batch_size == 1
