"""Recorder: JetStream → PostgreSQL event store, idempotent and crash-safe."""

from services.recorder.config import RecorderConfig
from services.recorder.service import Recorder, RecorderStats

__all__ = ["Recorder", "RecorderConfig", "RecorderStats"]
