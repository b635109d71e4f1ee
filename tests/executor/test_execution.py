"""Intents → REST against the real simulator over real NATS: ordering, gates, retries."""

from __future__ import annotations

from decimal import Decimal

import msgspec

import proto
from bus import Bus, BusConfig
from bybit import PlaceOrder
from proto import ExecReject, ExecResult, RejectReason
from services.exchange_sim import ExchangeSim
from services.executor import ShiftedClock
from tests.executor.helpers import (
    KEY_A,
    NS,
    SYMBOL,
    HoldingProxy,
    batch,
    cancel,
    executor_account,
    fast_config,
    inbox,
    limit,
    open_links,
    open_prices,
    place,
    results_subject,
    running,
    sim_trade,
    until,
)


def _reasons(answers: list[ExecResult | ExecReject]) -> list[str]:
    return [a.reason if isinstance(a, ExecReject) else "ok" for a in answers]


async def test_cancels_run_before_places_and_every_intent_is_answered(
    exchange_sim: ExchangeSim, bus: Bus, bus_config: BusConfig
) -> None:
    sim = exchange_sim
    async with (
        inbox(bus, results_subject()) as results,
        running(bus_config, [executor_account(sim)], fast_config()),
    ):
        first = batch(place("59000"), place("58900"))
        await bus.publish(NS, first)
        placed = await results.answers(first)
        assert [type(a) for a in placed] == [ExecResult, ExecResult]
        assert open_prices(sim) == [Decimal("58900"), Decimal("59000")]
        assert {a.order_id for a in placed} == {o["orderId"] for o in sim.open_orders(KEY_A)}
        assert all(a.order_link_id.startswith(a.client_order_id + "-") for a in placed)
        assert all(a.latency_ns > 0 for a in placed)

        doomed = placed[0].order_id
        # Engine order: place first, cancel second. The executor cancels first.
        second = batch(place("58800"), cancel(doomed))
        await bus.publish(NS, second)
        answers = await results.answers(second)
        assert [(a.action, a.event_id) for a in answers] == [
            ("cancel", f"{second.event_id}:1"),
            ("place", f"{second.event_id}:0"),
        ]
        assert all(isinstance(a, ExecResult) for a in answers)
        assert open_prices(sim) == [Decimal("58800"), Decimal("58900")]
        by_id = {o["orderId"]: o for o in sim.orders(KEY_A)}
        assert by_id[doomed]["orderStatus"] == "Cancelled"
        new_order = by_id[answers[1].order_id]
        assert int(new_order["createdTime"]) >= int(by_id[doomed]["updatedTime"])


async def test_reemitted_intent_is_a_duplicate_and_places_one_order(
    exchange_sim: ExchangeSim, bus: Bus, bus_config: BusConfig
) -> None:
    async with (
        inbox(bus, results_subject()) as results,
        running(bus_config, [executor_account(exchange_sim)], fast_config()),
    ):
        intent = place("59500")
        first, again = batch(intent), batch(intent)
        await bus.publish(NS, first)
        assert _reasons(await results.answers(first)) == ["ok"]
        await bus.publish(NS, again)
        (dup,) = await results.answers(again)
        assert isinstance(dup, ExecReject) and dup.reason == RejectReason.DUPLICATE
        # Same price/qty/side/reduce-only under another id is the exact-duplicate gate.
        twin = batch(place("59500", coid="0123456789abcdef"))
        await bus.publish(NS, twin)
        (exact,) = await results.answers(twin)
        assert isinstance(exact, ExecReject) and exact.reason == RejectReason.DUPLICATE
        assert len(exchange_sim.orders(KEY_A)) == 1


async def test_reduce_only_gates_use_the_position_and_resting_closes(
    exchange_sim: ExchangeSim, bus: Bus, bus_config: BusConfig
) -> None:
    sim = exchange_sim
    async with inbox(bus, results_subject()) as results:
        async with running(bus_config, [executor_account(sim)], fast_config()):
            flat = batch(place("61000", side="Sell", reduce_only=True))
            await bus.publish(NS, flat)
            (answer,) = await results.answers(flat)
            assert answer.reason == RejectReason.REDUCE_ONLY_FLAT
        # A long of 0.003 (a marketable buy fills at once as taker), then a fresh start
        # reads it over REST.
        async with sim_trade(sim) as trade:
            await trade.place_order(
                PlaceOrder(
                    symbol=SYMBOL, side="Buy", orderType="Market", qty="0.003", positionIdx=1
                )
            )
        assert sim.position(KEY_A, SYMBOL, 1)["size"] == "0.003"
        async with running(bus_config, [executor_account(sim)], fast_config()):
            closes = batch(
                place("61000", side="Sell", reduce_only=True),  # 0.003 > 0.001 + 0
                place("61100", side="Sell", qty="0.002", reduce_only=True),  # 0.003 > 0.003? no
                place("61200", side="Sell", reduce_only=True),  # 0.003 > 0.001 + 0.001
                place("61300", side="Sell", reduce_only=True),  # 0.003 > 0.001 + 0.002? no
            )
            await bus.publish(NS, closes)
            answers = await results.answers(closes)
        assert _reasons(answers) == [
            "ok",
            RejectReason.REDUCE_ONLY_EXCEEDS,
            "ok",
            RejectReason.REDUCE_ONLY_EXCEEDS,
        ]
        assert open_prices(sim) == [Decimal("61000"), Decimal("61200")]


