"""The NATS bus: typed publish/subscribe, JetStream provisioning, durable consumers."""

from bus.client import MSG_ID, Bus, BusState, BusStats, Handler, redact_url
from bus.config import BusConfig, StreamConfig
from bus.consumer import Batch, PullConsumer, StreamMessage
from bus.errors import BusClosedError, BusConnectionError, BusError, PublishError
from bus.publisher import DurablePublisher, PublishStats
from bus.reader import StreamBatch, StreamReader
from bus.shutdown import shutdown_event

__all__ = [
    "MSG_ID",
    "Batch",
    "Bus",
    "BusClosedError",
    "BusConfig",
    "BusConnectionError",
    "BusError",
    "BusState",
    "BusStats",
    "DurablePublisher",
    "Handler",
    "PublishError",
    "PublishStats",
    "PullConsumer",
    "StreamBatch",
    "StreamConfig",
    "StreamMessage",
    "StreamReader",
    "redact_url",
    "shutdown_event",
]
