"""Acceptance, through the real CLI: ``gridtwin executor`` is SIGKILLed in the middle of a
placement and started again; no order is ever doubled on the exchange."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import asyncpg

from bus import Bus, BusConfig
from proto import ExecReject, ExecResult, ExecutorLease, ReconcileReport, RejectReason
from services.exchange_sim import ExchangeSim
from tenants import MasterKey
from tests.executor.helpers import (
    KEY_A,
    NS,
    SECRET_A,
    WAIT_S,
    HoldingProxy,
    batch,
    inbox,
    place,
    results_subject,
    seed,
    sys_subject,
    until,
)
from tests.fixtures.processes import service_env, service_process

FIRST, SECOND = ["--instance", "first"], ["--instance", "second"]


def _active(leases: list[ExecutorLease], instance: str) -> bool:
    return any(m.instance == instance and m.active for m in leases)


def _print_log(log: Path) -> None:
    print(log.read_text()[-6000:])


async def test_sigkill_mid_placement_then_restart_never_doubles_an_order(
    exchange_sim: ExchangeSim,
    bus: Bus,
    bus_config: BusConfig,
    pool: asyncpg.Pool,
    database_url: str,
    nats_url: str,
    tmp_path: Path,
) -> None:
    sim = exchange_sim
    master = MasterKey.generate()
    await seed(pool, master)
    env = service_env(
        GRIDTWIN_NATS_URL=nats_url,
        GRIDTWIN_DATABASE_URL=database_url,
        GRIDTWIN_BUS_PREFIX=bus_config.prefix,
        GRIDTWIN_MASTER_KEY=master.to_text(),
    )
    log = tmp_path / "executor.log"
    b = batch(place("59000"), place("58900"))
    try:
        async with (
            HoldingProxy(sim.port) as proxy,
            inbox(bus, sys_subject("executor_lease")) as leases,
            inbox(bus, sys_subject("reconcile")) as reports,
            inbox(bus, results_subject()) as results,
        ):
            # The first process reaches the exchange through a proxy that can hold answers.
            first_env = {**env, "GRIDTWIN_SIM_URL": proxy.url}
            async with service_process("executor", FIRST, first_env, log) as first:
                await until(lambda: _active(leases.of(ExecutorLease), "first"))
                proxy.hold_s = 60  # the exchange accepts, the answers never arrive
                await bus.publish(NS, b)
                await until(lambda: len(sim.orders(KEY_A)) == 1)  # mid-placement of intent 0
                first.send_signal(signal.SIGKILL)
                assert await first.wait() == -signal.SIGKILL
            assert results.for_batch(b.event_id) == []

            second_env = {**env, "GRIDTWIN_SIM_URL": f"http://127.0.0.1:{sim.port}"}
            async with service_process("executor", SECOND, second_env, log) as second:
                # Takes over once the dead one's lease expired; adopts its order first.
                await until(lambda: _active(leases.of(ExecutorLease), "second"))
                (report,) = [r for r in reports.of(ReconcileReport) if r.instance == "second"]
                assert report.adopted == [sim.orders(KEY_A)[0]["orderLinkId"]]

                await bus.publish(NS, b)  # the engine's intents arrive again
                dup, placed = await results.answers(b)
                assert isinstance(dup, ExecReject) and dup.reason == RejectReason.DUPLICATE
                assert isinstance(placed, ExecResult)

                second.send_signal(signal.SIGTERM)  # graceful: releases the lease
                assert await asyncio.wait_for(second.wait(), WAIT_S) == 0
            await until(lambda: len(leases.of(ExecutorLease)) == 3)
            assert [(m.instance, m.active) for m in leases.of(ExecutorLease)] == [
                ("first", True),
                ("second", True),
                ("second", False),
            ]
    except BaseException:
        _print_log(log)
        raise
    prefixes = sorted(o["orderLinkId"].split("-")[0] for o in sim.orders(KEY_A))
    assert prefixes == sorted(i.client_order_id for i in b.intents)  # each order once
    text = log.read_text()
    assert "executor_worker_ready" in text and SECRET_A not in text
