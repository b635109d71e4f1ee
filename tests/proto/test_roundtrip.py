"""Every wire type survives encode → decode unchanged, on the subject it belongs to."""

from __future__ import annotations

from decimal import Decimal

import pytest

import proto
from tests.fixtures.events import execution, trade_frame

T = 1_607_472_000_000
N = T * 1_000_000
D = Decimal


def _all_messages() -> list[proto.Message]:
    return [
        trade_frame(1),
        proto.Ticker(
            event_id="ticker:BTCUSDT:9:1", ts_exchange_ms=T, ts_local_ns=N, symbol="BTCUSDT",
            last_price=D("18319.30"), mark_price=D("18320.01"), bid1_price=D("18319.2"),
            ask1_price=D("18319.3"), funding_rate=D("-0.0002016"), next_funding_ms=T + 8,
        ),
        proto.OrderUpdate(
            event_id="order:1:2:New:0", ts_exchange_ms=T, ts_local_ns=N, account_id="a1",
            symbol="BTCUSDT", order_id="1", order_link_id="x-1", side=proto.Side.BUY,
            position_idx=1, price=D("18000.0"), qty=D("0.001"), leaves_qty=D("0.001"),
            cum_exec_qty=D("0"), status=proto.OrderStatus.NEW, reduce_only=False,
        ),
        execution(3),
        proto.Execution(
            event_id="exec:f1", ts_exchange_ms=T, ts_local_ns=N, account_id="a1",
            symbol="BTCUSDT", exec_id="f1", exec_type=proto.ExecType.FUNDING, order_id="",
            order_link_id="", side=proto.Side.BUY, price=D("18000"), qty=D("0.002"),
            fee=D("-0.0072576"), fee_rate=D("-0.0002016"), is_maker=False,
            closed_size=D("0"), leaves_qty=D("0"),
        ),
        proto.Position(
            event_id="position:a1:BTCUSDT:1:5", ts_exchange_ms=T, ts_local_ns=N,
            account_id="a1", symbol="BTCUSDT", position_idx=1, side=None, size=D("0"),
            avg_price=D("0"),
        ),
        proto.Wallet(
            event_id="wallet:a1:USDT:9", ts_exchange_ms=T, ts_local_ns=N, account_id="a1",
            coin="USDT", equity=D("10000.5"), wallet_balance=D("10000"),
            available_balance=D("9000.25"),
        ),
        proto.IntentBatch(
            event_id="s1:ticker:BTCUSDT:9:1:0", ts_exchange_ms=T, ts_local_ns=N,
            strategy_id="s1", account_id="a1", symbol="BTCUSDT",
            trigger_event_id="ticker:BTCUSDT:9:1",
            intents=[
                proto.CancelIntent(order_id="9", symbol="BTCUSDT", reason="outside_grid"),
                proto.PlaceIntent(
                    client_order_id="5913771b821dadb9", symbol="BTCUSDT", side=proto.Side.BUY,
                    direction=proto.Direction.LONG, price=D("99800.0"), qty=D("0.001"),
                    reduce_only=False, grid_level=24,
                ),
            ],
        ),
        proto.ExecResult(
            event_id="r:1", ts_exchange_ms=T, ts_local_ns=N, account_id="a1", symbol="BTCUSDT",
            intent_batch_id="s1:x", action="place", client_order_id="5913771b821dadb9",
            order_link_id="5913771b821dadb9-1607472000000", order_id="77",
        ),
        proto.ExecReject(
            event_id="r:2", ts_exchange_ms=T, ts_local_ns=N, account_id="a1", symbol="BTCUSDT",
            intent_batch_id="s1:x", action="place", client_order_id="c", ret_code=110007,
            reason="insufficient margin",
        ),
        proto.GapStart(
            event_id="gap:1", ts_exchange_ms=T, ts_local_ns=N, service="collector",
            stream="publicTrade.BTCUSDT", reason="disconnect",
        ),
        proto.GapEnd(
            event_id="gap:1:end", ts_exchange_ms=T, ts_local_ns=N, service="collector",
            stream="publicTrade.BTCUSDT", started_ns=N - 5, backfilled_count=3,
        ),
        proto.Heartbeat(
            event_id="hb:1", ts_exchange_ms=T, ts_local_ns=N, service="engine", instance="i",
            seq=1,
        ),
        proto.ReplayStart(
            event_id="rs", ts_exchange_ms=T, ts_local_ns=N, run_id="r1", source_namespace="live",
            window_start_ms=None, window_end_ms=T, symbols=["BTCUSDT"], speed=10.0,
        ),
        proto.ReplayEnd(event_id="re", ts_exchange_ms=T, ts_local_ns=N, run_id="r1", events=5),
        proto.ResyncRequest(
            event_id="rq", ts_exchange_ms=T, ts_local_ns=N, requester="engine", accounts=["a1"]
        ),
        proto.ResyncDone(event_id="rd", ts_exchange_ms=T, ts_local_ns=N, published={"a1": 3}),
        proto.ReconcileReport(
            event_id="rc", ts_exchange_ms=T, ts_local_ns=N, account_id="a1", instance="x",
            open_orders=2, adopted=["0123456789abcdef-1700000000000"], orphans=["o9"],
        ),
        proto.GridState(
            event_id="gs", ts_exchange_ms=T, ts_local_ns=N, strategy_id="s1",
            account_id="a1", symbol="BTCUSDT", levels=[("Buy", "99800.0"), ("Wait", "100000.0")],
            grid_step=0.2, grid_count=50,
        ),
        proto.EngineProgress(
            event_id="ep", ts_exchange_ms=T, ts_local_ns=N, instance="engine", tickers=7,
        ),
        proto.SimProgress(event_id="sp", ts_exchange_ms=T, ts_local_ns=N, run_id="r1", events=9),
        proto.ReplayFinished(
            event_id="rf", ts_exchange_ms=T, ts_local_ns=N, run_id="r1", ns="replay.r1",
            source_ns="live", start_ms=T, end_ms=T + 60_000, fill_model="strict_cross",
            latency="recorded", strategies=[("a1", "BTCUSDT"), ("a2", "BTCUSDT")],
            output_sha256="ab" * 32,
        ),
        proto.ComparisonDone(
            event_id="cd", ts_exchange_ms=T, ts_local_ns=N, run_id="r1", account_id="a1",
            symbol="BTCUSDT", status="SKIP", exit_code=2,
            comparison_id="6f1c2f4e-9a8b-4c1d-8e2f-0a1b2c3d4e5f", out_dir="/tmp/r1/a1-BTCUSDT",
            reason="no live executions in the window",
        ),
        proto.ExecutorLease(
            event_id="el", ts_exchange_ms=T, ts_local_ns=N, account_id="a1", instance="x",
            active=True,
        ),
    ]  # fmt: skip


