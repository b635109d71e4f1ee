"""Infrastructure: settings from the environment and the embedded NATS + PostgreSQL."""

from infra._process import InfraError, free_port
from infra.nats_server import EmbeddedNats
from infra.postgres import EmbeddedPostgres
from infra.settings import Settings
from infra.stack import (
    InfraState,
    Infrastructure,
    read_state,
    stop_detached,
    write_state,
)

__all__ = [
    "EmbeddedNats",
    "EmbeddedPostgres",
    "InfraError",
    "InfraState",
    "Infrastructure",
    "Settings",
    "free_port",
    "read_state",
    "stop_detached",
    "write_state",
]
