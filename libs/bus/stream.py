"""JetStream stream provisioning: create the capture stream or bring it to the config."""

from __future__ import annotations

import nats.js.api as api
import structlog
from nats.js import JetStreamContext
from nats.js.errors import APIError, NotFoundError

from bus.config import StreamConfig
from bus.errors import BusError

log = structlog.get_logger(__name__)


def stream_name(config: StreamConfig, prefix: str) -> str:
    return (prefix.replace(".", "_") + config.name) if prefix else config.name


def _limit(value: int) -> int:
    return value if value > 0 else -1


def to_nats(config: StreamConfig, prefix: str) -> api.StreamConfig:
    return api.StreamConfig(
        name=stream_name(config, prefix),
        subjects=[f"{prefix}{ns}.>" for ns in config.namespaces],
        retention=api.RetentionPolicy.LIMITS,
        storage=api.StorageType(config.storage),
        max_age=float(config.max_age_s) if config.max_age_s else None,
        max_bytes=_limit(config.max_bytes),
        max_msgs=_limit(config.max_msgs),
        duplicate_window=config.duplicate_window_s,
    )


async def ensure_stream(js: JetStreamContext, config: StreamConfig, prefix: str) -> str:
    """Create the stream, or update it when its config changed. Returns its name."""
    wanted = to_nats(config, prefix)
    assert wanted.name is not None
    try:
        try:
            await js.stream_info(wanted.name)
        except NotFoundError:
            await js.add_stream(wanted)
            log.info("stream_created", stream=wanted.name, subjects=wanted.subjects)
        else:
            await js.update_stream(wanted)
    except APIError as exc:
        raise BusError(f"stream {wanted.name}: {exc.description or exc}") from None
    return wanted.name
