"""Starting an account from recorded state (a seeded replay, V-16/V-18)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.venue.helpers import API as ACCOUNT_KEY
from tests.venue.helpers import make_sim
from venue import RestoredLeg, RestoredOrder

D = Decimal


def _order(
    order_id: str, side: str, price: str, idx: int, created: int, **kw: object
) -> RestoredOrder:
    fields: dict[str, object] = {
        "order_id": order_id, "order_link_id": f"cid{order_id}-{created}", "symbol": "BTCUSDT",
        "side": side, "price": D(price), "qty": D("0.002"), "leaves_qty": D("0.002"),
        "position_idx": idx, "reduce_only": idx == 1 and side == "Sell", "created_ms": created,
    } | kw  # fmt: skip
    return RestoredOrder(**fields)  # type: ignore[arg-type]


def test_restored_state_trades_on_with_its_ids_priority_and_entry() -> None:
    sim = make_sim("strict_cross", proto=True)
    sim.venue.restore(
        ACCOUNT_KEY,
        D("950"),
        legs=[RestoredLeg("BTCUSDT", 1, D("0.004"), D("18400"), D("-1.5")),
              RestoredLeg("BTCUSDT", 2, D("0"), D("0"))],
        orders=[_order("later", "Buy", "18300.0", 1, 2_000),
                _order("close", "Sell", "18500.0", 1, 1_500, leaves_qty=D("0.001")),
                _order("first", "Buy", "18300.0", 1, 1_000)],
    )  # fmt: skip
    assert sim.sink is not None and sim.sink.drain() == []  # the exchange's state: no news
    acct = sim.acct()
    assert acct.wallet == D("950")
    assert list(acct.open_orders) == ["first", "close", "later"]  # oldest first
    assert acct.orders["close"].cum_exec_qty == D("0.001")
    assert acct.orders["close"].status == "PartiallyFilled"

    fills = sim.tick("18299.0", mark="18299.0")  # both buys cross: time priority kept
    assert [f.order_id for f in fills] == ["first", "later"]
    fills = sim.tick("18501.0", mark="18501.0")  # the close sells its 0.001 left
    (close,) = fills
    assert (close.order_id, close.exec_qty) == ("close", D("0.001"))
    # Entry of the restored leg and the new buys: (0.004 × 18,400 + 0.004 × 18,300) / 0.008
    pos = acct.position("BTCUSDT", 1)
    assert pos.avg_price == D("18350")
    assert close.exec_pnl == (D("18500.0") - D("18350")) * D("0.001")
    assert pos.size == D("0.007")
    # The restored −1.5, the close's 0.15, fees 2 × 0.00732 + 0.0037.
    assert pos.cum_realised_pnl == D("-1.36834")


def test_restore_refuses_an_account_that_traded_and_bad_state() -> None:
    sim = make_sim("strict_cross")
    with pytest.raises(ValueError, match=r"leg 2 size -0\.001"):
        sim.venue.restore(
            ACCOUNT_KEY, D("1000"), legs=[RestoredLeg("BTCUSDT", 2, D("-0.001"), D("1"))]
        )
    with pytest.raises(ValueError, match=r"order o1 leaves 0 of 0\.002"):
        sim.venue.restore(
            ACCOUNT_KEY, D("1000"), orders=[_order("o1", "Buy", "1", 1, 1, leaves_qty=D("0"))]
        )
    sim.place("Buy", "18300.0", "0.001")
    with pytest.raises(ValueError, match="has already traded"):
        sim.venue.restore(ACCOUNT_KEY, D("1000"))
