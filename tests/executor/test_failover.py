"""Exactly one active worker per account: leases, failover after a crash, graceful hand-over,
and stepping down when the lease is taken away."""

from __future__ import annotations

import asyncio

from bus import Bus, BusConfig
from proto import ExecReject, ExecResult, ExecutorLease, ReconcileReport, RejectReason
from services.exchange_sim import ExchangeSim
from services.executor.lease import bucket_name, lease_key
from tests.executor.helpers import (
    ACCOUNT,
    KEY_A,
    NS,
    batch,
    crashable,
    executor_account,
    fast_config,
    inbox,
    place,
    results_subject,
    running,
    sys_subject,
    until,
)


def _actives(leases: list[ExecutorLease]) -> list[tuple[str, bool]]:
    return [(m.instance, m.active) for m in leases]


async def test_standby_takes_over_after_a_crash_without_doubling_orders(
    exchange_sim: ExchangeSim, bus: Bus, bus_config: BusConfig
) -> None:
    sim = exchange_sim
    account = executor_account(sim)
    async with (
        inbox(bus, sys_subject("executor_lease")) as leases,
        inbox(bus, sys_subject("reconcile")) as reports,
        inbox(bus, results_subject()) as results,
        crashable(bus_config, [account], fast_config(instance="replica-a")) as a,
    ):
        await until(lambda: ACCOUNT in a.executor.leading)
        async with crashable(bus_config, [account], fast_config(instance="replica-b")) as b:
            await asyncio.sleep(1.2)  # the standby has tried to take the lease twice
            assert ACCOUNT not in b.executor.leading
            assert _actives(leases.of(ExecutorLease)) == [("replica-a", True)]

            first = batch(place("59000"), place("58900"))
            await bus.publish(NS, first)
            assert all(isinstance(m, ExecResult) for m in await results.answers(first))
            assert len(sim.orders(KEY_A)) == 2  # each intent executed once

            await a.crash()  # no release, no goodbye: the key has to expire
            await until(lambda: len(leases.of(ExecutorLease)) == 2)
            assert ACCOUNT in b.executor.leading
            assert _actives(leases.of(ExecutorLease)) == [("replica-a", True), ("replica-b", True)]
            await until(lambda: any(r.instance == "replica-b" for r in reports.messages))
            taken_over = [r for r in reports.of(ReconcileReport) if r.instance == "replica-b"]
            assert sorted(taken_over[0].adopted) == sorted(
                m.order_link_id for m in results.for_batch(first.event_id)
            )

            await bus.publish(NS, first)  # the dead replica's batch, delivered again
            await until(lambda: len(results.for_batch(first.event_id)) == 4)
            again = results.for_batch(first.event_id)[2:]
            assert [m.reason for m in again if isinstance(m, ExecReject)] == [
                RejectReason.DUPLICATE
            ] * 2
            fresh = batch(place("58800"))
            await bus.publish(NS, fresh)
            assert isinstance((await results.answers(fresh))[0], ExecResult)
            assert len(sim.orders(KEY_A)) == 3
            assert b.executor.stats.lease_acquired == 1


async def test_graceful_stop_hands_over_at_once(
    exchange_sim: ExchangeSim, bus: Bus, bus_config: BusConfig
) -> None:
    account = executor_account(exchange_sim)
    # A TTL far longer than the test: only the released key lets the standby in.
    leader = fast_config(instance="replica-a", lease_ttl_s=60.0, lease_renew_s=0.5)
    standby = fast_config(instance="replica-b", lease_ttl_s=60.0, lease_renew_s=0.5)
    stop_a = asyncio.Event()
    async with (
        inbox(bus, sys_subject("executor_lease")) as leases,
        running(bus_config, [account], leader, stop=stop_a) as a,
        running(bus_config, [account], standby, wait_leading=False) as b,
    ):
        await asyncio.sleep(0.6)
        assert ACCOUNT in a.leading and ACCOUNT not in b.leading
        stop_a.set()
        await until(lambda: ACCOUNT in b.leading)
        assert a.stats.lease_released == 1
    assert _actives(leases.of(ExecutorLease))[:3] == [
        ("replica-a", True),
        ("replica-a", False),
        ("replica-b", True),
    ]


async def test_leader_steps_down_when_its_lease_is_taken(
    exchange_sim: ExchangeSim, bus: Bus, bus_config: BusConfig
) -> None:
    config = fast_config(instance="replica-a")
    async with (
        inbox(bus, sys_subject("executor_lease")) as leases,
        inbox(bus, results_subject()) as results,
        running(bus_config, [executor_account(exchange_sim)], config) as executor,
    ):
        kv = await bus.js.key_value(bucket_name(bus_config.prefix, config.lease_bucket))
        key = lease_key(NS, ACCOUNT)
        await kv.put(key, b"intruder")  # someone else holds it now
        await until(lambda: len(leases.of(ExecutorLease)) == 2)
        assert _actives(leases.of(ExecutorLease)) == [("replica-a", True), ("replica-a", False)]
        assert ACCOUNT not in executor.leading
        lost = batch(place("59000"))
        await bus.publish(NS, lost)  # nobody leads: lost by design (the engine re-emits)
        await kv.delete(key)
        await until(lambda: ACCOUNT in executor.leading)
        again = batch(place("59000"))
        await bus.publish(NS, again)
        assert isinstance((await results.answers(again))[0], ExecResult)
        assert results.for_batch(lost.event_id) == []
        assert executor.stats.lease_lost == 1 and executor.stats.lease_acquired == 2
    assert len(exchange_sim.orders(KEY_A)) == 1
