"""Collector: Bybit public/private websockets → proto events on the bus; gaps back-filled."""

from services.collector.config import CollectorAccount, CollectorConfig
from services.collector.service import Collector
from services.collector.stats import CollectorStats

__all__ = ["Collector", "CollectorAccount", "CollectorConfig", "CollectorStats"]
