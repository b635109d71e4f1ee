"""Replayer: a recorded run republished byte for byte under ``replay.<run>.``."""

from services.replayer.request import ReplayRequest
from services.replayer.service import Replayer, ReplayResult

__all__ = ["ReplayRequest", "ReplayResult", "Replayer"]