ALL = _all_messages()


@pytest.mark.parametrize("message", ALL, ids=lambda m: proto.kind(m))
def test_every_type_round_trips_exactly_through_its_family_decoder(message: proto.Message) -> None:
    data = proto.encode(message)
    subject = proto.subjects.parse(proto.subject_for("live", message))
    assert proto.decode(data, subject.family) == message
    assert proto.decode(data) == message


def test_every_message_kind_is_covered() -> None:
    kinds = {proto.kind(m) for m in ALL}
    union = proto.Message.__args__  # type: ignore[attr-defined]
    assert kinds == {t.__struct_config__.tag for t in union}


def test_a_finished_replay_and_its_verdicts_go_on_their_services_sys_subjects() -> None:
    kinds = {proto.kind(m): m for m in ALL}
    finished = proto.subject_for("replay.r1", kinds["replay_finished"])
    done = proto.subject_for("replay.r1", kinds["comparison_done"])
    assert finished == "replay.r1.sys.seeded_replay.replay_finished"
    assert done == "replay.r1.sys.comparator.comparison_done"


def test_decimals_travel_as_exact_strings_not_floats() -> None:
    frame = trade_frame(0)
    raw = proto.encode(frame)
    assert b"18319.33" in raw
    decoded = proto.decode(raw)
    assert isinstance(decoded, proto.TradeFrame)
    assert decoded.trades[0].price == Decimal("18319.33")
    assert str(decoded.trades[0].qty) == "0.005"


def test_message_of_another_family_is_a_typed_error() -> None:
    data = proto.encode(trade_frame(0))
    with pytest.raises(proto.ProtoDecodeError) as err:
        proto.decode(data, proto.Family.ACCT)
    assert err.value.family is proto.Family.ACCT


def test_new_optional_field_from_a_newer_writer_is_ignored_by_older_reader() -> None:
    import msgspec

    newer = msgspec.msgpack.decode(proto.encode(trade_frame(0)))
    newer["venue_latency_us"] = 12
    assert proto.decode(msgspec.msgpack.encode(newer)) == trade_frame(0)


def test_frozen_messages_cannot_be_mutated() -> None:
    frame = trade_frame(0)
    with pytest.raises(AttributeError):
        frame.symbol = "ETHUSDT"  # type: ignore[misc]
