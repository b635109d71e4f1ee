"""What the repository lists: plain rows for the admin CLI and the services."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

import msgspec

from tenants.models import Environment

__all__ = ["AccountRow", "RunKind", "RunRow", "UserRow", "mask_api_key"]

RunKind = Literal["live", "paper", "replay", "backtest", "import"]


def mask_api_key(api_key: str) -> str:
    """Only the last 4 characters, enough to tell keys apart."""
    return "****" + api_key[-4:] if len(api_key) > 8 else "****"


class UserRow(msgspec.Struct, frozen=True):
    user_id: uuid.UUID
    name: str
    created_at: dt.datetime


class AccountRow(msgspec.Struct, frozen=True, kw_only=True):
    """An account as listed: never the secret, the API key only masked."""

    account_id: str
    user_id: uuid.UUID
    name: str
    environment: Environment
    api_key_masked: str
    #: Which master key wraps the secret's data key ("" when no credentials).
    master_key_id: str
    created_at: dt.datetime


class RunRow(msgspec.Struct, frozen=True, kw_only=True):
    run_id: str
    user_id: uuid.UUID | None
    kind: RunKind
    ns: str
    source_ns: str | None
    params: dict[str, Any]
    status: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
