"""API secrets never reach a log line, a bus message or a reply."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
import structlog

import proto
from bus import Bus, BusConfig
from obs import configure_logging
from services.exchange_sim import ExchangeSim
from tests.collector.helpers import (
    ACCOUNT_A,
    RESYNC_SUBJECT,
    SECRET_A,
    SYMBOL,
    account_a,
    collector_config,
    gaps_closed,
    of_type,
    running,
    stored,
    wait_stored,
)

BAD_SECRET = "wrong-secret-for-a"


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Every log line (debug included) as JSON, without any secret registered for
    masking: what is checked is that nothing logs a secret, not that it gets masked."""
    out = io.StringIO()
    configure_logging("collector", json=True, stream=out, level=logging.DEBUG)
    try:
        yield out
    finally:
        structlog.reset_defaults()
        structlog.contextvars.clear_contextvars()


async def test_no_secret_in_logs_messages_or_replies(
    exchange_sim: ExchangeSim,
    bus: Bus,
    bus_config: BusConfig,
    log_output: io.StringIO,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sim = exchange_sim
    await bus.ensure_stream()
    accounts = [account_a(sim), account_a(sim, secret=BAD_SECRET, account_id="acct-bad")]
    inbox = bus.nc.new_inbox()
    replies = await bus.nc.subscribe(inbox)
    async with running(bus_config, sim, collector_config(backfill_attempts=1), accounts) as c:
        assert c.stats.stream_failures == 1  # acct-bad: auth refused
        sim.faults.set_error_rate(1.0, "http_5xx")
        sim.faults.drop_ws()
        sim.trade(SYMBOL, "60010", "0.01")
        await wait_stored(
            bus,
            lambda i: gaps_closed(i, "public") and gaps_closed(i, f"private:{ACCOUNT_A}"),
            "gaps with failing back-fills",
        )
        sim.faults.clear()
        request = proto.ResyncRequest(
            event_id="rs-s",
            ts_exchange_ms=0,
            ts_local_ns=0,
            requester="test",
            accounts=[ACCOUNT_A, "acct-bad"],
        )
        await bus.nc.publish(bus.wire(RESYNC_SUBJECT), proto.encode(request), reply=inbox)
        payloads = []
        while not any(b"resync_done" in p for p in payloads):
            payloads.append((await replies.next_msg(timeout=20)).data)
        done = proto.decode(payloads[-1])
        assert isinstance(done, proto.ResyncDone) and "acct-bad" in done.failed

    items = await stored(bus)
    raw = [proto.encode(s.message) for s in items] + payloads
    logs = log_output.getvalue() + capsys.readouterr().out
    assert "collector_backfill_error" in logs and "collector_stream_failed" in logs
    assert of_type(items, proto.GapEnd)
    for secret in (SECRET_A, BAD_SECRET):
        assert secret not in logs
        assert not any(secret.encode() in payload for payload in raw)
