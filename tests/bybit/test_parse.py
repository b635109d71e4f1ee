"""Every example frame of the spec normalised to proto, with exact values and ids."""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import proto
from bybit import BybitParseError, FrameNormaliser
from bybit.http import schemas
from bybit.parse import parse_order, parse_position, parse_recent_trades, parse_rest_ticker
from bybit.ws.messages import decode_frame

RESOURCES = Path(__file__).parent / "resources"
TS_LOCAL = 1_700_000_000_123_456_789
ACCOUNT = "acct-1"


def _raw(name: str) -> bytes:
    return (RESOURCES / name).read_bytes()


def _normalise(raw: bytes | str, normaliser: FrameNormaliser | None = None) -> list[Any]:
    normaliser = normaliser or FrameNormaliser(ACCOUNT)
    return normaliser.normalise(decode_frame(raw), TS_LOCAL)


def _patched(name: str, **changes: Any) -> str:
    frame = json.loads(_raw(name))
    frame["data"][0].update(changes)
    return json.dumps(frame)


def _rest_result(name: str, result_type: type[Any]) -> tuple[Any, int]:
    envelope = msgspec.json.decode(_raw(name), type=schemas.Envelope)
    return msgspec.json.decode(envelope.result, type=result_type), envelope.time


def test_public_trade_frame_becomes_trade_frame_with_exact_values() -> None:
    (frame,) = _normalise(_raw("ws_publicTrade.BTCUSDT.json"))
    trade_id = "20f43950-d8dd-5b31-9112-a178eb6023af"
    assert frame == proto.TradeFrame(
        event_id=f"trade:BTCUSDT:{trade_id}:{trade_id}",
        ts_exchange_ms=1672304486868,
        ts_local_ns=TS_LOCAL,
        symbol="BTCUSDT",
        trades=[
            proto.Trade(
                trade_id=trade_id,
                price=Decimal("16578.50"),
                qty=Decimal("0.001"),
                side=proto.Side.BUY,
                ts_exchange_ms=1672304486865,
            )
        ],
    )
    assert str(frame.trades[0].price) == "16578.50"


def test_ticker_snapshot_then_delta_merges_fields_per_symbol() -> None:
    normaliser = FrameNormaliser()
    (snap,) = _normalise(_raw("ws_tickers.BTCUSDT.snapshot.json"), normaliser)
    assert snap == proto.Ticker(
        event_id="ticker:BTCUSDT:9532239429:1760325052630",
        ts_exchange_ms=1760325052630,
        ts_local_ns=TS_LOCAL,
        symbol="BTCUSDT",
        last_price=Decimal("66666.60"),
        mark_price=Decimal("66666.60"),
        index_price=Decimal("115418.19"),
        bid1_price=Decimal("66666.60"),
        ask1_price=Decimal("66666.70"),
        funding_rate=Decimal("-0.005"),
        next_funding_ms=1760342400000,
    )
    (delta,) = _normalise(_raw("ws_tickers.BTCUSDT.delta.json"), normaliser)
    assert delta.event_id == "ticker:BTCUSDT:9532239430:1760325052730"
    assert delta.bid1_price == Decimal("66666.50")
    assert (delta.last_price, delta.ask1_price) == (Decimal("66666.60"), Decimal("66666.70"))
    assert normaliser.tickers.get("BTCUSDT").bid1Size == "1.2"  # type: ignore[union-attr]


def test_ticker_delta_before_snapshot_is_held_until_last_price_is_known() -> None:
    normaliser = FrameNormaliser()
    assert _normalise(_raw("ws_tickers.BTCUSDT.delta.json"), normaliser) == []
    last = '{"topic":"tickers.BTCUSDT","type":"delta","data":{"lastPrice":"1.5"},"cs":2,"ts":3}'
    (ticker,) = _normalise(last, normaliser)
    assert (ticker.last_price, ticker.bid1_price) == (Decimal("1.5"), Decimal("66666.50"))
    assert ticker.event_id == "ticker:BTCUSDT:2:3"


