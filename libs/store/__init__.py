"""PostgreSQL: pool, migrations, tenancy scoping and the append-only event store."""

from store.copy_out import StoredChunk, copy_events
from store.errors import MigrationError, StoreConnectionError, StoreError
from store.events import (
    DeadLetter,
    EventRow,
    EventWriter,
    StoredEvent,
    count_events,
    event_row,
    iter_events,
    month_bounds,
)
from store.migrate import migrate
from store.offsets import OffsetConflict, StreamOffset, read_offset
from store.pool import create_pool, redact_dsn
from store.tenancy import APP_ROLE, tenant_scope

__all__ = [
    "APP_ROLE",
    "DeadLetter",
    "EventRow",
    "EventWriter",
    "MigrationError",
    "OffsetConflict",
    "StoreConnectionError",
    "StoreError",
    "StoredChunk",
    "StoredEvent",
    "StreamOffset",
    "copy_events",
    "count_events",
    "create_pool",
    "event_row",
    "iter_events",
    "migrate",
    "month_bounds",
    "read_offset",
    "redact_dsn",
    "tenant_scope",
]
