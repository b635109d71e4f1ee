"""Executor configuration: one frozen Struct for the process, one per account it may lead.

Both are built by the caller (the CLI decrypts credentials from the tenancy tables); the
executor itself never reads PostgreSQL. Nothing here is read from the environment.
"""

from __future__ import annotations

import os
import socket
import uuid
from decimal import Decimal
from typing import Annotated

import msgspec

from bybit import BybitConfig
from checked import CheckedStruct
from proto import subjects

PositiveInt = Annotated[int, msgspec.Meta(gt=0)]
NonNegativeInt = Annotated[int, msgspec.Meta(ge=0)]
PositiveFloat = Annotated[float, msgspec.Meta(gt=0)]
NonNegativeFloat = Annotated[float, msgspec.Meta(ge=0)]


def default_instance() -> str:
    """``{host}-{pid}-{random}``: unique per process, readable in lease values and logs."""
    host = socket.gethostname().split(".")[0] or "host"
    return f"{host}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class ExecutorConfig(CheckedStruct, frozen=True):
    #: Namespace of every subject read and written (``live``, ``paper``, ``replay.<run>``).
    #: Default ``live``.
    namespace: str = "live"
    #: This replica's id (lease values, ``ExecutorLease``/``ReconcileReport``). Default
    #: ``{host}-{pid}-{random}``.
    instance: str = msgspec.field(default_factory=default_instance)
    #: The account lease expires this long after its last renewal (JetStream KV ``ttl``);
    #: a standby takes over at most this long after a crash. Default 3.
    lease_ttl_s: PositiveFloat = 3.0
    #: Renewal period of a held lease, and retry period of a standby. Default 1.
    lease_renew_s: PositiveFloat = 1.0
    #: KV bucket of the leases (prefixed with the bus prefix). Default ``executor_leases``.
    lease_bucket: str = "executor_leases"
    #: Open-order reconciliation period (also run when a worker starts). Default 61.
    reconcile_interval_s: PositiveFloat = 61.0
    #: Age after which the cached available balance is fetched again. Default 300.
    wallet_cache_s: PositiveFloat = 300.0
    #: Retries of one place/cancel after a transport, server or rate-limit error. Default 3.
    max_retries: NonNegativeInt = 3
    #: Sleep before retry n (the last value repeats). Default 0.2, 0.5, 1.0.
    retry_backoff_s: tuple[NonNegativeFloat, ...] = (0.2, 0.5, 1.0)
    #: Consecutive failed operations that open an account's circuit breaker. Default 3.
    breaker_threshold: PositiveInt = 3
    #: Open time of trip 1, 2, 3… (the last value repeats). Default 30, 60, 120.
    breaker_cooldowns_s: tuple[PositiveFloat, ...] = (30.0, 60.0, 120.0)
    #: Intents whose batch ``ts_local_ns`` is older than this are rejected STALE;
    #: 0 turns the check off. Default 30.
    stale_intent_s: NonNegativeFloat = 30.0
    #: Low-balance preflight margin: ``available < qty·price/leverage·(1+buffer)``
    #: rejects an opening order. Default 0.1.
    low_balance_buffer: Decimal = Decimal("0.1")
    #: Leverage assumed when no position row told us the symbol's leverage. Default 10.
    default_leverage: Decimal = Decimal(10)
    #: Settle coin of the wallet balance and of account-wide REST queries. Default USDT.
    settle_coin: str = "USDT"
    #: Intent batches buffered per account between NATS and the worker. Default 64.
    queue_size: PositiveInt = 64
    #: Longest the worker sleeps before looking at the clock again. Default 0.5.
    idle_poll_s: PositiveFloat = 0.5
    #: How long a graceful stop waits for the batch in progress. Default 30.
    stop_grace_s: PositiveFloat = 30.0

    def __post_init__(self) -> None:
        super().__post_init__()
        subjects.namespace(self.namespace)
        if self.lease_renew_s >= self.lease_ttl_s:
            raise ValueError("lease_renew_s must be shorter than lease_ttl_s")
        if not self.retry_backoff_s or not self.breaker_cooldowns_s:
            raise ValueError("retry_backoff_s and breaker_cooldowns_s need at least one value")
        if self.default_leverage <= 0 or self.low_balance_buffer < 0:
            raise ValueError("default_leverage must be > 0 and low_balance_buffer >= 0")
        if not self.instance:
            raise ValueError("instance must not be empty")


class ExecutorAccount(msgspec.Struct, frozen=True, kw_only=True):
    """One account this executor may lead: its decrypted Bybit config and shadow flags.

    ``bybit.api_secret`` is a :class:`bybit.Secret`; it is never logged or published.
    ``bybit.account_id`` is forced to ``account_id`` (it stamps REST-built proto events).
    """

    account_id: str
    bybit: BybitConfig
    #: Strategies whose batches are executed in shadow (logged and answered, no REST).
    shadow_strategies: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        subjects.token("account id", self.account_id)
        if self.bybit.account_id != self.account_id:
            bybit = msgspec.structs.replace(self.bybit, account_id=self.account_id)
            msgspec.structs.force_setattr(self, "bybit", bybit)