def test_order_frame_becomes_order_update() -> None:
    (order,) = _normalise(_raw("ws_order.json"))
    assert order == proto.OrderUpdate(
        event_id="order:1321003749386327552:1672364262457:New:0.000",
        ts_exchange_ms=1672364262457,
        ts_local_ns=TS_LOCAL,
        account_id=ACCOUNT,
        symbol="BTCUSDT",
        order_id="1321003749386327552",
        order_link_id="my-001",
        side=proto.Side.BUY,
        position_idx=0,
        price=Decimal("30000.00"),
        qty=Decimal("0.010"),
        leaves_qty=Decimal("0.010"),
        cum_exec_qty=Decimal("0.000"),
        status=proto.OrderStatus.NEW,
        reduce_only=False,
        order_type="Limit",
        time_in_force="PostOnly",
        reject_reason="EC_NoError",
        created_ms=1672364262444,
        updated_ms=1672364262457,
    )


def test_non_linear_private_items_are_skipped() -> None:
    assert _normalise(_patched("ws_order.json", category="spot")) == []
    assert _normalise(_patched("ws_execution.json", category="option")) == []


def test_execution_frame_keeps_fee_closed_size_and_leaves() -> None:
    (fill,) = _normalise(_raw("ws_execution.json"))
    assert fill == proto.Execution(
        event_id="exec:0ab1bdf7-4219-438b-b30a-32ec863018f7",
        ts_exchange_ms=1746270400353,
        ts_local_ns=TS_LOCAL,
        account_id=ACCOUNT,
        symbol="BTCUSDT",
        exec_id="0ab1bdf7-4219-438b-b30a-32ec863018f7",
        exec_type=proto.ExecType.TRADE,
        order_id="9aac161b-8ed6-450d-9cab-c5cc67c21784",
        order_link_id="",
        side=proto.Side.SELL,
        price=Decimal("95900.1"),
        qty=Decimal("0.5"),
        fee=Decimal("26.3725275"),
        fee_rate=Decimal("0.00055"),
        is_maker=False,
        closed_size=Decimal("0.5"),
        leaves_qty=Decimal("0"),
        exec_pnl=Decimal("0.05"),
    )
    assert fill.fee == Decimal("47950.05") * fill.fee_rate


@pytest.mark.parametrize(
    ("exec_type", "fee", "expected"),
    [
        ("Funding", "-1.25", proto.ExecType.FUNDING),
        ("AdlTrade", "0", proto.ExecType.ADL_TRADE),
        ("BustTrade", "3.1", proto.ExecType.BUST_TRADE),
        ("Trade", "-0.0001", proto.ExecType.TRADE),  # maker rebate keeps its sign
    ],
)
def test_execution_type_and_fee_sign_are_kept(
    exec_type: str, fee: str, expected: proto.ExecType
) -> None:
    raw = _patched("ws_execution.json", execType=exec_type, execFee=fee, orderType="UNKNOWN")
    (execution,) = _normalise(raw)
    assert execution.exec_type is expected
    assert execution.fee == Decimal(fee)


def test_position_frame_flat_row_has_no_side() -> None:
    (position,) = _normalise(_raw("ws_position.json"))
    assert position == proto.Position(
        event_id=f"position:{ACCOUNT}:BTCUSDT:2:8327597863",
        ts_exchange_ms=1697682317038,
        ts_local_ns=TS_LOCAL,
        account_id=ACCOUNT,
        symbol="BTCUSDT",
        position_idx=2,
        side=None,
        size=Decimal("0"),
        avg_price=Decimal("0"),
        mark_price=Decimal("28184.5"),
        liq_price=Decimal("0"),
        leverage=Decimal("10"),
        unrealised_pnl=Decimal("0"),
        cum_realised_pnl=Decimal("-25.06579337"),
        position_value=Decimal("0"),
        position_im=Decimal("0"),
        position_mm=Decimal("0"),
        seq=8327597863,
    )


