"""Leadership of one account: a key in a JetStream KV bucket whose ``ttl`` is the lease.

``create`` succeeds for exactly one replica while the key is absent; the holder renews it
with a compare-and-set ``update(last=revision)`` every ``renew_s``; a crashed holder's key
expires ``ttl_s`` after its last renewal and a standby's next ``create`` wins. The holder
considers itself the leader only until ``ttl_s - renew_s`` after its last *successful*
renewal was sent (the server expires the key no earlier than ``ttl_s`` after it received
it), so a holder cut off from NATS steps down before anyone else can take over. The
bucket lives in memory: a NATS server restart loses it, and the first replica to notice
creates it again (every lease starts over; nobody can hold one meanwhile).
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Callable

import nats.errors
import nats.js.errors
import structlog
from nats.js import JetStreamContext
from nats.js.api import StorageType
from nats.js.kv import KeyValue

log = structlog.get_logger(__name__)

_BAD_BUCKET_CHARS = re.compile(r"[^A-Za-z0-9_-]")


def bucket_name(prefix: str, name: str) -> str:
    """The bus prefix (test isolation) and the configured name as one valid bucket name."""
    return _BAD_BUCKET_CHARS.sub("_", prefix + name)


def lease_key(namespace: str, account_id: str) -> str:
    """One lease per namespace and account (``live.acct-1``)."""
    return f"{namespace}.{account_id}"


#: The bucket's stream is gone (a NATS server restarted without it: the bucket is in
#: memory): the replica must create it again, or it never leads again.
_BUCKET_GONE = (
    nats.js.errors.NoStreamResponseError,
    nats.js.errors.BucketNotFoundError,
    nats.js.errors.ServiceUnavailableError,
)


async def open_bucket(js: JetStreamContext, name: str, ttl_s: float) -> KeyValue:
    """Bind to the lease bucket, creating it (memory storage, history 1) when missing."""
    try:
        return await js.key_value(name)
    except nats.js.errors.BucketNotFoundError:
        pass
    try:
        return await js.create_key_value(
            bucket=name,
            ttl=ttl_s,
            history=1,
            storage=StorageType.MEMORY,
            description="gridtwin executor account leases",
        )
    except nats.js.errors.APIError:  # another replica created it meanwhile
        return await js.key_value(name)


class LeaseBucket:
    """The lease bucket of a replica, re-created when the server lost it (the bucket lives
    in memory, so a NATS server restart drops it and every lease with it)."""

    def __init__(self, js: JetStreamContext, name: str, ttl_s: float, kv: KeyValue) -> None:
        self.name = name
        self.kv = kv
        self.reopened = 0
        self._js = js
        self._ttl_s = ttl_s
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, js: JetStreamContext, name: str, ttl_s: float) -> LeaseBucket:
        return cls(js, name, ttl_s, await open_bucket(js, name, ttl_s))

    async def reopen(self, broken: KeyValue) -> None:
        """Bind (or create) the bucket again; one re-creation for every lease that saw
        ``broken`` fail."""
        async with self._lock:
            if self.kv is not broken:
                return  # another lease already reopened it
            try:
                self.kv = await asyncio.wait_for(
                    open_bucket(self._js, self.name, self._ttl_s), self._ttl_s
                )
            except (TimeoutError, nats.errors.Error) as exc:
                log.warning(
                    "lease_bucket_reopen_failed", bucket=self.name, error=type(exc).__name__
                )
                return
            self.reopened += 1
            log.warning("lease_bucket_reopened", bucket=self.name)


class Lease:
    """One replica's hold on one key. Not thread-safe; one task drives it."""

    def __init__(
        self,
        bucket: LeaseBucket,
        key: str,
        holder: str,
        *,
        ttl_s: float,
        renew_s: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.key = key
        self.holder = holder
        self._bucket = bucket
        self._ttl_s = ttl_s
        self._renew_s = renew_s
        self._monotonic = monotonic
        self._value = f"{holder}:{uuid.uuid4().hex[:8]}".encode()
        self.revision = 0
        self._valid_until = 0.0
        #: Monotonic time the lease bucket stopped answering (``None``: it answers).
        self.failing_since: float | None = None

    @property
    def held(self) -> bool:
        return self.revision > 0

    def valid(self) -> bool:
        """Held, and the last renewal is recent enough that nobody else can hold it."""
        return self.held and self._monotonic() < self._valid_until

    async def try_acquire(self) -> bool:
        """True: held now. False: another replica holds it, or the bucket could not be
        asked (then :attr:`failing_since` says since when)."""
        sent = self._monotonic()
        kv = self._bucket.kv
        try:
            revision = await asyncio.wait_for(kv.create(self.key, self._value), self._renew_s)
        except nats.js.errors.KeyWrongLastSequenceError:
            self.failing_since = None  # the bucket answered: another replica leads
            revision = await self._own_revision()
            if revision is None:
                return False
        except _BUCKET_GONE as exc:
            self._failing(sent)
            log.warning("lease_bucket_missing", key=self.key, reason=type(exc).__name__)
            await self._bucket.reopen(kv)
            return False
        except (TimeoutError, nats.errors.Error) as exc:
            self._failing(sent)
            log.info("lease_acquire_failed", key=self.key, reason=type(exc).__name__)
            return False
        self.failing_since = None
        self._held_at(revision, sent)
        return True

    def _failing(self, now: float) -> None:
        if self.failing_since is None:
            self.failing_since = now

    async def renew(self) -> bool | None:
        """True: renewed. False: someone else holds it (lost). None: no answer (unknown)."""
        sent = self._monotonic()
        try:
            revision = await asyncio.wait_for(
                self._bucket.kv.update(self.key, self._value, last=self.revision), self._renew_s
            )
        except nats.js.errors.KeyWrongLastSequenceError:
            self.failing_since = None
            # A renewal whose answer we lost may have moved the revision: still ours?
            revision = await self._own_revision()
            if revision is None:
                self.revision = 0
                return False
        except (TimeoutError, nats.errors.Error) as exc:
            self._failing(sent)
            log.warning("lease_renew_failed", key=self.key, reason=type(exc).__name__)
            return None
        self.failing_since = None
        self._held_at(revision, sent)
        return True

    async def release(self) -> None:
        """Delete the key if it is still ours, so a standby takes over at once."""
        if not self.held:
            return
        revision, self.revision = self.revision, 0
        try:
            await asyncio.wait_for(self._bucket.kv.delete(self.key, last=revision), self._renew_s)
        except (TimeoutError, nats.errors.Error) as exc:
            log.warning("lease_release_failed", key=self.key, reason=type(exc).__name__)

    def forget(self) -> None:
        """Stop considering the lease held (lost); the key is left to expire."""
        self.revision = 0

    def _held_at(self, revision: int, sent: float) -> None:
        self.revision = revision
        self._valid_until = sent + self._ttl_s - self._renew_s

    async def _own_revision(self) -> int | None:
        try:
            entry = await asyncio.wait_for(self._bucket.kv.get(self.key), self._renew_s)
        except (TimeoutError, nats.errors.Error):
            return None
        return entry.revision if entry.value == self._value else None
