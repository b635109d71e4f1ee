"""The lease on a real JetStream KV bucket: one holder, renewal, expiry, release."""

from __future__ import annotations

import asyncio
import time

from bus import Bus, BusConfig
from services.executor.lease import Lease, LeaseBucket, bucket_name, lease_key
from tests.executor.helpers import until

TTL_S, RENEW_S = 1.0, 0.25


async def _leases(bus: Bus, bus_config: BusConfig) -> tuple[Lease, Lease]:
    name = bucket_name(bus_config.prefix, "leases")
    kv = await LeaseBucket.open(bus.js, name, TTL_S)
    again = await LeaseBucket.open(bus.js, name, TTL_S)
    key = lease_key("live", "acct-a")
    return (
        Lease(kv, key, "a", ttl_s=TTL_S, renew_s=RENEW_S),
        Lease(again, key, "b", ttl_s=TTL_S, renew_s=RENEW_S),
    )


def test_bucket_and_key_names_are_valid_and_isolated() -> None:
    assert bucket_name("t1234abcd.", "executor_leases") == "t1234abcd_executor_leases"
    assert bucket_name("", "executor_leases") == "executor_leases"
    assert lease_key("replay.run1", "acct-1") == "replay.run1.acct-1"


async def test_one_holder_until_released(bus: Bus, bus_config: BusConfig) -> None:
    a, b = await _leases(bus, bus_config)
    assert await a.try_acquire() and a.valid()
    assert not await b.try_acquire()
    assert await a.renew() is True
    await a.release()
    assert not a.held
    assert await b.try_acquire() and b.valid()
    assert not await a.try_acquire()


async def test_renewal_keeps_it_and_expiry_frees_it(bus: Bus, bus_config: BusConfig) -> None:
    a, b = await _leases(bus, bus_config)
    assert await a.try_acquire()
    deadline = time.monotonic() + 3 * TTL_S
    while time.monotonic() < deadline:  # renewed for three TTLs: nobody else gets it
        assert await a.renew() is True
        assert not await b.try_acquire()
        await asyncio.sleep(RENEW_S)
    # The holder stops renewing (a crash): it considers itself invalid first, then the
    # key expires on the server and the standby wins.
    await until(lambda: not a.valid(), timeout=5 * TTL_S)
    await until(b.try_acquire, timeout=10 * TTL_S, interval=RENEW_S)
    assert await a.renew() is False and not a.held


async def test_a_lost_renewal_answer_is_recognised_as_still_ours(
    bus: Bus, bus_config: BusConfig
) -> None:
    a, _ = await _leases(bus, bus_config)
    assert await a.try_acquire()
    stale = a.revision
    assert await a.renew() is True  # pretend this answer was lost:
    a.revision = stale
    assert await a.renew() is True  # wrong last sequence, but the value is ours
    assert a.valid()


async def test_a_stale_holder_never_deletes_the_new_holders_key(
    bus: Bus, bus_config: BusConfig
) -> None:
    a, b = await _leases(bus, bus_config)
    assert await a.try_acquire()
    await until(b.try_acquire, timeout=10 * TTL_S, interval=RENEW_S)  # a's key expired
    await a.release()  # compare-and-delete on a's old revision: refused
    assert await b.renew() is True and b.valid()


async def test_a_lost_bucket_is_created_again_and_leases_start_over(
    bus: Bus, bus_config: BusConfig
) -> None:
    """A NATS server restart drops the in-memory bucket: the next acquire sees it gone,
    re-creates it once, and the one after that takes the lease."""
    a, b = await _leases(bus, bus_config)
    assert await a.try_acquire()
    await bus.js.delete_key_value(bucket_name(bus_config.prefix, "leases"))
    assert await a.renew() is None  # no answer from a missing bucket: not ours any more
    assert not await b.try_acquire()  # sees the bucket gone and re-creates it
    assert b._bucket.reopened == 1
    assert await b.try_acquire() and b.valid()  # a fresh bucket: the lease starts over
    assert not await a.try_acquire()  # and still only one replica holds it