def test_position_without_seq_uses_updated_time_in_id() -> None:
    frame = json.loads(_raw("ws_position.json"))
    del frame["data"][0]["seq"]
    (position,) = _normalise(json.dumps(frame))
    assert position.event_id == f"position:{ACCOUNT}:BTCUSDT:2:1697682317038"


def test_a_leg_never_updated_is_a_snapshot_at_the_frame_time_not_1970() -> None:
    frame = json.loads(_raw("ws_position.json"))
    frame["data"][0]["updatedTime"] = "0"
    (position,) = _normalise(json.dumps(frame))
    assert position.ts_exchange_ms == 1697682317044  # the frame's creationTime
    del frame["data"][0]["seq"]
    (unsequenced,) = _normalise(json.dumps(frame))
    assert unsequenced.event_id == f"position:{ACCOUNT}:BTCUSDT:2:1697682317044"


def test_wallet_frame_gives_one_wallet_per_coin_with_derived_available() -> None:
    (wallet,) = _normalise(_raw("ws_wallet.filled.json"))
    assert wallet == proto.Wallet(
        event_id=f"wallet:{ACCOUNT}:USDT:592324d2bce751-ad38-48eb-8f42-4671d1fb4d4e",
        ts_exchange_ms=1700034722104,
        ts_local_ns=TS_LOCAL,
        account_id=ACCOUNT,
        coin="USDT",
        equity=Decimal("10262.91335023"),
        wallet_balance=Decimal("9684.46297164"),
        available_balance=Decimal("9556.6056555"),
        unrealised_pnl=Decimal("578.45037859"),
        cum_realised_pnl=Decimal("-0.00000973"),
    )


def test_wallet_spec_example_with_placeholder_numbers_is_a_parse_error() -> None:
    with pytest.raises(BybitParseError, match="equity"):
        _normalise(_raw("ws_wallet.json"))


def test_rest_recent_trades_become_one_backfilled_frame_oldest_first() -> None:
    result, _ = _rest_result("rest_market_recent-trade.json", schemas.RecentTradesResult)
    frame = parse_recent_trades("BTCUSDT", result.list, TS_LOCAL)
    assert frame is not None and frame.backfilled
    assert frame.event_id == "trade:BTCUSDT:2100000000007764263:2100000000007764264"
    assert [t.price for t in frame.trades] == [Decimal("16618.49"), Decimal("16619.00")]
    assert frame.ts_exchange_ms == 1672052955912
    assert parse_recent_trades("BTCUSDT", [], TS_LOCAL) is None


def test_rest_open_order_row_uses_the_ws_id_formula() -> None:
    result, _ = _rest_result("rest_order_realtime.json", schemas.OrdersResult)
    order = parse_order(result.list[0], ACCOUNT, TS_LOCAL, backfilled=True)
    assert order.event_id == "order:fd4300ae-7847-404e-b947-b46980a4d140:1684738540561:New:0.00"
    assert (order.position_idx, order.price, order.backfilled) == (1, Decimal("1600.00"), True)
    assert result.nextPageCursor.startswith("page_args%3D")


def test_rest_position_row_reads_avg_price() -> None:
    result, time_ms = _rest_result("rest_position_list.json", schemas.PositionsResult)
    position = parse_position(result.list[0], ACCOUNT, TS_LOCAL, fallback_ms=time_ms)
    assert position.event_id == f"position:{ACCOUNT}:BTCUSDT:0:8327597900"
    assert (position.side, position.size, position.avg_price) == (
        proto.Side.BUY,
        Decimal("0.010"),
        Decimal("30000.5"),
    )


def test_rest_ticker_id_marks_missing_cross_sequence() -> None:
    row = schemas.TickerInfo(symbol="BTCUSDT", lastPrice="100.5", bid1Price="")
    ticker = parse_rest_ticker(row, 1700000000000, TS_LOCAL)
    assert ticker is not None and ticker.event_id == "ticker:BTCUSDT:rest:1700000000000"
    assert ticker.bid1_price is None


