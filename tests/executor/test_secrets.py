"""The API secret never appears in logs, exception texts or anything on the bus."""

from __future__ import annotations

import logging

import pytest
import structlog
from nats.aio.msg import Msg

from bus import Bus, BusConfig
from proto import ExecReject, ExecResult
from services.exchange_sim import ExchangeSim
from services.executor import ExecutorAccount
from tests.executor.helpers import (
    ACCOUNT,
    NS,
    SECRET_A,
    batch,
    cancel,
    executor_account,
    fast_config,
    inbox,
    place,
    results_subject,
    running,
    sim_bybit,
    until,
)

WRONG_SECRET = "wrong-secret-b-0123456789"


async def test_secrets_stay_out_of_logs_and_bus_payloads(
    exchange_sim: ExchangeSim,
    bus: Bus,
    bus_config: BusConfig,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    payloads: list[bytes] = []

    async def record(msg: Msg) -> None:
        payloads.append(msg.subject.encode() + b" " + msg.data + repr(msg.headers).encode())

    subs = [await bus.nc.subscribe(pattern, cb=record) for pattern in (">", "$KV.>", "$JS.>")]
    broken = ExecutorAccount(  # a refused key: its start-up logs auth errors over and over
        account_id="acct-b", bybit=sim_bybit(exchange_sim, 1, api_secret=WRONG_SECRET)
    )
    good = executor_account(exchange_sim)
    assert SECRET_A not in repr(good) and WRONG_SECRET not in f"{broken} {broken.bybit}"
    with structlog.testing.capture_logs() as logs:
        async with (
            inbox(bus, results_subject()) as results,
            running(bus_config, [good, broken], fast_config(), wait_leading=False) as ex,
        ):
            await until(lambda: ACCOUNT in ex.leading and ex.stats.reconcile_errors >= 2)
            b = batch(place("59000"), place("3000", symbol="NOPEUSDT"), place("1", qty="0"))
            await bus.publish(NS, b)
            placed, refused, zero = await results.answers(b)
            assert isinstance(placed, ExecResult) and isinstance(refused, ExecReject)
            assert isinstance(zero, ExecReject)
            c = batch(cancel(placed.order_id), place("58000"), shadow=True)
            await bus.publish(NS, c)
            await results.answers(c)
            c2 = batch(cancel(placed.order_id))
            await bus.publish(NS, c2)
            await results.answers(c2)
    for sub in subs:
        await sub.unsubscribe()
    assert logs and payloads
    assert any("10004" in str(e.get("error")) for e in logs if e.get("account") == "acct-b")
    assert any(p.startswith(b"$KV.") for p in payloads)  # the lease values were seen too
    texts = [repr(entry) for entry in logs] + [caplog.text]
    for secret in (SECRET_A, WRONG_SECRET):
        assert not [t for t in texts if secret in t]
        assert not [p for p in payloads if secret.encode() in p]