async def test_timeout_after_acceptance_looks_up_and_never_doubles(
    exchange_sim: ExchangeSim, bus: Bus, bus_config: BusConfig
) -> None:
    sim = exchange_sim
    config = fast_config(max_retries=8, retry_backoff_s=(0.2,))
    async with HoldingProxy(sim.port) as proxy:
        account = executor_account(sim, request_timeout_s=0.3, rest_url=proxy.url)
        async with (
            inbox(bus, results_subject()) as results,
            running(bus_config, [account], config) as executor,
        ):
            proxy.hold_s = 1.0  # every answer arrives after the client gave up
            b = batch(place("59100"))
            await bus.publish(NS, b)
            await until(lambda: len(sim.orders(KEY_A)) == 1)  # accepted, answer held back
            await until(lambda: executor.stats.retries >= 1)  # the client timed out
            proxy.hold_s = 0
            (answer,) = await results.answers(b)
            assert isinstance(answer, ExecResult), answer
            (order,) = sim.orders(KEY_A)
            assert answer.order_id == order["orderId"]
            assert answer.order_link_id == order["orderLinkId"]
            assert executor.stats.lookups_adopted == 1
            # The view knows it: the engine re-emitting it is a duplicate.
            again = batch(place("59100"))
            await bus.publish(NS, again)
            (dup,) = await results.answers(again)
            assert dup.reason == RejectReason.DUPLICATE
    assert len(sim.orders(KEY_A)) == 1


async def test_timeout_before_acceptance_places_again_with_the_same_link_id(
    exchange_sim: ExchangeSim, bus: Bus, bus_config: BusConfig
) -> None:
    sim = exchange_sim
    account = executor_account(sim, request_timeout_s=0.3)
    config = fast_config(max_retries=8, retry_backoff_s=(0.2,))
    async with (
        inbox(bus, results_subject()) as results,
        running(bus_config, [account], config) as executor,
    ):
        sim.faults.set_delay(1_000)  # the request dies with the client's timeout
        b = batch(place("59200"))
        await bus.publish(NS, b)
        await until(lambda: executor.stats.retries >= 1)
        sim.faults.set_delay(0)
        (answer,) = await results.answers(b)
        assert isinstance(answer, ExecResult), answer
    (order,) = sim.orders(KEY_A)
    assert (answer.order_id, answer.order_link_id) == (order["orderId"], order["orderLinkId"])


async def test_breaker_opens_after_three_failures_and_recovers_after_cooldown(
    exchange_sim: ExchangeSim, bus: Bus, bus_config: BusConfig
) -> None:
    sim = exchange_sim
    clock = ShiftedClock()
    config = fast_config(max_retries=1, retry_backoff_s=(0.01,))
    async with (
        inbox(bus, results_subject()) as results,
        running(bus_config, [executor_account(sim)], config, clock=clock) as executor,
    ):
        sim.faults.set_error_rate(1.0, "http_5xx")
        for price in ("59000", "58900", "58800"):
            b = batch(place(price), ts_local_ns=clock.time_ns())
            await bus.publish(NS, b)
            (answer,) = await results.answers(b)
            assert answer.reason == RejectReason.RETRIES_EXHAUSTED
        assert executor.stats.breaker_trips == 1
        requests = sim.faults.injected
        blocked = batch(place("58700"), cancel("some-order"), ts_local_ns=clock.time_ns())
        await bus.publish(NS, blocked)
        assert _reasons(await results.answers(blocked)) == [RejectReason.CIRCUIT_OPEN] * 2
        assert sim.faults.injected == requests  # no REST call while open

        sim.faults.clear()
        clock.advance(31)  # past the first cool-down: half-open, one probe
        probe = batch(place("58600"), ts_local_ns=clock.time_ns())
        await bus.publish(NS, probe)
        (answer,) = await results.answers(probe)
        assert isinstance(answer, ExecResult)
        assert executor.breaker("acct-a").failures == 0
        assert open_prices(sim) == [Decimal("58600")]