def test_rest_instruments_example_decodes() -> None:
    result, _ = _rest_result("rest_market_instruments-info.json", schemas.InstrumentsResult)
    (btc,) = result.list
    assert (btc.priceFilter.tickSize, btc.lotSizeFilter.qtyStep, btc.fundingInterval) == (
        "0.10",
        "0.001",
        480,
    )
    assert (result.category, result.nextPageCursor) == ("linear", "")


MALFORMED = {
    "not json": b"{not json",
    "trade without price": '{"topic":"publicTrade.BTCUSDT","ts":1,"data":[{"T":1,"s":"BTCUSDT",'
    '"S":"Buy","v":"1","i":"x"}]}',
    "trade price not a number": '{"topic":"publicTrade.BTCUSDT","ts":1,"data":[{"T":1,'
    '"s":"BTCUSDT","S":"Buy","v":"1","p":"abc","i":"x"}]}',
    "trade side unknown": '{"topic":"publicTrade.BTCUSDT","ts":1,"data":[{"T":1,'
    '"s":"BTCUSDT","S":"Up","v":"1","p":"1","i":"x"}]}',
    "empty trade frame": '{"topic":"publicTrade.BTCUSDT","ts":1,"data":[]}',
    "ticker data as array": '{"topic":"tickers.BTCUSDT","type":"snapshot","cs":1,"ts":1,'
    '"data":[{"symbol":"BTCUSDT","lastPrice":"1"}]}',
    "unknown topic": '{"topic":"kline.1.BTCUSDT","ts":1,"data":[]}',
    "order status unknown": _patched("ws_order.json", orderStatus="Exploded"),
    "order without updatedTime": _patched("ws_order.json", updatedTime=""),
    "execution type unknown": _patched("ws_execution.json", execType="Mystery"),
    "execution timestamp as number": _patched("ws_execution.json", execTime=1746270400353),
    "position size empty": _patched("ws_position.json", size=""),
    "wallet data not a list": '{"topic":"wallet","id":"x","creationTime":1,"data":{}}',
}


@pytest.mark.parametrize("raw", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_frame_raises_parse_error(raw: str | bytes) -> None:
    with pytest.raises(BybitParseError):
        _normalise(raw)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
_topics = st.sampled_from(
    ["publicTrade.BTCUSDT", "tickers.BTCUSDT", "order", "execution", "position", "wallet", "x"]
)


@settings(max_examples=300, deadline=None)
@given(topic=_topics, kind=st.sampled_from(["snapshot", "delta"]), data=_json, ts=st.integers())
def test_any_frame_either_normalises_or_raises_parse_error(
    topic: str, kind: str, data: object, ts: int
) -> None:
    raw = json.dumps({"topic": topic, "type": kind, "ts": ts, "cs": 1, "data": data})
    with contextlib.suppress(BybitParseError):
        _normalise(raw)


def test_rest_time_cancel_all_and_batch_examples_decode() -> None:
    server, time_ms = _rest_result("rest_market_time.json", schemas.ServerTime)
    assert (server.timeNano, time_ms) == ("1688639403423213947", 1688639403423)
    cancelled, _ = _rest_result("rest_order_cancel-all.json", schemas.CancelAllResult)
    assert ([a.orderId for a in cancelled.list], cancelled.success) == (
        ["1616024329462743808"],
        "1",
    )
    batch, _ = _rest_result("rest_order_create-batch.json", schemas.BatchResult)
    envelope = msgspec.json.decode(_raw("rest_order_create-batch.json"), type=schemas.Envelope)
    ext = msgspec.json.decode(envelope.retExtInfo, type=schemas.BatchExtInfo)
    assert [(b.orderLinkId, s.code) for b, s in zip(batch.list, ext.list, strict=True)] == [
        ("spot-btc-03", 0)
    ]
