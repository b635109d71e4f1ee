"""The comparator service's intake without a bus or a database: what it enqueues, what
it counts as bad input or drops, which runs it judges, and its /metrics. (Judging real
replays over NATS and PostgreSQL: tests/seeded_replay.)"""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client import generate_latest

import proto
from services.comparator.config import ComparatorConfig
from services.comparator.metrics import registry_for
from services.comparator.service import Comparator, replayed_of
from tenants import RunRow

OWNER = uuid.uuid4()


class _Bus:
    """What the intake uses of ``bus.Bus``: no prefix."""

    def logical(self, subject: str) -> str:
        return subject


def _finished(run_id: str = "r1", **kw: Any) -> proto.ReplayFinished:
    fields: dict[str, Any] = {
        "event_id": f"replay_finished:{run_id}", "ts_exchange_ms": 2_000, "ts_local_ns": 0,
        "run_id": run_id, "ns": f"replay.{run_id}", "source_ns": "live", "start_ms": 1_000,
        "end_ms": 2_000, "fill_model": "strict_cross", "latency": "recorded",
        "strategies": [("a1", "BTCUSDT")],
    } | kw  # fmt: skip
    return proto.ReplayFinished(**fields)


def _msg(message: proto.Message | bytes, subject: str | None = None) -> SimpleNamespace:
    if isinstance(message, bytes):
        return SimpleNamespace(subject=subject, data=message)
    assert isinstance(message, proto.ReplayFinished)
    return SimpleNamespace(
        subject=subject or proto.subject_for(message.ns, message), data=proto.encode(message)
    )


def _run(**kw: Any) -> RunRow:
    fields: dict[str, Any] = {
        "run_id": "r1", "user_id": OWNER, "kind": "replay", "ns": "replay.r1",
        "source_ns": "live", "params": {"after_seq": 42, "fill_model": "strict_cross"},
        "status": "finished", "started_at": dt.datetime.now(dt.UTC), "ended_at": None,
    } | kw  # fmt: skip
    return RunRow(**fields)


async def test_the_intake_enqueues_replays_counts_bad_input_and_drops_past_the_queue() -> None:
    comparator = Comparator(_Bus(), None, ComparatorConfig(queue_size=2))  # type: ignore[arg-type]
    subject = "replay.r1.sys.seeded_replay.replay_finished"
    await comparator._on_msg(_msg(b"\xc1", subject))  # type: ignore[arg-type]
    heartbeat = proto.Heartbeat(event_id="h", ts_exchange_ms=0, ts_local_ns=0,
                                service="engine", instance="e", seq=1)  # fmt: skip
    await comparator._on_msg(_msg(proto.encode(heartbeat), subject))  # type: ignore[arg-type]
    # Announced on another run's subject: not trusted.
    await comparator._on_msg(_msg(_finished("r2"), subject))  # type: ignore[arg-type]
    for run_id in ("r1", "r3", "r4"):
        await comparator._on_msg(_msg(_finished(run_id)))  # type: ignore[arg-type]
    stats = comparator.stats
    assert (stats.received, stats.bad_messages, stats.dropped) == (6, 3, 1)
    assert comparator.queued == 2
    text = generate_latest(registry_for(comparator)).decode()
    assert "gridtwin_comparator_bad_messages_total 3.0" in text
    assert "gridtwin_comparator_dropped_total 1.0" in text
    assert "gridtwin_comparator_queued 2.0" in text


def test_only_a_finished_seeded_replay_of_the_announced_namespace_is_judged() -> None:
    replayed = replayed_of(_finished(), _run())
    assert not isinstance(replayed, str)
    assert (replayed.owner, replayed.after_seq, replayed.source_ns) == (OWNER, 42, "live")
    assert (replayed.start_ms, replayed.end_ms, replayed.latency) == (1_000, 2_000, "recorded")
    assert replayed.manifest["run_id"] == "r1" and replayed.manifest["after_seq"] == 42
    assert replayed_of(_finished(), None) == "no such run"
    assert "not a replay of replay.r1" in str(replayed_of(_finished(), _run(ns="replay.x")))
    assert "not a replay of" in str(replayed_of(_finished(), _run(kind="live", ns="live")))
    assert "running, not finished" in str(replayed_of(_finished(), _run(status="running")))
    assert "not a seeded replay" in str(replayed_of(_finished(), _run(params={})))


def test_a_bad_thresholds_file_stops_the_service_before_it_listens(tmp_path: Any) -> None:
    bad = tmp_path / "t.toml"
    bad.write_text("coverage_min = -1\n")
    with pytest.raises(ValueError, match="coverage_min"):
        Comparator(_Bus(), None, ComparatorConfig(thresholds=str(bad)))  # type: ignore[arg-type]