async def test_shadow_batches_and_strategies_never_reach_the_exchange(
    exchange_sim: ExchangeSim, bus: Bus, bus_config: BusConfig
) -> None:
    account = executor_account(exchange_sim, shadow=["shadow-grid"])
    async with (
        inbox(bus, results_subject()) as results,
        running(bus_config, [account], fast_config()) as executor,
    ):
        flagged = batch(place("59000"), cancel("x1"), shadow=True)
        by_strategy = batch(place("58000"), strategy="shadow-grid")
        for b in (flagged, by_strategy):
            await bus.publish(NS, b)
        answers = await results.answers(flagged) + await results.answers(by_strategy)
        assert all(isinstance(a, ExecResult) and a.shadow for a in answers)
        assert [a.action for a in answers] == ["cancel", "place", "place"]
        assert executor.stats.shadow == 3
    assert exchange_sim.orders(KEY_A) == []


async def test_low_balance_zero_qty_stale_and_bad_fields_are_rejected_and_it_keeps_serving(
    exchange_sim: ExchangeSim, bus: Bus, bus_config: BusConfig
) -> None:
    async with (
        inbox(bus, results_subject()) as results,
        running(bus_config, [executor_account(exchange_sim)], fast_config()) as executor,
    ):
        bad = batch(
            place("59000", qty="100"),  # 100 BTC at 59000 / 10x > 100k USDT available
            place("58000", qty="0"),
            place("3000", symbol="NOPEUSDT"),  # unknown symbol: the exchange refuses it
            place("57000", coid="not-a-valid-client-order-id-too-long"),
        )
        await bus.publish(NS, bad)
        answers = await results.answers(bad)
        assert _reasons(answers) == [
            RejectReason.LOW_BALANCE,
            RejectReason.ZERO_QTY,
            RejectReason.EXCHANGE,
            RejectReason.EXCHANGE,
        ]
        assert answers[2].ret_code == 10001
        assert "OrderLinkIdTooLong" in answers[3].detail
        old = batch(place("56000"), ts_local_ns=1_600_000_000_000_000_000)
        await bus.publish(NS, old)
        assert _reasons(await results.answers(old)) == [RejectReason.STALE]
        # Another account's batch on this account's subject is not ours to execute.
        await bus.publish_raw(
            f"{NS}.intent.acct-a.{SYMBOL}",
            proto.encode(batch(place("55000"), account="acct-z")),
        )
        await bus.publish_raw(f"{NS}.intent.acct-a.{SYMBOL}", b"\x00not msgpack")
        fine = batch(place("55500"))
        await bus.publish(NS, fine)
        assert _reasons(await results.answers(fine)) == ["ok"]
        assert executor.stats.ignored_batches == 1
        assert executor.stats.rejected["low_balance"] == 1
    assert open_prices(exchange_sim) == [Decimal("55500")]


async def test_same_order_latch_lets_only_duplicate_cancels_through(
    exchange_sim: ExchangeSim, bus: Bus, bus_config: BusConfig
) -> None:
    sim = exchange_sim
    coid = "aaaaaaaaaaaaaaaa"
    async with sim_trade(sim) as trade:  # a doubled order, e.g. from an old overlap
        first = await trade.place_order(limit("57000", f"{coid}-1700000000001"))
        await trade.place_order(limit("57000", f"{coid}-1700000000002"))
    async with (
        inbox(bus, results_subject()) as results,
        running(bus_config, [executor_account(sim)], fast_config()),
    ):
        blocked = batch(place("56000"), cancel(first.orderId, reason="side_mismatch"))
        await bus.publish(NS, blocked)
        assert _reasons(await results.answers(blocked)) == [RejectReason.SAME_ORDER_LATCH] * 2
        fix = batch(cancel(first.orderId, reason="duplicate", coid=coid))
        await bus.publish(NS, fix)
        assert _reasons(await results.answers(fix)) == ["ok"]
        after = batch(place("56000"))
        await bus.publish(NS, after)
        assert _reasons(await results.answers(after)) == ["ok"]
    links = open_links(sim)
    assert len(links) == 2 and f"{coid}-1700000000002" in links
    assert any(link.startswith(after.intents[0].client_order_id + "-") for link in links)


async def test_post_only_and_order_fields_reach_the_exchange(
    exchange_sim: ExchangeSim, bus: Bus, bus_config: BusConfig
) -> None:
    intent = msgspec.structs.replace(place("65000", side="Sell", direction="short"), post_only=True)
    async with (
        inbox(bus, results_subject()) as results,
        running(bus_config, [executor_account(exchange_sim)], fast_config()),
    ):
        b = batch(intent)
        await bus.publish(NS, b)
        (answer,) = await results.answers(b)
    assert isinstance(answer, ExecResult)
    (order,) = exchange_sim.open_orders(KEY_A)
    assert (order["side"], order["positionIdx"], order["timeInForce"]) == ("Sell", 2, "PostOnly")
    assert Decimal(order["qty"]) == Decimal("0.001") and order["reduceOnly"] is False
